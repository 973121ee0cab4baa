"""``negsim compare``: the scenario as calibrated against the same with overrides, one figure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from negsim.cli.common import fail, load

FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def compare(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or the name of a shipped one.")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="An override of the second run: PATH=VALUE (repeat for several), e.g. "
            "drivers.us_pressure.scale=0. The first run is the scenario as calibrated.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="The figure to write (.png, .pdf or .svg).")] = Path(
        "compare.png"
    ),
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Master seed of both runs.")] = 0,
) -> None:
    """Two runs on one convergence plot (solid: the scenario; dashed: with --set), outcomes
    side by side."""
    from negsim.figures import save_figure
    from negsim.figures.compare import Run, compare_figure, format_comparison
    from negsim.scenario import ScenarioError
    from negsim.simulation import replication_seed, simulate

    if not set_:
        problem = "give at least one PATH=VALUE: what the second run changes"
        raise fail(ScenarioError("--set", [("", problem)]))
    if out.suffix.lower() not in FIGURE_SUFFIXES:
        problem = f"{out}: the figure's name must end in {', '.join(FIGURE_SUFFIXES)}"
        raise fail(ScenarioError("--out", [("", problem)]))
    base, changed = load(scenario), load(scenario, set_)
    runs = []
    for label, spec in (("as calibrated", base), ("with " + ", ".join(set_), changed)):
        series, summary = simulate(spec, seed=replication_seed(seed, 0))
        runs.append(Run(label, spec, series, summary))
    typer.echo(f"{base.title}  (scenario {base.id}, --seed {seed})")
    typer.echo(format_comparison(runs))
    try:
        save_figure(compare_figure(runs), out)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo(f"Wrote {out}")
