"""Two runs of one scenario side by side (``negsim compare``, the app's "Compare"), and the
drivers panel under the gaps.

A comparison is the scenario as calibrated against the same scenario with overrides (a
lever moved), or a student's game against the model's own run: the gaps of both on one
date axis (solid against dashed), the drivers each run felt under them, and both outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negsim.calendar import month_to_date, parse_month
from negsim.figures.convergence import suspensions
from negsim.scenario import Scenario

STYLES = ("-", "--")
"""Line style of the first and the second run."""

DRIVER_LABELS = {"us_pressure": "U.S. pressure", "detente": "détente"}
"""The drivers the panel under the gaps shows, per state, and how it names them."""


@dataclass
class Run:
    """One run to compare: its name on the figure, its scenario, series and summary."""

    label: str
    scenario: Scenario
    series: pd.DataFrame
    summary: dict[str, Any]


def _date(text: str):
    return month_to_date(parse_month(text))


def driver_columns(scenario: Scenario, frames: list[pd.DataFrame]) -> list[tuple[str, str]]:
    """The driver columns the runs hold, per state, with their labels (in panel order).

    A driver the same for both states in every run is shown once; one that is zero in every
    run throughout is left out.
    """
    out = []
    for name, words in DRIVER_LABELS.items():
        columns = [f"{name}_{sid}" for sid in scenario.state_ids]
        if not all(c in f for f in frames for c in columns):
            continue
        if all((f[c] == 0).all() for f in frames for c in columns):
            continue
        if all(f[c].equals(f[columns[0]]) for f in frames for c in columns):
            out.append((columns[0], f"{words} (both states)"))
        else:
            out.extend((c, f"{words} felt by {c.rsplit('_', 1)[1]}") for c in columns)
    return out


def draw_drivers(ax: Axes, runs: list[Run]) -> None:
    """The drivers each run felt, on the date axis of the gaps above."""
    colors = ["tab:cyan", "tab:olive", "tab:pink", "tab:brown"]
    columns = driver_columns(runs[0].scenario, [r.series for r in runs])
    for k, run in enumerate(runs):
        dates = [_date(d) for d in run.series["date"]]
        for j, (column, label) in enumerate(columns):
            name = label if len(runs) == 1 else f"{label}, {run.label}"
            ax.plot(
                dates,
                run.series[column],
                STYLES[k % 2],
                color=colors[j % len(colors)],
                lw=1.6,
                label=name,
            )
    ax.set_ylabel("Driver level\n(as each state felt it)")
    ax.set_xlabel("Date (month)")
    ax.grid(alpha=0.3)
    if columns:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    else:
        ax.text(
            0.5,
            0.5,
            "no drivers yet (the run has not started)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )


LABEL_ROW = 0.065
"""Height of one row of event labels above the curves, on the gap axis."""


def label_rows(starts: list[float], widths: list[float]) -> list[int]:
    """A row for each label so that no two labels in a row overlap (first fit, in order)."""
    ends: list[float] = []
    rows = []
    for x, w in zip(starts, widths, strict=True):
        row = next((r for r, end in enumerate(ends) if x > end), len(ends))
        if row == len(ends):
            ends.append(x + w)
        else:
            ends[row] = x + w
        rows.append(row)
    return rows


def draw_events(ax: Axes, scenario: Scenario, first: str, last: str) -> int:
    """Dotted lines at the scenario's shown events between two months, labelled above the
    curves in rows so that labels never collide; returns the number of rows."""
    begin, end = parse_month(first), parse_month(last)
    shown = [e for e in scenario.events if e.show and begin <= parse_month(e.date) <= end]
    span = max(1, parse_month(scenario.end) - parse_month(scenario.start))
    texts = [" " + (e.short or e.label) for e in shown]
    starts = [(parse_month(e.date) - parse_month(scenario.start)) / span for e in shown]
    rows = label_rows(starts, [0.0082 * len(t) + 0.004 for t in texts])  # 8-pt text, 12-in axes
    for event, text, row in zip(shown, texts, rows, strict=True):
        x = _date(event.date)
        ax.axvline(x, color="tab:gray", ls=":", lw=1)
        ax.text(
            x,
            1.03 + LABEL_ROW * (row + 0.5),
            text,
            fontsize=8,
            va="center",
            ha="left",
            color="0.25",
            clip_on=True,
        )
    return max(rows, default=-1) + 1


def add_drivers_panel(fig: Figure, runs: list[Run]) -> Axes:
    """Put a drivers panel under a one-axes gap figure, sharing its date axis."""
    (top,) = fig.axes
    grid = fig.add_gridspec(2, 1, height_ratios=[3, 1])
    top.set_subplotspec(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)
    top.set_xlabel("")
    top.tick_params(labelbottom=False)
    draw_drivers(bottom, runs)
    return bottom


def compare_figure(runs: list[Run]) -> Figure:
    """Two runs of one scenario: the gap on each issue (first solid, second dashed), each
    run's agreement, history, and the drivers under them on the same date axis."""
    first = runs[0]
    spec = first.scenario
    fig, (ax, bottom) = plt.subplots(
        2, 1, figsize=(12, 8), sharex=True, height_ratios=[3, 1], layout="constrained"
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, run in enumerate(runs):
        dates = [_date(d) for d in run.series["date"]]
        for j, (iid, issue) in enumerate(spec.issues.items()):
            label = f"{issue.label} ({issue.kind})" if k == 0 else None
            ax.plot(
                dates,
                run.series[f"gap_{iid}"],
                STYLES[k % 2],
                color=colors[j % 10],
                lw=2,
                label=label,
            )
    for k, (begin, end) in enumerate(suspensions(first.series)):
        ax.axvspan(
            _date(begin),
            _date(end),
            color="0.88",
            zorder=0,
            label=f"talks suspended ({first.label})" if k == 0 else None,
        )
    for k, run in enumerate(runs):
        ax.plot([], [], STYLES[k % 2], color="0.3", lw=2, label=f"{run.label}: {verdict(run)}")
        date = run.summary.get("agreement_date")
        if date:
            ax.axvline(_date(date), color="tab:purple", ls=STYLES[k % 2], lw=1.5)
    outcome = spec.historical_outcome
    if outcome is not None:
        ax.axvline(
            _date(outcome.date),
            color="black",
            lw=2,
            label=f"history: {outcome.label} ({outcome.date[:7]})",
        )
    rows = draw_events(ax, spec, spec.start, spec.end)
    ax.set_ylim(-0.02, 1.03 + LABEL_ROW * rows)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlim(_date(spec.start), _date(spec.end))
    ax.set_ylabel("Gap between demands (on the issue's 0-1 axis)")
    ax.set_title(f"{spec.title}\n{runs[0].label} (solid) against {runs[1].label} (dashed)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    draw_drivers(bottom, runs)
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return fig


def verdict(run: Run) -> str:
    """A run's outcome in a few words."""
    date = run.summary.get("agreement_date")
    return f"agreement {date}" if date else "no agreement"


def _share(x: float) -> str:
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text


def outcome_rows(runs: list[Run]) -> list[tuple[str, ...]]:
    """The two outcomes side by side: agreement, package or gap per issue, shares."""
    spec = runs[0].scenario
    rows = [("", *(r.label for r in runs)), ("agreement", *(verdict(r) for r in runs))]
    for iid, issue in spec.issues.items():
        cells = []
        for r in runs:
            package = r.summary.get("package") or {}
            if iid in package:
                cells.append(package[iid]["wording"])
            elif r.summary["agreement"]:
                cells.append("shelved")
            else:
                cells.append(f"gap {_share(r.summary['final_gap'][iid])}")
        rows.append((issue.label, *cells))
    for sid in spec.state_ids:
        rows.append(
            (
                f"{sid} conceded (mean over issues)",
                *(_share(r.summary["mean_concession"][sid]) for r in runs),
            )
        )
    return rows


def format_comparison(runs: list[Run]) -> str:
    """The outcomes side by side as text, for the terminal."""
    rows = outcome_rows(runs)
    width = max(len(r[0]) for r in rows)
    cols = [max(len(r[k]) for r in rows) for k in range(1, len(rows[0]))]
    lines = []
    for row in rows:
        cells = [f"{c:<{w}}" for c, w in zip(row[1:], cols, strict=True)]
        lines.append(f"{row[0]:<{width}}  " + "  ".join(cells).rstrip())
    return "\n".join(lines)
