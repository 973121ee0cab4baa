"""The figures of ``negsim reproduce``: what a paper or a seminar on the findings shows."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from negsim.analysis import wilson_interval
from negsim.figures import save_figure
from negsim.figures.convergence import convergence_figure
from negsim.figures.layout import curve_style
from negsim.findings import Context, FindingResult
from negsim.simulation import replication_seed, simulate


def curve_with_band(ax, x: np.ndarray, prob: np.ndarray, runs: int, label: str, k: int = 0) -> None:
    """A probability curve (the ``k``-th, for its line style) with its 95 % Wilson band."""
    lo, hi = wilson_interval(np.round(prob * runs), runs)
    ax.plot(x, prob, label=label, markevery=max(1, len(x) // 20), **curve_style(k))
    ax.fill_between(x, lo, hi, alpha=0.2)


def finish_probability_axes(fig: Figure, ax, title: str, xlabel: str) -> None:
    """Labels, limits and legend (below the axes, off the data) of the probability figures."""
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_ylabel("Probability of agreement\n(share of runs, 95 % Wilson band)", fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.set_ylim(-0.02, 1.02)
    ax.tick_params(labelsize=11)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=2, fontsize=10, frameon=False)


def pressure_figure(f7: FindingResult, runs: int) -> Figure:
    """Agreement probability against U.S. pressure, ROK-Japan and DPRK-Japan on one axis."""
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    labels = {
        "rok_japan_1951_1965": "ROK-Japan 1951-1965 (historical series, scaled)",
        "dprk_japan_future_us_alignment": "DPRK-Japan, future 1 (U.S. presses both)",
    }
    for k, (name, curve) in enumerate(f7.figure_data["curves"].items()):
        x, p = np.asarray(curve["pressure"]), np.asarray(curve["probability"])
        curve_with_band(ax, x, p, runs, labels.get(name, name), k)
    level = f7.figure_data["level_1965"]
    ax.axvline(level, color="black", ls="--", label=f"1965 peak U.S. pressure ({level:.2f})")
    finish_probability_axes(
        fig,
        ax,
        "F6, F7: agreement against U.S. pressure",
        "Peak U.S. pressure (mean over the two sides; 1965 ROK peak = 1)",
    )
    return fig


def leader_figure(f8: FindingResult, runs: int) -> Figure:
    """Agreement probability against Kim Jong-un's disposition, one line per U.S.-pressure level."""
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    leaders = np.asarray(f8.figure_data["leader"])
    prob = np.asarray(f8.figure_data["probability"])
    for k, scale in enumerate(f8.figure_data["pressure_scale"]):
        curve_with_band(
            ax, leaders, prob[:, k], runs, f"U.S. pressure x{scale:g} of the scenario's", k
        )
    finish_probability_axes(
        fig,
        ax,
        "F8: future 2 (the DPRK opens its economy): the leader decides",
        "DPRK leader disposition (0 hostile, 0.5 neutral, 1 bent on a deal; 0-1 scale)",
    )
    return fig


def shares_figure(f9: FindingResult) -> Figure:
    """Concession shares per issue: 1965 beside the denuclearized future."""
    shares = f9.figure_data["shares"]
    issues = list(shares["rok_japan_1951_1965"]["ROK"])
    future = shares["dprk_japan_future_denuclearized"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained", sharey=True)
    panels = [
        ("1965 (historical): ROK vs Japan", shares["rok_japan_1951_1965"], ["ROK", "JPN"]),
        ("Future 3 (denuclearized): DPRK vs Japan", future, ["DPRK", "JPN"]),
    ]
    for ax, (title, table, states) in zip(axes, panels, strict=True):
        present = [i for i in issues if i in table[states[0]]]
        x = np.arange(len(present))
        for k, sid in enumerate(states):
            ax.bar(x + (k - 0.5) * 0.38, [table[sid][i] for i in present], width=0.38, label=sid)
        ax.set_xticks(x, [i.replace("_", "\n") for i in present])
        ax.axhline(0.5, color="0.4", lw=1, ls=":")
        ax.set_title(title, fontsize=12)
        ax.set_xlabel("Issue", fontsize=12)
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
        # Below the panel, so the legend never covers a bar.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    axes[0].set_ylabel("Concession share\n(share of the initial gap conceded, 0-1)", fontsize=12)
    fig.suptitle(
        "F2, F9: who conceded what on the four issues both cases share (mean over agreed runs)"
    )
    return fig


def write_figures(
    results: dict[str, FindingResult], ctx: Context, out: Path, runs: dict[str, int]
) -> list[Path]:
    """Write every figure whose findings were measured; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("rok_japan_1951_1965", "dprk_japan_1991_2006"):
        spec, _ = ctx.scenario(name)
        series, summary = simulate(spec, seed=replication_seed(0, 0), constants=ctx.constants)
        path = out / f"convergence_{name}.png"
        save_figure(convergence_figure(spec, series, summary), path)
        written.append(path)
    plans = [
        ("F7", "agreement_vs_us_pressure.png", lambda: pressure_figure(results["F7"], runs["F7"])),
        ("F8", "agreement_vs_leader.png", lambda: leader_figure(results["F8"], runs["F8"])),
        (
            "F9",
            "concession_shares_1965_vs_denuclearized.png",
            lambda: shares_figure(results["F9"]),
        ),
    ]
    for needed, filename, make in plans:
        if needed in results:
            save_figure(make(), out / filename)
            written.append(out / filename)
    return written
