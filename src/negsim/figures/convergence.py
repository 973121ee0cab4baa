"""Figures: convergence curves with talks' suspensions, events and the historical outcome."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from negsim.calendar import month_to_date, parse_month
from negsim.scenario import Scenario


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


def convergence_figure(scenario: Scenario, series: pd.DataFrame, summary: dict) -> Figure:
    """The gap on each issue against the date, as a seminar would project it."""
    fig, ax = plt.subplots(figsize=(12, 6.5), layout="constrained")
    dates = [_date(d) for d in series["date"]]
    for iid, issue in scenario.issues.items():
        style = "-" if issue.kind == "practical" else "--"
        ax.plot(dates, series[f"gap_{iid}"], style, lw=2, label=f"{issue.label} ({issue.kind})")
    for k, (first, last) in enumerate(suspensions(series)):
        ax.axvspan(
            _date(first),
            _date(last),
            color="0.85",
            zorder=0,
            label="talks suspended" if k == 0 else None,
        )
    start, end = parse_month(series["date"].iloc[0]), parse_month(series["date"].iloc[-1])
    shown = [e for e in scenario.events if e.show and start <= parse_month(e.date) <= end]
    for k, event in enumerate(shown):
        x = _date(event.date)
        ax.axvline(x, color="tab:gray", ls=":", lw=1)
        ax.text(
            x,
            1.02 - 0.07 * (k % 3),
            " " + (event.short or event.label),
            rotation=0,
            fontsize=8,
            va="top",
            ha="left",
            color="0.25",
        )
    outcome = scenario.historical_outcome
    if outcome is not None:
        ax.axvline(
            _date(outcome.date),
            color="black",
            lw=2,
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
    ax.set_ylim(-0.02, 1.08)
    ax.set_xlim(_date(scenario.start), _date(scenario.end))
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, (end - start) // 12 // 12 or 1)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("Date (month)")
    ax.set_ylabel("Gap between demands (on the issue's 0-1 axis)")
    verdict = (
        f"agreement {summary['agreement_date']}" if summary.get("agreement") else "no agreement"
    )
    ax.set_title(f"{scenario.title}: convergence per issue (simulated, {verdict})")
    ax.legend(loc="lower left", fontsize=9, framealpha=0.9)
    ax.grid(alpha=0.3)
    return fig
