"""``negsim reproduce``: run the experiments behind findings F1-F10 and report each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from negsim.cli.common import fail


def reproduce(
    replications: Annotated[
        int | None,
        typer.Option("--replications", "-r", min=1, help="Override each finding's replications."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the findings' figures and results.json here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these findings (e.g. F1).")
    ] = None,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges",
            help="Draw each run's judgements from the scenarios' ranges (default: point values, "
            "as the thresholds were written).",
        ),
    ] = False,
) -> None:
    """Reproduce the source texts' findings F1-F10 on the shipped scenarios; exit 1 if any fails."""
    from negsim.findings import Context, evaluate, load_definitions
    from negsim.scenario import ScenarioError

    try:
        definitions = load_definitions()
    except ScenarioError as exc:
        raise fail(exc) from None
    if only:
        definitions = [d for d in definitions if d.id in only]
    ctx = Context(replications=replications, draw=ranges)
    results = {}
    for d in definitions:
        results[d.id] = result = evaluate(d, ctx)
        if not as_json:
            verdict = "PASS" if result.passed else "FAIL"
            typer.echo(f"{d.id:<4} {verdict}  {d.claim}")
            for key, value in result.measured.items():
                mark = "" if result.checks.get(key, True) else "   <-- fails"
                bound = result.threshold.get(key, "none")
                typer.echo(f"       {key:<40} {value:>10.4g}  (threshold {bound}){mark}")
        else:
            typer.echo(f"{d.id}: {'PASS' if result.passed else 'FAIL'}", err=True)
    passed = sum(r.passed for r in results.values())
    report = [r.as_json() for r in results.values()]
    if out is not None:
        from negsim.figures.findings import write_figures
        from negsim.results_files import write_json

        runs = {d.id: replications or d.replications for d in definitions}
        for path in write_figures(results, ctx, out, runs):
            typer.echo(f"wrote {path}", err=as_json)
        write_json(out / "results.json", report)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(f"{passed} of {len(results)} findings reproduced")
    if passed < len(results):
        raise typer.Exit(1)
