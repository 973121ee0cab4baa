"""The figures of ``negsim plot``: agreement curves, surfaces, Sobol indices, dates of a sweep."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from negsim.analysis import (
    agreement_by,
    levels,
    load_results,
    need_column,
    sobol_indices,
    surface_table,
)
from negsim.calendar import parse_month
from negsim.figures import save_figure
from negsim.figures.layout import curve_style
from negsim.parameters import parameter_label
from negsim.scenario import ScenarioError

KINDS = ("scurve", "surface", "sobol", "dates")
OUTCOME_WORDS = {
    "agreed": "Agreement probability (share of runs, 0-1)",
    "agreement_step": "Mean months to agreement (months from the start)",
}


def outcome_label(outcome: str) -> str:
    """An outcome column in words with its unit, as a mean over runs (codebook wording)."""
    if outcome in OUTCOME_WORDS:
        return OUTCOME_WORDS[outcome]
    from negsim.export import describe

    meaning, unit = describe(outcome)
    return f"Mean {meaning} ({unit})" if unit else f"Mean {outcome}"


def _short_outcome(outcome: str) -> str:
    return outcome_label(outcome).split(" (")[0].lower()


def _short(path: str) -> str:
    """A parameter's words without the unit, for a legend or a title."""
    return parameter_label(path).split(" (")[0]


def _title(manifest: dict[str, Any]) -> str:
    return manifest.get("experiment", {}).get("title") or manifest.get("experiment_id", "")


def scurve_figure(
    frame: pd.DataFrame, manifest: dict[str, Any], parameter: str, by: str | None = None
) -> Figure:
    """Agreement probability against one parameter, with 95 % Wilson intervals.

    With ``by``, one curve per value (or bin) of a second parameter; otherwise the
    other parameters are averaged over.
    """
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    groups: list[tuple[str, pd.DataFrame]] = [("all runs", frame)]
    if by is not None:
        keys, binned = levels(frame[by], bins=6)
        sign = "≈" if binned else "="  # binned: the bin's centre
        groups = [
            (
                f"{_short(by)} {sign} {k:.3g}" if isinstance(k, float) else f"{_short(by)} = {k}",
                frame[keys == k],
            )
            for k in sorted(keys.unique())
        ]
    categorical = not pd.api.types.is_numeric_dtype(frame[parameter])
    for k, (label, part) in enumerate(groups):
        table = agreement_by(part, parameter)
        x = np.arange(len(table)) if categorical else table[parameter].to_numpy(dtype=float)
        ax.plot(x, table["probability"], label=label, **curve_style(k))  # coinciding curves show
        ax.fill_between(x, table["low"], table["high"], alpha=0.2)
    if categorical:
        ax.set_xticks(np.arange(len(table)), table[parameter], rotation=45)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(parameter_label(parameter), fontsize=12)
    ax.set_ylabel("Agreement probability\n(share of runs, 95 % Wilson interval)", fontsize=12)
    others = [p for p in manifest.get("parameters", []) if p not in (parameter, by)]
    note = f"; averaged over {', '.join(_short(p) for p in others)}" if others else ""
    ax.set_title(f"{_title(manifest)}\n{len(frame):,} runs{note}", fontsize=12)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside right upper", fontsize=10, frameon=False)
    return fig


def surface_figure(
    frame: pd.DataFrame, manifest: dict[str, Any], x: str, y: str, outcome: str = "agreed"
) -> Figure:
    """A heatmap of an outcome's mean over two parameters (binned if continuous)."""
    table = surface_table(frame, x, y, outcome)
    fig, ax = plt.subplots(figsize=(9, 6.5), layout="constrained")
    xs = np.asarray(table.columns, dtype=float)
    ys = np.asarray(table.index, dtype=float)
    label = outcome_label(outcome)
    mesh = ax.pcolormesh(
        _edges(xs),
        _edges(ys),
        table.to_numpy(dtype=float),
        shading="flat",
        cmap="viridis",
        vmin=0.0 if outcome == "agreed" else None,
        vmax=1.0 if outcome == "agreed" else None,
    )
    fig.colorbar(mesh, ax=ax, label=label)
    if outcome == "agreed" and table.size <= 400:
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                v = table.iat[i, j]
                if np.isfinite(v):
                    ax.text(
                        xv,
                        yv,
                        f"{v:.2f}",
                        ha="center",
                        va="center",
                        fontsize=9 if table.size <= 120 else 6,
                        color="white" if v < 0.6 else "black",
                    )
    ax.set_xlabel(parameter_label(x), fontsize=12)
    ax.set_ylabel(parameter_label(y), fontsize=12)
    per_cell = len(frame) / max(1, np.isfinite(table.to_numpy(dtype=float)).sum())
    ax.set_title(
        f"{_title(manifest)}\n{label}; {len(frame):,} runs, ~{per_cell:.0f} per cell", fontsize=12
    )
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mids = 0.5 * (centres[:-1] + centres[1:])
    return np.concatenate([[2 * centres[0] - mids[0]], mids, [2 * centres[-1] - mids[-1]]])


def sobol_figure(indices: pd.DataFrame, manifest: dict[str, Any], outcome: str) -> Figure:
    """First-order and total indices side by side, with 95 % confidence bars."""
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    x = np.arange(len(indices))
    width = 0.38
    ax.bar(
        x - width / 2,
        indices["S1"],
        width,
        yerr=indices["S1_conf"],
        capsize=4,
        label="first order (S1)",
    )
    ax.bar(
        x + width / 2, indices["ST"], width, yerr=indices["ST_conf"], capsize=4, label="total (ST)"
    )
    ax.set_xticks(x, [textwrap.fill(parameter_label(p), 24) for p in indices.index])
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Swept parameter (its unit under each bar)", fontsize=12)
    ax.set_ylabel(
        f"Sobol index of {_short_outcome(outcome)}\n"
        "(share of its variance over design points, 0-1)",
        fontsize=12,
    )
    ax.set_title(f"{_title(manifest)}\nSobol indices, 95 % bootstrap confidence bars", fontsize=12)
    fig.legend(loc="outside right upper", fontsize=10, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def dates_figure(frame: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """The distribution of a sweep's agreement dates, with the historical outcome if any."""
    from negsim.figures.uncertainty import agreement_dates_figure

    dates = frame["agreement_date"].dropna()
    outcome = manifest.get("historical_outcome")
    return agreement_dates_figure(
        [parse_month(d) for d in dates],
        len(frame),
        manifest["scenario_start"],
        manifest["scenario_end"],
        _title(manifest),
        (outcome["date"], outcome["label"]) if outcome else None,
    )


def plot(
    results: str | Path,
    kind: str,
    out: str | Path | None = None,
    parameter: str | None = None,
    second: str | None = None,
    outcome: str = "agreed",
) -> Path:
    """Draw one kind of plot for a results directory; return the PNG's path.

    ``parameter`` is the x axis (scurve, surface); ``second`` the curves' grouping
    (scurve) or the y axis (surface). They default to the sweep's first parameters.
    """
    source = str(results)
    if kind not in KINDS:
        raise ScenarioError("--kind", [("", f"unknown kind {kind!r}; one of {', '.join(KINDS)}")])
    frame, manifest = load_results(results)
    params = list(manifest.get("parameters", []))
    for name, column in (("--x", parameter), ("--y", second)):
        if column is not None:
            need_column(frame, column, source, name)
    if kind in ("surface", "sobol"):
        need_column(frame, outcome, source, "--outcome")
    if kind == "scurve":
        need_column(frame, "agreed", source, "--kind")
        fig = scurve_figure(frame, manifest, parameter or params[0], second)
    elif kind == "surface":
        x = parameter or params[0]
        y = second or next((p for p in params if p != x), None)
        if y is None:
            raise ScenarioError(source, [("--y", "a surface needs two parameters")])
        fig = surface_figure(frame, manifest, x, y, outcome)
    elif kind == "sobol":
        indices = sobol_indices(frame, manifest, outcome, source)
        fig = sobol_figure(indices, manifest, outcome)
    else:
        need_column(frame, "agreement_date", source, "--kind")
        fig = dates_figure(frame, manifest)
    path = Path(out) if out is not None else Path(results) / "_plots" / f"{kind}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
