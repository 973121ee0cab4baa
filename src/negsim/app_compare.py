"""The seminar page's "Compare two runs": the run on screen against the scenario's own.

Both runs use the seed on screen; the first is the scenario with every lever at its file
value, the second the levers the run on screen was built with (move a lever, press Reset).
The figure overlays them (solid against dashed, :func:`negsim.figures.compare.compare_figure`),
and the table puts their outcomes side by side.
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import update_counter

from negsim.app import (
    _PYPLOT,
    STATE_LEVERS,
    STATUS_CSS,
    SeminarModel,
    _e,
    lever_name,
    png_of,
    reference_word,
)
from negsim.figures.compare import Run, compare_figure, outcome_rows
from negsim.scenario import load_scenario
from negsim.simulation import replication_seed, simulate


def moved_levers(model: SeminarModel) -> list[str]:
    """The levers of the run on screen that differ from the scenario's values, in words."""
    out = []
    if abs(model.levers["us_pressure"] - model.historical_levers["us_pressure"]) > 1e-9:
        out.append(f"U.S. pressure ×{model.levers['us_pressure']:.1f}")
    for side, sid in zip(("a", "b"), model.spec.state_ids, strict=True):
        for motivation, words in STATE_LEVERS:
            key = lever_name(side, motivation)
            if abs(model.levers[key] - model.historical_levers[key]) > 1e-9:
                out.append(f"{sid} {words} {model.levers[key]:.2f}")
    return out


def comparison_runs(model: SeminarModel) -> list[Run]:
    """The scenario as calibrated and the run on screen's levers, both played to the end."""
    from negsim.app import offered_path

    seed = replication_seed(model.seed, 0)
    base = load_scenario(offered_path(model.scenario_name))
    word = "history's" if reference_word(model.spec) == "history" else "the scenario's"
    moved = moved_levers(model)
    runs = []
    second = "levers: " + ", ".join(moved) if moved else "the same levers (move one, press Reset)"
    labels = (f"levers at {word} values", second)
    for label, spec in zip(labels, (base, model.spec), strict=True):
        series, summary = simulate(spec, seed=seed)
        runs.append(Run(label, spec, series, summary))
    return runs


def comparison_png(runs: list[Run], dpi: int = 80) -> bytes:
    """The overlay of two runs as PNG bytes."""
    with _PYPLOT:
        return png_of(compare_figure(runs), dpi)


def comparison_html(runs: list[Run]) -> str:
    """The two outcomes side by side (escaped text only)."""
    rows = outcome_rows(runs)
    head, *body = rows
    parts = ['<table class="negsim-compare" data-testid="negsim-compare"><tr>']
    parts += [f"<th>{_e(h) or 'issue'}</th>" for h in head]
    parts.append("</tr>")
    for k, row in enumerate(body):
        cells = "".join(
            f'<td data-testid="negsim-compare-agreement-{j}">{_e(c)}</td>'
            if k == 0
            else f"<td>{_e(c)}</td>"
            for j, c in enumerate(row[1:])
        )
        parts.append(f"<tr><td>{_e(row[0])}</td>{cells}</tr>")
    parts.append("</table>")
    return "".join(parts)


@solara.component
def ComparePanel(model: SeminarModel, parameters: dict):
    """Two runs overlaid, and their outcomes side by side."""
    update_counter.get()
    solara.Style(STATUS_CSS)
    runs = solara.use_memo(lambda: comparison_runs(model), dependencies=[model])
    png = solara.use_memo(lambda: comparison_png(runs), dependencies=[runs])
    solara.Image(png, width="100%", classes=["negsim-comparison"])
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div class="negsim-status"><b>Solid:</b> '
            + _e(runs[0].label)
            + " &nbsp; <b>Dashed:</b> "
            + _e(runs[1].label)
            + ", both to the end, seed "
            + _e(model.seed)
            + "."
            + comparison_html(runs)
            + "<small>Move a lever and press <b>Reset</b> to change the dashed run.</small></div>"
        ),
    )
