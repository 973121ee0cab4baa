"""``negsim sweep`` and ``negsim plot``: experiments over many runs, and their figures."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from negsim.cli.common import fail

if TYPE_CHECKING:
    from negsim.scenario import ScenarioError


EXPERIMENT_TEMPLATE = """\
id: {stem}_sweep
title: {stem}, U.S. pressure swept
scenario: {path}
parameters:
  drivers.us_pressure.scale: {{range: [0.0, 2.0], steps: 11}}
design: {{sampler: grid}}
replications: 50
master_seed: 1
outcomes: [agreed, agreement_date]"""


def scenario_given(path: Path) -> ScenarioError | None:
    """If ``path`` is a valid scenario, the error that says so and shows how to sweep it."""
    from negsim.scenario import ScenarioError, load_scenario

    try:
        load_scenario(path)
    except ScenarioError:
        return None
    example = EXPERIMENT_TEMPLATE.format(stem=path.stem, path=path.resolve())
    return ScenarioError(
        str(path),
        [
            (
                "",
                "this is a scenario, not an experiment. To sweep it, write an experiment "
                "file that names it and the parameters to vary (docs/sweeps.md), e.g.\n"
                + example
                + f"\nthen: negsim sweep {path.stem}_sweep.yaml",
            )
        ],
    )


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM (kill, a batch system's time limit) stops a sweep as Ctrl-C does."""
    raise KeyboardInterrupt


def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (YAML).")],
    engine: Annotated[
        str, typer.Option(help="batch (fast, arrays) or mesa (the Mesa model, run by run).")
    ] = "batch",
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Local worker processes (default: as many as cores)."),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run on a Dask cluster: its scheduler address (tcp://host:8786), or 'local' "
            "for a LocalCluster of --workers processes."
        ),
    ] = None,
    runs: Annotated[
        int | None, typer.Option(min=1, help="Run only the first N runs (a preview).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results directory (default: results/<experiment id>).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Finish an interrupted sweep in --out (chunks on disk are kept).")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    fixed: Annotated[
        bool,
        typer.Option(
            "--fixed",
            help="Use the scenario's point values only; by default each run draws the "
            "judgements that carry a range (docs/model.md, Judgements with ranges).",
        ),
    ] = False,
) -> None:
    """Run an experiment's sweep: one row per run, as a Parquet dataset plus a manifest."""
    from negsim.experiment import load_experiment
    from negsim.scenario import ScenarioError
    from negsim.sweep import ENGINES, run_sweep

    if engine not in ENGINES:
        raise fail(ScenarioError("--engine", [("", f"{engine!r}: one of {', '.join(ENGINES)}")]))
    results = out
    previous = signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    try:
        plan = load_experiment(experiment)
        results = out if out is not None else Path("results") / plan.experiment.id
        report = run_sweep(
            plan,
            results,
            engine=engine,
            workers=workers,
            dask=dask,
            runs=runs,
            resume=resume,
            progress=progress,
            draw=not fixed,
        )
    except ScenarioError as exc:
        raise fail(scenario_given(experiment) or exc) from None
    except KeyboardInterrupt:
        from negsim.sweep import chunks_on_disk

        kept = len(chunks_on_disk(results)) if results is not None and results.is_dir() else 0
        typer.echo(
            f"interrupted: {kept} chunk files are complete in {results}; "
            "run the same command with --resume to finish",
            err=True,
        )
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    skipped = f" ({report.chunks_skipped} chunks already on disk)" if report.chunks_skipped else ""
    typer.echo(
        f"{plan.experiment.id}: {report.runs:,} of {plan.total_runs:,} runs "
        f"({plan.points:,} points x {plan.experiment.replications} replications) in {results}"
        f"{skipped}"
    )
    if report.runs_run:
        typer.echo(
            f"ran {report.runs_run:,} runs in {report.seconds:.1f} s "
            f"({report.runs_per_second:,.0f} runs/s, engine {engine})"
        )
    if report.agreement_probability is not None:
        typer.echo(f"agreement probability over these runs: {report.agreement_probability:.3f}")


def plot(
    results: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    kind: Annotated[str, typer.Option(help="scurve, surface, sobol or dates.")] = "scurve",
    x: Annotated[
        str | None, typer.Option("--x", help="Parameter on the x axis (default: the first).")
    ] = None,
    y: Annotated[
        str | None,
        typer.Option("--y", help="surface: the y parameter; scurve: one curve per its value."),
    ] = None,
    outcome: Annotated[
        str, typer.Option(help="surface/sobol: the column to average (default: agreed).")
    ] = "agreed",
    out: Annotated[
        Path | None, typer.Option(help="PNG file (default: RESULTS/_plots/KIND.png).")
    ] = None,
) -> None:
    """Plot a sweep: S-curve with Wilson intervals, surface, Sobol indices, agreement dates."""
    from negsim.figures.sweeps import plot as draw
    from negsim.scenario import ScenarioError

    try:
        path = draw(results, kind, out=out, parameter=x, second=y, outcome=outcome)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo(f"Wrote {path}")
