"""The figures a room reads: labels in words with units, legends and labels off the data,
no two labels on top of each other, no empty stretch after an agreement."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from negsim import load_scenario
from negsim.calendar import month_to_date, parse_month
from negsim.figures.convergence import AFTER_AGREEMENT, convergence_figure
from negsim.figures.layout import lanes, overlaps
from negsim.figures.sweeps import dates_figure, scurve_figure, sobol_figure, surface_figure
from negsim.figures.validation import years_figure
from negsim.simulation import simulate

DOTTED = re.compile(r"\b[A-Za-z_]+\.[A-Za-z_]+\.[A-Za-z_]+\b")  # drivers.us_pressure.scale


def box(artist, renderer) -> tuple[float, float, float, float]:
    b = artist.get_window_extent(renderer)
    return (b.x0, b.y0, b.x1, b.y1)


def drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def data_points(ax) -> np.ndarray:
    """Every plotted curve's points in pixels (vertical and horizontal rules excluded)."""
    points = []
    for line in ax.lines:
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) < 3:  # axvline / axhline
            continue
        x = matplotlib.dates.date2num(x) if not np.issubdtype(np.asarray(x).dtype, np.number) else x
        points.append(ax.transData.transform(np.column_stack([x, np.asarray(y, float)])))
    return np.concatenate(points) if points else np.empty((0, 2))


def assert_legends_off_data(fig, ax) -> None:
    renderer = drawn(fig)
    legends = [*fig.legends, *([ax.get_legend()] if ax.get_legend() else [])]
    assert legends, "the figure has no legend"
    pts = data_points(ax)
    bars = [box(p, renderer) for p in ax.patches if p.get_height() > 0]  # histogram bars
    assert len(pts) or bars, "no data drawn"
    for legend in legends:
        x0, y0, x1, y1 = box(legend, renderer)
        inside = (pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)
        assert not inside.any(), f"the legend covers {inside.sum()} data points"
        assert not any(overlaps((x0, y0, x1, y1), b) for b in bars), "the legend covers a bar"


def assert_labelled(ax) -> None:
    assert ax.get_title() or ax.figure.get_suptitle(), "no title"
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        assert label and "(" in label, f"axis label without a unit: {label!r}"
        assert not DOTTED.search(label), f"a raw dotted path on an axis: {label!r}"


def event_texts(ax) -> list:
    return [t for t in ax.texts if t.get_text().strip()]


# --- the convergence figure ------------------------------------------------------------


@pytest.fixture(scope="module")
def run_1965():
    spec = load_scenario("rok_japan_1951_1965")
    series, summary = simulate(spec, seed=0)
    return spec, series, summary


def test_lanes_keep_overlapping_labels_apart():
    assert lanes([0, 5, 20], [10, 10, 5]) == [0, 1, 0]
    assert lanes([0, 10, 20], [10, 10, 10]) == [0, 0, 0]
    assert lanes([0, 10], [10, 10], gap=1) == [0, 1]
    assert lanes([30, 0, 1], [5, 5, 5]) == [0, 0, 1]  # taken left to right


@pytest.mark.parametrize(
    "name",
    [
        "rok_japan_1951_1965",
        "dprk_japan_1991_2006",
        "dprk_japan_future_us_alignment",
        "dprk_japan_future_opening",
        "dprk_japan_future_denuclearized",
    ],
)
def test_convergence_figure_reads_on_a_projector(name):
    spec = load_scenario(name)
    series, summary = simulate(spec, seed=0)
    fig = convergence_figure(spec, series, summary)
    try:
        ax = fig.axes[0]
        assert_labelled(ax)
        assert_legends_off_data(fig, ax)
        renderer = drawn(fig)
        boxes = [box(t, renderer) for t in event_texts(ax)]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlaps(a, b), "two event labels collide"
        pts = data_points(ax)
        for b in boxes:
            hit = (pts[:, 0] > b[0]) & (pts[:, 0] < b[2]) & (pts[:, 1] > b[1]) & (pts[:, 1] < b[3])
            assert not hit.any(), "an event label covers a curve"
        styles = [
            (str(line.get_linestyle()), line.get_marker()) for line in ax.lines[: len(spec.issues)]
        ]
        assert len(set(styles)) == len(spec.issues), f"two issues share a line style: {styles}"
        if summary["agreement_date"]:
            right = matplotlib.dates.num2date(ax.get_xlim()[1]).date()
            agreed = month_to_date(parse_month(summary["agreement_date"]))
            later = agreed
            if spec.historical_outcome is not None:
                later = max(later, month_to_date(parse_month(spec.historical_outcome.date)))
            assert right >= later
            assert (right - later).days <= 31 * (AFTER_AGREEMENT + 1), (
                "empty stretch after the deal"
            )
    finally:
        plt.close(fig)


@pytest.mark.parametrize("crowd", [6, 40])
def test_event_labels_in_one_year_do_not_collide(run_1965, crowd):
    """Several events in one year (and a crowd, which is numbered with a key)."""
    spec, series, summary = run_1965
    template = spec.events[0]
    extra = [
        template.model_copy(
            update={
                "date": f"1962-{1 + k % 12:02d}",
                "short": f"event number {k} here",
                "show": True,
            }
        )
        for k in range(crowd)
    ]
    crowded = spec.model_copy(update={"events": [*spec.events, *extra]})
    fig = convergence_figure(crowded, series, summary)
    try:
        ax = fig.axes[0]
        renderer = drawn(fig)
        texts = event_texts(ax)
        assert len(texts) >= crowd
        boxes = [box(t, renderer) for t in texts]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlaps(a, b), "two event labels collide"
        top = box(ax, renderer)[3]
        assert all(b[3] <= top + 1 for b in boxes), "an event label leaves the axes"
        if crowd > 20:
            assert any("Events:" in t.get_text() for t in fig.texts), "no key to the numbers"
    finally:
        plt.close(fig)


# --- the sweep figures -------------------------------------------------------------------

X, Y = "drivers.us_pressure.scale", "states.JPN.audience_cost"


@pytest.fixture(scope="module")
def sweep():
    rng = np.random.default_rng(1)
    grid = [(x, y) for x in np.linspace(0, 2, 9) for y in (0.2, 0.5, 0.8) for _ in range(10)]
    frame = pd.DataFrame(grid, columns=[X, Y])
    frame["agreed"] = rng.random(len(frame)) < np.clip(frame[X] - 0.3, 0, 1)
    months = rng.integers(parse_month("1960-01"), parse_month("1966-01"), len(frame))
    frame["agreement_date"] = [
        f"{m // 12}-{m % 12 + 1:02d}" if ok else None
        for m, ok in zip(months, frame["agreed"], strict=True)
    ]
    manifest = {
        "experiment": {"title": "U.S. pressure x Japan's audience cost"},
        "parameters": [X, Y],
        "scenario_start": "1951-10",
        "scenario_end": "1970-12",
        "historical_outcome": {"date": "1965-06", "label": "Treaty on Basic Relations"},
    }
    return frame, manifest


def test_sweep_figures_label_parameters_in_words(sweep):
    frame, manifest = sweep
    indices = pd.DataFrame(
        {"S1": [0.6, 0.1], "S1_conf": [0.1, 0.1], "ST": [0.7, 0.2], "ST_conf": [0.1, 0.1]},
        index=[X, Y],
    )
    figures = {
        "scurve": scurve_figure(frame, manifest, X, Y),
        "surface": surface_figure(frame, manifest, X, Y),
        "sobol": sobol_figure(indices, manifest, "agreed"),
        "dates": dates_figure(frame, manifest),
    }
    try:
        for kind, fig in figures.items():
            ax = fig.axes[0]
            assert_labelled(ax)
            ticks = [t.get_text() for t in ax.get_xticklabels()]
            assert not any(DOTTED.search(t) for t in ticks), f"{kind}: dotted ticks {ticks}"
            if kind in ("scurve", "dates"):
                assert_legends_off_data(fig, ax)
            legend = fig.legends[0] if fig.legends else ax.get_legend()
            if legend is not None:
                texts = [t.get_text() for t in legend.get_texts()]
                assert not any(DOTTED.search(t) for t in texts), f"{kind}: {texts}"
        assert "U.S. pressure" in figures["scurve"].axes[0].get_xlabel()
        assert "audience cost" in figures["surface"].axes[0].get_ylabel()
        curves = figures["scurve"].axes[0].lines
        assert len({(str(c.get_linestyle()), c.get_marker()) for c in curves}) == len(curves)
    finally:
        for fig in figures.values():
            plt.close(fig)


# --- the validation figure ---------------------------------------------------------------


def test_validation_miss_numbers_do_not_collide():
    def phase(k, year, model):
        return {
            "case": f"case_{k}",
            "phase": f"p{k}",
            "until": f"{year}-12",
            "verdict": "MISS",
            "history": {"concluded": True, "year": year},
            "model": {"agrees": model is not None, "agreement_month": model},
        }

    # Misses crowded around one place, as serbia_kosovo and saudi_iran were.
    phases = [phase(k, 2022 + k % 2, f"{2023 + k % 2}-0{1 + k % 3}") for k in range(5)]
    phases += [phase(9, 1990, None), phase(10, 1990, None)]
    report = {"phases": phases, "totals": {"phases_right": 0, "phases": len(phases)}}
    fig = years_figure(report)
    try:
        ax = fig.axes[0]
        renderer = drawn(fig)
        numbers = [t for t in ax.texts if t.get_text().strip().isdigit()]
        assert len(numbers) == len(phases)
        boxes = [box(t, renderer) for t in numbers]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlaps(a, b), "two miss numbers collide"
        assert_labelled(ax)
    finally:
        plt.close(fig)


# --- when replications agree (the app's "How sure?", negsim plot --kind dates) ----------


def replication_months(name: str, overrides: dict, runs: int = 200):
    """Each agreeing run's month, and replicate()'s summary, for the same seeds (seed 0)."""
    from negsim import replicate, run_batch
    from negsim.simulation import replication_seeds

    spec = load_scenario(name, overrides)
    batch = run_batch(spec, replication_seeds(0, runs), draw=True)
    months = parse_month(spec.start) + batch.agreement_step[batch.agreed]
    return spec, months, replicate(spec, 0, runs)


def history_of(spec):
    outcome = spec.historical_outcome
    return (outcome.date, outcome.label) if outcome is not None else None


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("rok_japan_1951_1965", {}),  # every run agrees, within three months
        ("rok_japan_1951_1965", {"drivers.us_pressure.scale": 0.7}),  # over five years
        ("dprk_japan_1991_2006", {}),  # history is no agreement
        ("dprk_japan_future_us_alignment", {}),  # a future: no history to mark
    ],
)
def test_agreement_dates_figure_reads_on_a_projector(name, overrides):
    from negsim.figures.uncertainty import agreement_dates_figure

    spec, months, summary = replication_months(name, overrides)
    assert len(months) / 200 == summary["agreement_probability"]  # the same runs
    fig = agreement_dates_figure(months, 200, spec.start, spec.end, spec.title, history_of(spec))
    try:
        ax = fig.axes[0]
        assert_labelled(ax)
        assert_legends_off_data(fig, ax)
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        q = summary["agreement_date_quantiles"]
        assert [x for x in labels if x[0].isdigit() or x.startswith("median")] == [
            f"10%: {q['q10']}",
            f"median: {q['q50']}",
            f"90%: {q['q90']}",
        ]  # the dates the app and negsim run print
        marked = [x for x in labels if x.startswith("history")]
        if spec.historical_outcome is None:
            assert not marked, "a future marked with a history it does not have"
        else:
            assert marked == [f"history: {spec.historical_outcome.label} "
                              f"({spec.historical_outcome.date[:7]})"]  # fmt: skip
        heights = sum(p.get_height() for p in ax.patches)
        assert heights == len(months), "the bars do not count every agreeing run"
        left, right = (matplotlib.dates.num2date(x).date() for x in ax.get_xlim())
        assert left <= month_to_date(int(months.min())) and month_to_date(int(months.max())) < right
    finally:
        plt.close(fig)


def test_agreement_dates_figure_says_when_no_run_agrees_beside_historys_line():
    from negsim.figures.uncertainty import agreement_dates_figure

    spec, months, summary = replication_months(
        "rok_japan_1951_1965", {"drivers.us_pressure.scale": 0.0}
    )
    assert len(months) == 0 and summary["agreement_probability"] == 0.0
    fig = agreement_dates_figure(months, 200, spec.start, spec.end, spec.title, history_of(spec))
    try:
        ax = fig.axes[0]
        assert_labelled(ax)
        renderer = drawn(fig)
        (text,) = [t for t in ax.texts if "no run reaches an agreement" in t.get_text()]
        assert "1970-12" in text.get_text()
        words = box(text, renderer)
        assert overlaps(words, box(ax, renderer)), "the words leave the axes"
        (line,) = ax.lines
        x = ax.transData.transform((matplotlib.dates.date2num(line.get_xdata()[0]), 0))[0]
        assert not words[0] <= x <= words[2], "the words cross history's line"
        assert [t.get_text() for t in fig.legends[0].get_texts()] == [
            "history: Treaty on Basic Relations signed (1965-06)"
        ]
    finally:
        plt.close(fig)
