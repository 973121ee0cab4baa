"""The figure of ``negsim validate``: the model's agreement year against history's, per phase."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from negsim.calendar import parse_month
from negsim.figures.layout import overlaps
from negsim.validation import YEAR_TOLERANCE


def decimal_year(month: str) -> float:
    """A month as a year with a fraction (1965-07 -> 1965.5), for a year axis."""
    index = parse_month(month)
    return index / 12


def _short(phase: dict[str, Any]) -> str:
    case = "_".join(p for p in phase["case"].split("_") if not p.isdigit())
    return f"{case} {phase['phase'].split('_')[0]}"


# One style per (verdict, history concluded): marker, face colour, legend label.
STYLES = {
    ("HIT", True): ("o", "tab:green", "hit: history agreed"),
    ("HIT", False): ("s", "none", "hit: history, no agreement by the phase's end"),
    ("MISS", True): ("X", "tab:red", "miss: history agreed"),
    ("MISS", False): ("s", "tab:red", "miss: history, no agreement by the phase's end"),
    ("not scored", False): ("D", "lightgrey", "not scored: no talks in the phase"),
    ("not scored", True): ("D", "lightgrey", "not scored: no talks in the phase"),
}
EDGES = {"HIT": "tab:green", "MISS": "tab:red", "not scored": "grey"}


def years_figure(report: dict[str, Any]) -> Figure:
    """Predicted against historical agreement year for every case phase, misses marked.

    History's year is the year the phase concluded, or, where it did not, the phase's
    end (its ``until``). The model's is its median agreement month; a phase the model
    did not settle sits on a band above the plot area, "no agreement in the run".
    """
    phases = report["phases"]
    xs = [
        p["history"]["year"] + 0.5 if p["history"]["concluded"] else decimal_year(p["until"])
        for p in phases
    ]
    agreed_ys = [
        decimal_year(p["model"]["agreement_month"]) for p in phases if p["model"]["agrees"]
    ]
    lo = min(xs + agreed_ys, default=1950) - 3
    hi = max(xs + agreed_ys, default=2025) + 3
    none_y = hi + 5  # the "no agreement" band
    fig, ax = plt.subplots(figsize=(11, 9.5))
    ax.fill_between(
        [lo, hi],
        [lo - YEAR_TOLERANCE, hi - YEAR_TOLERANCE],
        [lo + YEAR_TOLERANCE, hi + YEAR_TOLERANCE],
        color="tab:green",
        alpha=0.12,
        label=f"within ±{YEAR_TOLERANCE} years of history",
    )
    ax.plot([lo, hi], [lo, hi], color="tab:green", lw=1)
    ax.axhspan(hi + 2, hi + 8, color="0.92")
    seen: set[str] = set()
    misses: list[str] = []
    numbers: list[Any] = []  # the misses' number labels
    points: list[tuple[float, float]] = []  # every phase's marker
    for p, x in zip(phases, xs, strict=True):
        style = (p["verdict"], p["history"]["concluded"])
        marker, face, label = STYLES[style]
        y = decimal_year(p["model"]["agreement_month"]) if p["model"]["agrees"] else none_y
        points.append((x, y))
        ax.scatter(
            x,
            y,
            s=110,
            marker=marker,
            facecolors=face,
            edgecolors=EDGES[p["verdict"]],
            linewidths=1.8,
            label=None if label in seen else label,
            zorder=4 if p["verdict"] == "MISS" else 3,
        )
        seen.add(label)
        if p["verdict"] == "MISS":
            # Misses are numbered on the plot and named in a key, so labels never collide.
            misses.append(_short(p))
            numbers.append(
                ax.annotate(
                    str(len(misses)),
                    (x, y),
                    xytext=NUMBER_OFFSETS[0],
                    textcoords="offset points",
                    fontsize=12,
                    fontweight="bold",
                    color="tab:red",
                    zorder=5,
                )
            )
    if misses:
        # Above the diagonal on the left is empty: a model year decades after history's
        # would be a miss far outside the band, and such a point would still show.
        ax.text(
            0.02,
            0.86,
            "Misses:\n" + "\n".join(f"{k}  {name}" for k, name in enumerate(misses, 1)),
            transform=ax.transAxes,
            va="top",
            fontsize=11,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"},
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi + 8)
    # Year ticks only below the band; the band itself is labelled "none".
    ticks = [t for t in MaxNLocator(nbins=8, integer=True).tick_values(lo, hi) if lo <= t <= hi]
    ax.set_yticks([*ticks, none_y], [f"{t:.0f}" for t in ticks] + ["no\nagreement"])
    ax.set_xlabel("History: year the phase concluded, or its end if it did not (year)", fontsize=13)
    ax.set_ylabel("Model: median agreement month over replications (year)", fontsize=13)
    right, total = report["totals"]["phases_right"], report["totals"]["phases"]
    score = f"{right} of {total} scored phases right" if total else "no scored phases"
    ax.set_title(
        f"negsim validate: predicted against historical agreement year ({score})", fontsize=14
    )
    ax.tick_params(labelsize=12)
    ax.grid(alpha=0.3)
    # Below the axes, so the legend never covers a phase.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize=11, frameon=False)
    fig.tight_layout()
    _separate(fig, ax, numbers, points)
    return fig


# Where a miss's number may sit, in points from its marker: right, left, above, below, ...
NUMBER_OFFSETS = [(7, 5), (-17, 5), (7, -17), (-17, -17), (-5, 12), (-5, -24), (18, 5), (-28, 5)]


def _separate(fig: Figure, ax, numbers: list[Any], points: list[tuple[float, float]]) -> None:
    """Move each miss's number to the first offset where it meets no marker and no number
    placed before (or, failing all, the last offset)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    half = 7.0  # a marker's half width, in pixels
    placed: list[tuple[float, float, float, float]] = [
        (px - half, py - half, px + half, py + half) for px, py in ax.transData.transform(points)
    ]
    for number in numbers:
        for offset in NUMBER_OFFSETS:
            number.set_position(offset)
            box = number.get_window_extent(renderer)
            box = (box.x0, box.y0, box.x1, box.y1)
            if not any(overlaps(box, other) for other in placed):
                break
        placed.append(box)
