"""The figures of uncertainty: replications, ``sensitivity``, ``calibrate`` and ``discover``.

* :func:`agreement_dates_figure`: when the runs of a batch agree (a histogram, the 10/50/90 %
  dates and history's), for the app's replications and ``negsim plot --kind dates``;
* :func:`sensitivity_figure`: ranked Sobol indices of the ranged judgements;
* :func:`pair_figure` and :func:`predictive_figure`: an ABC posterior against its prior, and
  the months of agreement it predicts against history's;
* :func:`tradeoff_figure`: PRIM's peeling trajectory, density against coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from negsim.calendar import format_month, month_to_date, parse_month
from negsim.calibrate import unit_draws
from negsim.sensitivity import OUTCOMES, design_values, short_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from negsim.calibrate import Posterior, Targets
    from negsim.discover import Box
    from negsim.scenario import Scenario
    from negsim.sensitivity import SensitivityResult


MONTHLY_SPAN = 36
"""Agreements (and history) within this many months get a bar per month; wider, per quarter."""


def agreement_dates_figure(
    months: Sequence[int],
    runs: int,
    start: str,
    end: str,
    title: str,
    history: tuple[str, str] | None = None,
) -> Figure:
    """When the runs of a batch agree: bars per month or quarter, the 10/50/90 % dates, history.

    ``months`` holds each agreeing run's month of agreement (calendar months, as
    :func:`negsim.calendar.parse_month` counts them), ``runs`` every run, agreeing or not;
    ``history`` is (date, label) of what happened, ``None`` for a future. The quantiles are
    taken as :func:`negsim.simulation.replicate` takes them (``method="lower"``). When no run
    agrees, the axis spans the whole run and says so.
    """
    import datetime as dt

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    first, last = parse_month(start), parse_month(end)
    months = np.asarray(months, dtype=int)
    shown = [*months.tolist(), *([parse_month(history[0])] if history else [])]
    monthly = len(months) > 0 and max(shown) - min(shown) <= MONTHLY_SPAN
    width, unit = (1, "month") if monthly else (3, "quarter")
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")

    def middle(month: int) -> dt.date:  # a month's line on its own bar, not on the edge
        return month_to_date(month) + dt.timedelta(days=14)

    if len(months):
        edges = [month_to_date(m) for m in range(first, last + width + 1, width)]
        ax.hist(
            [month_to_date(int(m)) for m in months],
            bins=edges,
            color="tab:blue",
            alpha=0.8,
            label=f"runs agreeing (per {unit})",
        )
        quantiles = np.quantile(months, [0.1, 0.5, 0.9], method="lower")
        for q, m in zip(("10%", "median", "90%"), quantiles, strict=True):
            ax.axvline(
                middle(int(m)),
                color="tab:purple",
                ls={"10%": "--", "median": "-", "90%": ":"}[q],
                lw=1.5,
                label=f"{q}: {format_month(int(m))}",
            )
        margin = 6 if monthly else 12  # the months with agreements and history's, and a margin
        first, last = max(first, min(shown) - margin), min(last + 1, max(shown) + margin + width)
    else:
        last += 1  # the whole run, to the end of its last month
    if history:
        day = history[0]  # history's own day where the scenario gives one
        when = dt.date.fromisoformat(day) if len(day) == 10 else middle(parse_month(day))
        ax.axvline(when, color="black", lw=2, label=f"history: {history[1]} ({day[:7]})")
    ax.set_xlim(month_to_date(first), month_to_date(last))
    if not len(months):
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 1])
        # Beside history's line, on the wider side of it, so that the words never cross it.
        at = 0.5
        if history:
            x = (parse_month(history[0]) - first) / max(1, last - first)
            at = x / 2 if x > 0.5 else (1 + x) / 2
        ax.text(
            at,
            0.5,
            f"no run reaches an agreement\nby {end[:7]}",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color="0.3",
        )
    if monthly:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    if len(months):
        words = "month and year" if monthly else "year"
        ax.set_xlabel(f"Agreement date ({words}; bars are {unit}s)", fontsize=12)
        ax.set_ylabel(f"Runs agreeing in the {unit} (count)", fontsize=12)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    else:
        ax.set_xlabel("Agreement date (year)", fontsize=12)
        ax.set_ylabel("Runs agreeing (count)", fontsize=12)
    share = len(months) / runs if runs else 0.0
    ax.set_title(f"{title}\n{runs:,} runs; {share:.1%} reach an agreement", fontsize=12)
    ax.tick_params(labelsize=11)
    if ax.get_legend_handles_labels()[0]:
        fig.legend(loc="outside lower center", ncol=3, fontsize=11, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def sensitivity_figure(result: SensitivityResult, scenario: Scenario, top: int = 15):
    """Ranked bars of first-order and total Sobol indices, one panel per outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = result.ranking()[:top]
    labels = [short_path(result.judgements[j].path) for j in order]
    y = np.arange(len(order))[::-1]
    fig, axes = plt.subplots(
        1, 2, figsize=(11, 0.38 * len(order) + 2.2), sharey=True, constrained_layout=True
    )
    for ax, (name, title) in zip(axes, OUTCOMES.items(), strict=True):
        ix = result.indices[name]
        ax.barh(
            y + 0.2,
            ix["ST"][order],
            height=0.38,
            xerr=ix["ST_conf"][order],
            color="#3b6ea5",
            label="total (ST): alone and with interactions",
        )
        ax.barh(
            y - 0.2,
            ix["S1"][order],
            height=0.38,
            xerr=ix["S1_conf"][order],
            color="#e0a040",
            label="first order (S1): alone",
        )
        ax.set_title(f"{title}\nvariance over the ranges: {result.variance[name]:.3g}", fontsize=10)
        ax.set_xlabel("Sobol index (share of variance; whiskers: 95% CI)")
        ax.set_xlim(left=min(0.0, float(np.nanmin(ix["S1"][order])) - 0.05))
        if result.variance[name] == 0.0:
            ax.set_xlim(0.0, 1.0)
            ax.text(
                0.5,
                0.5,
                "no spread over the ranges:\nevery draw gives the same value",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.3",
            )
        ax.axvline(0.0, color="0.5", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, labels)
    axes[0].set_ylabel("judgement (ranked by total index, both outcomes)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle(
        f"Which judgements carry the outcome: {scenario.title}\n"
        f"Sobol indices over {len(result.judgements)} ranged judgements "
        f"({result.points:,} design points x {result.shocks} shock seeds)",
        fontsize=11,
    )
    return fig


def pair_figure(post: Posterior, scenario: Scenario, table: dict, top: int = 5, seed: int = 0):
    """Prior against posterior for the judgements history moves most (pairs and marginals)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranked = sorted(post.judgements, key=lambda j: -table[j.path]["shrinkage"])[:top]
    k = len(ranked)
    prior_u = unit_draws(seed ^ 0x77, 0, 1500, len(post.judgements))
    prior = design_values(post.judgements, prior_u)
    values = post.values()
    rng = np.random.default_rng([seed, 0x9A1])
    pick = rng.choice(len(post.unit), size=min(1500, len(post.unit)), p=post.weights)
    fig, axes = plt.subplots(k, k, figsize=(2.3 * k + 1.2, 2.3 * k + 1.0), squeeze=False)
    for r, jr in enumerate(ranked):
        for c, jc in enumerate(ranked):
            ax = axes[r][c]
            if c > r:
                ax.axis("off")
                continue
            if r == c:
                bins = np.linspace(jr.low, jr.high, 21)
                ax.hist(prior[jr.path], bins=bins, density=True, color="0.75", label="prior")
                ax.hist(
                    values[jr.path],
                    bins=bins,
                    density=True,
                    weights=post.weights,
                    histtype="step",
                    lw=1.8,
                    color="#c0392b",
                    label="posterior",
                )
                ax.axvline(jr.value, color="k", ls=":", lw=1, label="point value")
                ax.set_yticks([])
            else:
                ax.scatter(prior[jc.path], prior[jr.path], s=2, color="0.75", rasterized=True)
                ax.scatter(
                    values[jc.path][pick],
                    values[jr.path][pick],
                    s=3,
                    alpha=0.5,
                    color="#c0392b",
                    rasterized=True,
                )
                ax.set_xlim(jc.low, jc.high)
                ax.set_ylim(jr.low, jr.high)
            if r == k - 1:
                ax.set_xlabel(short_path(jc.path) + " (0-1)", fontsize=8)
            if c == 0 and r != c:
                ax.set_ylabel(short_path(jr.path) + " (0-1)", fontsize=8)
            ax.tick_params(labelsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", frameon=False, fontsize=9)
    fig.suptitle(
        f"ABC calibration of {scenario.title}: prior (grey) vs posterior (red)\n"
        f"the {k} judgements history narrows most; targets: {', '.join(post_targets(post))}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 0.97, 0.93))
    return fig


def post_targets(post: Posterior) -> list[str]:
    """The targets the posterior was fitted to (as given), for titles."""
    return list(getattr(post, "targets_text", ()) or ())


def predictive_figure(
    scenario: Scenario, prior_steps: np.ndarray, post_steps: np.ndarray, targets: Targets
):
    """Posterior-predictive month of agreement against the prior's and history's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = parse_month(scenario.start)
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    lo = int(
        min(
            prior_steps[prior_steps >= 0].min(initial=scenario.months),
            post_steps[post_steps >= 0].min(initial=scenario.months),
        )
    )
    hi = int(max(prior_steps.max(), post_steps.max(), lo + 12))
    bins = np.arange(lo, hi + 2) - 0.5
    centers = [month_to_date(start + int(b + 0.5)) for b in bins[:-1]]
    for steps, label, style in (
        (prior_steps, "prior predictive", dict(color="0.6")),
        (post_steps, "posterior predictive", dict(color="#c0392b")),
    ):
        counts, _ = np.histogram(steps[steps >= 0], bins=bins)
        share = counts / len(steps)
        none = float(np.mean(steps < 0))
        ax.step(
            centers,
            share,
            where="mid",
            lw=1.6,
            label=f"{label} (no agreement in {none:.0%} of runs)",
            **style,
        )
    if targets.agreement is not None and targets.agreement >= 0:
        ax.axvline(
            month_to_date(start + targets.agreement),
            color="k",
            ls="--",
            lw=1.2,
            label=f"history: {format_month(start + targets.agreement)}",
        )
    ax.set_xlabel("month of agreement")
    ax.set_ylabel("share of runs agreeing that month")
    ax.set_title(f"When does the calibrated model agree?\n{scenario.title}", fontsize=11)
    fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    ax.grid(alpha=0.3)
    return fig


def tradeoff_figure(trajectory: list[Box], chosen: int, names: list[str], title: str):
    """The peeling trajectory: density against coverage, coloured by restricted parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(8.5, 5.2), layout="constrained")
    cov = [b.coverage for b in trajectory]
    den = [b.density for b in trajectory]
    dims = [len(b.restricted) for b in trajectory]
    ax.plot(cov, den, color="0.7", lw=1, zorder=1)
    points = ax.scatter(cov, den, c=dims, cmap="viridis", s=28, zorder=2)
    bar = fig.colorbar(points, ax=ax, label="parameters restricted by the box")
    bar.ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    b = trajectory[chosen]
    ax.scatter(
        [b.coverage],
        [b.density],
        s=160,
        facecolors="none",
        edgecolors="#c0392b",
        lw=2,
        zorder=3,
        label=f"reported box (step {chosen})",
    )
    ax.set_xlabel("coverage (share of all runs with the outcome inside the box)")
    ax.set_ylabel("density (share of the box's runs with the outcome)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(min(den) - 0.05, 1.02)
    ax.grid(alpha=0.3)
    lines = [
        f"{short_path(names[d])}: {b.limits[d, 0]:.3g} to {b.limits[d, 1]:.3g}"
        for d in b.restricted
    ]
    label = "reported box:\n" + ("\n".join(lines) if lines else "(no restriction)")
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.14),
        frameon=False,
        fontsize=9,
        title=label,
        title_fontsize=8,
        alignment="left",
    )
    ax.set_title(title, fontsize=11)
    return fig


def constants_figure(
    post: Posterior,
    table: dict,
    title: str,
    restricted: np.ndarray | None = None,
    restricted_label: str = "posterior: history and F1-F10",
    columns: int = 5,
):
    """Prior against posterior of each global constant (log axes), the chosen value marked.

    ``table`` is :func:`negsim.calibrate.posterior_table` of ``post`` (panels in order of
    shrinkage, each titled with its verdict); ``restricted``, other weights of the same
    particles (the posterior under a further condition), drawn as a second line.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    priors = sorted(post.judgements, key=lambda j: -table[j.path]["shrinkage"])
    values = post.values()
    rows = -(-(len(priors) + 1) // columns)  # one free panel holds the legend
    fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.55 * rows + 1.2))
    flat = list(np.ravel(axes))
    handles: dict[str, object] = {}
    for ax, j in zip(flat, priors, strict=False):
        edges = np.geomspace(j.low, j.high, 21)
        width = np.log(j.high / j.low)
        (prior_line,) = ax.plot(
            [j.low, j.high], [1.0, 1.0], color="0.55", lw=2.5, label="prior (log-uniform)"
        )
        ax.fill_between([j.low, j.high], 0.0, 1.0, color="0.88", lw=0)
        handles["prior"] = prior_line
        for weights, label, color in (
            (post.weights, "posterior: history", "#c0392b"),
            (restricted, restricted_label, "#2060a0"),
        ):
            if weights is None or not np.any(weights > 0):
                continue
            counts, _ = np.histogram(values[j.path], bins=edges, weights=weights)
            density = counts / counts.sum() / np.diff(np.log(edges)) * width  # prior = 1
            (line,) = ax.step(
                edges,
                np.append(density, density[-1]),
                where="post",
                lw=1.8,
                color=color,
                label=label,
            )
            handles[label] = line
        row = table[j.path]
        band = ax.axvspan(
            row["posterior_q05"],
            row["posterior_q95"],
            color="#c0392b",
            alpha=0.12,
            lw=0,
            label="90 % credible interval (history)",
        )
        handles["band"] = band
        chosen = ax.axvline(j.value, color="k", ls="--", lw=1.3, label="hand-chosen value")
        handles["chosen"] = chosen
        ax.set_xscale("log")
        ax.set_xlim(j.low, j.high)
        ax.set_ylim(0.0, None)
        ticks = [j.low, j.value, j.high]
        ax.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
        ax.minorticks_off()
        ax.set_title(f"{j.path}\n{row['verdict']} (shrinkage {row['shrinkage']:.2f})", fontsize=9.5)
        ax.tick_params(labelsize=8.5)
        ax.grid(alpha=0.25)
    for k, ax in enumerate(flat):
        if k >= len(priors):
            ax.axis("off")
        elif k % columns == 0:
            ax.set_ylabel("density (prior = 1)", fontsize=9)
        if len(priors) - columns <= k < len(priors):
            ax.set_xlabel("value (log scale)", fontsize=9)
    legend_ax = flat[len(priors)]
    legend_ax.legend(
        list(handles.values()),
        [h.get_label() for h in handles.values()],
        loc="center",
        frameon=False,
        fontsize=10,
    )
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig
