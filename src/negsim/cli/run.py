"""``negsim run``, ``check`` and ``list``: one scenario at a time."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from negsim.cli.common import fail, load

if TYPE_CHECKING:
    from negsim.scenario import Scenario


def share_text(value: float) -> str:
    """A share to two decimals, never "-0.00" (a rounding residue, not a concession)."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def format_summary(summary: dict[str, Any]) -> str:
    """A run's summary as a reader would want it on screen."""
    # The master seed, which --seed takes back; summary["seed"] is the one it derives for run 0.
    seed = summary.get("master_seed", summary["seed"])
    lines = [f"{summary['title']}  (scenario {summary['scenario']}, --seed {seed})"]
    if summary["agreement"]:
        lines.append(f"Agreement: yes, {summary['agreement_date']}")
        lines.append("Package:")
        for iid, item in summary["package"].items():
            lines.append(f"  {iid:<18} {item['wording']}")
    else:
        lines.append("Agreement: no")
        lines.append("Remaining gap per issue (on the issue's 0-1 axis):")
        for iid, gap in summary["final_gap"].items():
            lines.append(f"  {iid:<18} {share_text(gap)}")
    lines.append(
        "Concession share per issue (how far each side moved, share of the initial gap; "
        "where demands met or crossed, at the point between them):"
    )
    states = list(summary["concession_share"])
    lines.append(f"  {'issue':<18} " + " ".join(f"{s:>8}" for s in states))
    issues = list(summary["final_gap"])
    for iid in issues:
        lines.append(
            f"  {iid:<18} "
            + " ".join(f"{share_text(summary['concession_share'][s][iid]):>8}" for s in states)
        )
    lines.append(
        f"  {'mean (unweighted)':<18} "
        + " ".join(f"{share_text(summary['mean_concession'][s]):>8}" for s in states)
    )
    if "agreement_probability" in summary:
        q = summary["agreement_date_quantiles"]
        lines.append(
            f"Over {summary['replications']} replications: agreement probability "
            f"{summary['agreement_probability']:.2f}"
            + (f"; agreement date 10/50/90%: {q['q10']} / {q['q50']} / {q['q90']}" if q else "")
        )
        lines += spread_lines(summary)
    return "\n".join(lines)


def spread_lines(summary: dict[str, Any]) -> list[str]:
    """What the replications drew, and how much of the spread the judgements make."""
    judged = summary.get("judgements")
    if not judged or not judged["count"]:
        return []
    if not judged["drawn"]:
        return [f"  {judged['count']} judgements with ranges held at their point values (--fixed)"]
    lines = [
        f"  each replication drew its {judged['count']} judgements from their ranges; with "
        f"the point values only (--fixed): probability {summary['agreement_probability_fixed']:.2f}"
    ]
    spread = summary.get("spread") or {}
    for key, label in (("agreed", "agreement (yes/no)"), ("agreement_month", "agreement month")):
        split = spread.get(key)
        if split and split["variance"] > 0:
            lines.append(
                f"  spread of the {label}: {split['from_judgements']:.0%} from the judgements, "
                f"{split['from_shocks']:.0%} from the monthly shocks ({spread['design']})"
            )
        elif split:
            lines.append(f"  spread of the {label}: none (every run the same)")
    return lines


def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or the name of a shipped one.")],
    seed: Annotated[
        int,
        typer.Option(
            min=0,
            max=2**63 - 1,
            help="Master seed; replication r runs with a seed derived from it.",
        ),
    ] = 0,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Monte-Carlo replications.")
    ] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a parameter: PATH=VALUE, e.g. drivers.us_pressure.scale=0."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Stop at this month (YYYY-MM).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write timeseries.parquet, summary.json, convergence.png here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="With --out: also timeseries.csv and timeseries_codebook.csv, for R or Stata.",
        ),
    ] = False,
    fixed: Annotated[
        bool,
        typer.Option(
            "--fixed",
            help="Replications use the point values only; by default each draws the "
            "judgements that carry a range. The monthly run shown always uses point values.",
        ),
    ] = False,
) -> None:
    """Run a scenario: agreement and date, the package in each issue's words, who conceded what."""
    from negsim.calendar import parse_month
    from negsim.scenario import ScenarioError
    from negsim.simulation import replicate, replication_seed, simulate

    if csv and out is None:
        raise fail(ScenarioError("--csv", [("", "needs --out DIR: where to write the CSV")]))
    spec = load(scenario, set_)
    if until is not None:
        try:
            month = parse_month(until)
        except ValueError as exc:
            raise fail(ScenarioError("--until", [("", str(exc))])) from None
        if not parse_month(spec.start) <= month <= parse_month(spec.end):
            raise fail(
                ScenarioError(
                    "--until", [("", f"{until} is outside the run {spec.start} .. {spec.end}")]
                )
            )
    series, summary = simulate(spec, seed=replication_seed(seed, 0), until=until)
    if replications > 1:
        summary |= replicate(spec, seed, replications, until=until, draw=not fixed)
    summary["master_seed"] = seed
    if out is not None:
        try:
            written = write_run(spec, series, summary, out, csv=csv)
        except ScenarioError as exc:
            raise fail(exc) from None
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        typer.echo(format_summary(summary))
        if out is not None:
            typer.echo("Wrote " + ", ".join(str(path) for path in written))


def write_run(
    spec: Scenario, series: Any, summary: dict[str, Any], out: Path, csv: bool = False
) -> list[Path]:
    """Write a run's files (with ``csv``, the CSV export too): all of them whole, or none
    (an :class:`OutputError`). Returns the paths written."""
    from negsim.export import csv_files
    from negsim.figures.convergence import convergence_figure
    from negsim.results_files import (
        OutputError,
        ensure_directory,
        figure_writer,
        json_writer,
        parquet_writer,
        write_files,
    )

    created = not out.exists()
    ensure_directory(out)
    try:
        files = {
            out / "timeseries.parquet": parquet_writer(series),
            out / "summary.json": json_writer(summary),
            out / "convergence.png": figure_writer(convergence_figure(spec, series, summary)),
        }
        if csv:
            files |= csv_files(series, out, "timeseries")
        write_files(files)
    except OutputError:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # none of the files: nor the directory made for them
        raise
    return list(files)


def export(
    results: Annotated[
        Path, typer.Argument(help="A run's --out directory, or a sweep's results directory.")
    ],
) -> None:
    """Write the results as CSV with flat column names, plus a codebook (column, meaning, unit)."""
    from negsim.export import export_results
    from negsim.scenario import ScenarioError

    if not results.is_dir():
        raise fail(ScenarioError(str(results), [("", "not a directory of results")]))
    try:
        written = export_results(results)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo("Wrote " + ", ".join(str(path) for path in written))


def new(
    name: Annotated[str, typer.Argument(help="The scenario's id: letters, digits, underscores.")],
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: NAME.yaml here).")
    ] = None,
) -> None:
    """Write a minimal valid scenario to start from (docs/scenarios.md explains it)."""
    import re

    from negsim.scenario import ScenarioError
    from negsim.template import scenario_template

    path = out if out is not None else Path(f"{name}.yaml")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        problem = f"{name!r}: a scenario id is letters, digits and underscores, first a letter"
        raise fail(ScenarioError("NAME", [("", problem)]))
    if path.exists():
        raise fail(ScenarioError(str(path), [("", "already exists; choose another --out")]))
    from negsim.results_files import write_file

    text = scenario_template(name)
    try:
        write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo(f"Wrote {path}: check it with negsim check {path}, then edit (docs/scenarios.md)")


def check(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or the name of a shipped one.")],
) -> None:
    """Validate a scenario; list values that carry no source."""
    from negsim.catalog import find_scenario
    from negsim.scenario import unsourced_values

    spec = load(scenario)
    typer.echo(
        f"{find_scenario(scenario)}: valid ({len(spec.issues)} issues, {len(spec.events)} events, "
        f"{spec.start} .. {spec.end})"
    )
    missing = unsourced_values(spec)
    if missing:
        typer.echo(f"warning: {len(missing)} values carry no source: {', '.join(missing[:10])}")


def list_() -> None:
    """List the shipped scenarios, then the validation cases, one line each."""
    from negsim.catalog import shipped_cases, shipped_scenarios

    scenarios, cases = shipped_scenarios(), shipped_cases()
    width = max((len(p.stem) for p in [*scenarios, *cases]), default=36)
    typer.echo("Scenarios:")
    for path in scenarios:
        typer.echo(_list_line(path, width))
    if cases:
        typer.echo("\nValidation cases (one per phase; `negsim validate` runs them all):")
        for path in cases:
            typer.echo(_list_line(path, width))


def _list_line(path: Path, width: int) -> str:
    from negsim.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(path)
        return f"  {path.stem:<{width}} {spec.start}..{spec.end}  {spec.title}"
    except ScenarioError as exc:
        return f"  {path.stem:<{width}} INVALID: {exc.problems[0][1]}"
