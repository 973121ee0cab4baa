"""The convergence figure of one run: the gap on each issue over time, with talks'
suspensions, dated events and the historical outcome, readable on a projector."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from negsim.calendar import month_to_date, parse_month
from negsim.figures.layout import curve_style, lanes
from negsim.scenario import Scenario

MAX_LANES = 5  # more rows of event labels than this, and events are numbered with a key
EVENT_GID = "negsim-events"  # the event lines and label band, for a caller that draws its own
MAX_LABELLED = 60  # more events than this are drawn as lines only
AFTER_AGREEMENT = 6  # months shown after the agreement (or the historical outcome)
EVENT_FONT = 10
TOP_OF_DATA = (
    1.045  # gaps are at most 1 (markers reach a little above); event labels sit above this
)


def suspensions(series: pd.DataFrame) -> list[tuple[str, str]]:
    """The (first, last) months of each stretch with talks suspended."""
    spans, begin = [], None
    for date, active in zip(series["date"], series["talks_active"], strict=True):
        if not active and begin is None:
            begin = date
        if active and begin is not None:
            spans.append((begin, date))
            begin = None
    if begin is not None:
        spans.append((begin, series["date"].iloc[-1]))
    return spans


def _date(text: str):
    return month_to_date(parse_month(text))


def shown_months(scenario: Scenario, series: pd.DataFrame, summary: dict) -> tuple[int, int]:
    """The first and last month the figure shows (month indices).

    From the run's start to its end, or, after an agreement, to a few months past the
    later of the agreement and the historical outcome: no empty stretch after the deal.
    """
    first = parse_month(series["date"].iloc[0]) if len(series) else parse_month(scenario.start)
    end = parse_month(scenario.end)
    if not summary.get("agreement_date"):
        return first, end
    last = parse_month(summary["agreement_date"])
    outcome = scenario.historical_outcome
    if outcome is not None and parse_month(outcome.date) <= end:
        last = max(last, parse_month(outcome.date))
    return first, min(end, last + AFTER_AGREEMENT)


def convergence_figure(scenario: Scenario, series: pd.DataFrame, summary: dict) -> Figure:
    """The gap on each issue against the date, as a seminar would project it."""
    fig, ax = plt.subplots(figsize=(12, 7), layout="constrained")
    first, last = shown_months(scenario, series, summary)
    dates = [_date(d) for d in series["date"]]
    every = max(1, len(dates) // 14)
    for k, (iid, issue) in enumerate(scenario.issues.items()):
        ax.plot(
            dates,
            series[f"gap_{iid}"],
            markevery=(k * every // max(1, len(scenario.issues)), every),
            label=f"{issue.label} ({issue.kind})",
            **curve_style(k),
        )
    for k, (begin, end) in enumerate(suspensions(series)):
        ax.axvspan(
            _date(begin), _date(end), color="0.88", zorder=0, label=None if k else "talks suspended"
        )
    outcome = scenario.historical_outcome
    if outcome is not None and parse_month(outcome.date) <= last:
        ax.axvline(
            _date(outcome.date),
            color="black",
            lw=3,
            alpha=0.55,
            label=f"history: {outcome.label} ({outcome.date[:7]})",
        )
    if summary.get("agreement_date"):
        ax.axvline(
            _date(summary["agreement_date"]),
            color="tab:purple",
            lw=2,
            ls="-.",
            label=f"simulated agreement ({summary['agreement_date']})",
        )
    ax.set_xlim(month_to_date(first), month_to_date(last))
    years = (last - first) / 12
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, int(np.ceil(years / 16)))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.tick_params(labelsize=12)
    ax.set_xlabel("Date (year; each tick is January)", fontsize=13)
    ax.set_ylabel(
        "Gap between the two demands\n(issue's 0-1 axis; 1 = the initial gap)", fontsize=13
    )
    verdict = (
        f"agreement {summary['agreement_date']}" if summary.get("agreement") else "no agreement"
    )
    ax.set_title(f"{scenario.title}: convergence per issue (simulated, {verdict})", fontsize=14)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=11, frameon=False)
    events = [e for e in scenario.events if e.show and first <= parse_month(e.date) <= last]
    _event_labels(fig, ax, [(e.date, " ".join((e.short or e.label).split())) for e in events])
    return fig


def _event_labels(fig: Figure, ax, events: list[tuple[str, str]]) -> None:
    """Dated events as dotted lines, labelled in rows above the data so no two labels meet."""
    ax.set_ylim(-0.02, TOP_OF_DATA)
    if not events:
        return
    # One collection for all the event lines: a scenario may carry thousands of events.
    ax.vlines(
        [_date(date) for date, _ in events],
        0,
        1,
        transform=ax.get_xaxis_transform(),
        colors="0.35",
        linestyles=":",
        lw=1.2,
        zorder=1,
        gid=EVENT_GID,
    )
    if len(events) > MAX_LABELLED:
        ax.set_title(
            f"{ax.get_title()}\n{len(events):,} dated events (dotted lines), too many to label",
            fontsize=14,
        )
        return
    texts = [
        ax.text(
            _date(date),
            TOP_OF_DATA,
            " " + label,
            fontsize=EVENT_FONT,
            color="0.15",
            va="bottom",
            ha="left",
            zorder=5,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
        )
        for date, label in events
    ]
    fig.draw_without_rendering()  # lays the figure out, so the boxes below are final
    renderer = fig.canvas.get_renderer()
    right = ax.get_window_extent(renderer).x1
    boxes = [t.get_window_extent(renderer) for t in texts]
    rows = _place(texts, boxes, right)
    if max(rows) + 1 > MAX_LANES:  # too many to write out: numbers on the plot, names in a key
        for k, text in enumerate(texts, 1):
            text.set_text(f" {k}")
        fig.draw_without_rendering()
        rows = _place(texts, [t.get_window_extent(renderer) for t in texts], right)
        key = "   ".join(f"{k} {date[:7]} {label}" for k, (date, label) in enumerate(events, 1))
        fig.text(0.01, 0.0, "Events: " + key, fontsize=9, wrap=True, va="bottom")
    height = max(b.height for b in boxes) * 1.15  # one row, in pixels
    axes_px = ax.get_window_extent(renderer).height
    share = (max(rows) + 1) * height / axes_px  # of the axes' height the rows take
    bottom = -0.02
    top = (TOP_OF_DATA - bottom * share) / (1 - share)
    ax.set_ylim(bottom, top)
    row_data = (top - bottom) * height / axes_px
    for text, row in zip(texts, rows, strict=True):
        text.set_y(TOP_OF_DATA + row * row_data)
    ax.axhspan(TOP_OF_DATA, top, color="0.97", zorder=0, gid=EVENT_GID)


def _place(texts, boxes, right: float) -> list[int]:
    """Give each label a row; a label that would run past the axes' right edge ends at its line."""
    starts, widths = [], []
    for text, box in zip(texts, boxes, strict=True):
        if box.x0 + box.width > right:
            text.set_horizontalalignment("right")
            text.set_text(text.get_text().strip() + " ")
            starts.append(box.x0 - box.width)
        else:
            starts.append(box.x0)
        widths.append(box.width)
    return lanes(starts, widths, gap=4.0)
