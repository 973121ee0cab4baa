"""``negsim validate``: run the case phases and score the model and baselines against history."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from negsim.cli.common import fail

FIGURE_NAME = "validation_years.png"


def _fraction(right: int | None, total: int | None) -> str:
    if not total:
        return "-"
    return f"{right}/{total} ({right / total:.2f})"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_phase(p: dict[str, Any]) -> str:
    """One phase's row: history beside the model, the verdict and the package's directions."""
    h, m = p["history"], p["model"]
    history = f"agreed {h['year']}" if h["concluded"] else f"none by {p['until'][:7]}"
    model = f"agrees {m['agreement_month']}" if m["agrees"] else "no agreement"
    package = ""
    if p["package"]:
        right = sum(c["right"] for c in p["package"])
        package = f"{right}/{len(p['package'])}"
    name = f"{p['case']} {p['phase']}"
    return (
        f"{name:<58} {history:<16} {model:<18} {m['p_agree']:>5.2f} {m['p_agree_by_until']:>5.2f}"
        f"  {p['verdict']:<10} {package}"
    )


def format_totals(name: str, t: dict[str, Any]) -> str:
    """One line of the totals table."""
    return (
        f"{name:<18} {_fraction(t['phases_right'], t['phases']):<16} "
        f"{_number(t['balanced_accuracy']):<10} "
        f"{_fraction(t['package_issues_right'], t['package_issues'])}"
    )


def format_report(report: dict[str, Any]) -> str:
    """The report as printed: one row per phase, then the model's and baselines' totals."""
    lines = [
        f"{'case phase':<58} {'history':<16} {'model (median)':<18} {'P':>5} {'P<=u':>5}"
        f"  {'verdict':<10} package",
    ]
    lines += [format_phase(p) for p in report["phases"]]
    lines += [
        "",
        "P: share of replications agreeing within the run (to until + 36 months); P<=u: by the",
        "phase's until. HIT: a concluded phase agreed within +-2 years; a failed phase had no",
        "agreement by its until. Phases without talks are run and shown but not scored. package:",
        "issues whose concession shares point the way history's who_conceded does; a shelved",
        "issue is right only where the model's package shelved it too (a deferrable issue).",
        "",
        f"{'':<18} {'phases right':<16} {'bal. acc.':<10} package direction",
        format_totals("model", report["totals"]),
    ]
    for name, t in report["totals"]["baselines"].items():
        lines.append(format_totals(name, t))
    lines.append(
        "Baselines that call agreement are scored on the outcome alone (no year needed); the "
        "compromise model predicts packages only."
    )
    return "\n".join(lines)


def validate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Validate only this case (e.g. us_prc_1969_1979); repeatable."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help=f"Write {FIGURE_NAME} (predicted vs historical year) and report.json."),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Monte-Carlo runs per phase.")
    ] = 100,
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Master seed (the same for every phase).")
    ] = 0,
) -> None:
    """Run every case phase and score it against history, beside simple baselines."""
    from negsim.catalog import find_scenario, validation_dir
    from negsim.scenario import ScenarioError
    from negsim.validation import load_answer_keys, load_cases
    from negsim.validation import validate as run_validation

    folder = validation_dir()
    if folder is None:
        raise fail(
            ScenarioError("validate", [("", "no answer keys found (experiments/validation/)")])
        )
    started = time.perf_counter()
    try:
        keys = load_answer_keys(folder, only)
        cases = load_cases(keys, folder, find_scenario)
    except ScenarioError as exc:
        raise fail(exc) from None
    if not only:
        from negsim.catalog import shipped_cases

        keyed = {c.key.scenario for c in cases}
        unkeyed = [p.stem for p in shipped_cases() if p.stem not in keyed]
        if unkeyed:
            typer.echo(
                f"warning: {len(unkeyed)} case files have no answer-key row and are not run: "
                + ", ".join(unkeyed),
                err=True,
            )
    report = run_validation(cases, replications=replications, seed=seed)
    data = report.as_json()
    elapsed = time.perf_counter() - started
    if out is not None:
        from negsim.figures import save_figure
        from negsim.figures.validation import years_figure
        from negsim.results_files import write_json

        out.mkdir(parents=True, exist_ok=True)
        save_figure(years_figure(data), out / FIGURE_NAME)
        write_json(out / "report.json", data)
        typer.echo(f"wrote {out / FIGURE_NAME}, {out / 'report.json'}", err=as_json)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(format_report(data))
        typer.echo(
            f"{len(cases)} phases of {len(keys)} cases, {replications} replications each, "
            f"seed {seed}: {elapsed:.1f} s"
        )
