"""``negsim sensitivity``, ``calibrate`` and ``discover``: what the judgements' ranges imply."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from negsim.cli.common import fail, load


def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or the name of a shipped one.")],
    samples: Annotated[
        int, typer.Option(min=2, help="Sobol base sample N (a power of 2): N x (J + 2) points.")
    ] = 128,
    shocks: Annotated[int, typer.Option(min=1, help="Shock seeds per design point.")] = 8,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed of the design.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(help="Write sensitivity.png and sensitivity.json here (default: none)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Judgements shown in the figure.")] = 15,
) -> None:
    """Rank a scenario's ranged judgements by Sobol indices for agreement probability and month."""
    from negsim.scenario import ScenarioError
    from negsim.sensitivity import OUTCOMES, sensitivity_figure, short_path, sobol_indices

    spec = load(scenario)
    try:
        result = sobol_indices(spec, samples=samples, shocks=shocks, seed=seed)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo(
        f"{spec.title}: Sobol indices of {len(result.judgements)} judgements over their ranges "
        f"({result.points:,} points x {shocks} shock seeds = {result.points * shocks:,} runs)"
    )
    for name, label in OUTCOMES.items():
        typer.echo(f"  {name}: {label}; variance over the ranges {result.variance[name]:.4g}")
    head = f"  {'judgement':<34} {'P(agree) ST':>11} {'S1':>6} {'month ST':>9} {'S1':>6}"
    typer.echo(head)
    for row in result.rows():
        typer.echo(
            f"  {short_path(str(row['judgement'])):<34} "
            f"{row['agreement_probability.ST']:>11.3f} {row['agreement_probability.S1']:>6.3f} "
            f"{row['agreement_month.ST']:>9.3f} {row['agreement_month.S1']:>6.3f}"
        )
    typer.echo("  (ST: total index, S1: first order; 95% intervals in sensitivity.json)")
    if out is not None:
        from negsim.output import ensure_directory, figure_writer, json_writer, write_files

        try:
            ensure_directory(out)
            report = {
                "scenario": spec.id,
                "samples": samples,
                "shocks": shocks,
                "seed": seed,
                "points": result.points,
                "variance": result.variance,
                "rows": result.rows(),
            }
            files = {
                out / "sensitivity.png": figure_writer(sensitivity_figure(result, spec, top)),
                out / "sensitivity.json": json_writer(report),
            }
            write_files(files)
        except ScenarioError as exc:
            raise fail(exc) from None
        typer.echo("Wrote " + ", ".join(str(p) for p in files))
