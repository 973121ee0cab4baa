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
    from negsim.figures.uncertainty import sensitivity_figure
    from negsim.scenario import ScenarioError
    from negsim.sensitivity import OUTCOMES, short_path, sobol_indices

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
        from negsim.results_files import ensure_directory, figure_writer, json_writer, write_files

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


def calibrate(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or the name of a shipped one.")],
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            help="History to match (repeatable): agreement=YYYY-MM|none, suspension=YYYY-MM|none, "
            "conceded.ISSUE=STATE. Default: the scenario's historical_outcome.",
        ),
    ] = None,
    draws: Annotated[
        int, typer.Option(min=10, help="Prior draws of the rejection step.")
    ] = 100_000,
    particles: Annotated[
        int, typer.Option(min=10, help="Particles kept (posterior size).")
    ] = 1_000,
    generations: Annotated[int, typer.Option(min=0, help="SMC steps after rejection.")] = 2,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Seed of the draws.")] = 0,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes for the rejection step (default: cores).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: results/calibrate_<id>).")
    ] = None,
) -> None:
    """Estimate the posterior of a scenario's ranged judgements given dated history (ABC)."""
    import os
    import time

    from negsim.calibrate import abc, history_targets, parse_targets
    from negsim.scenario import ScenarioError

    spec = load(scenario)
    try:
        targets = parse_targets(list(target or history_targets(spec)), spec)
        started = time.perf_counter()
        post = abc(
            spec,
            targets,
            draws,
            particles,
            generations,
            seed,
            workers=workers or os.cpu_count() or 1,
            say=lambda line: typer.echo(line, err=True),
        )
        seconds = time.perf_counter() - started
        written = write_calibration(spec, targets, post, seed, seconds, out)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo(written["text"])
    typer.echo("Wrote " + ", ".join(str(p) for p in written["files"]))


def write_calibration(spec, targets, post, seed: int, seconds: float, out: Path | None) -> dict:
    """The calibration's files: posterior draws, figures, summary; and the text report."""
    import numpy as np
    import pandas as pd

    from negsim.calibrate import posterior_table, predictive, prior_predictive
    from negsim.figures.uncertainty import pair_figure, predictive_figure
    from negsim.results_files import (
        ensure_directory,
        figure_writer,
        json_writer,
        parquet_writer,
        write_files,
    )
    from negsim.sensitivity import short_path

    out = out if out is not None else Path("results") / f"calibrate_{spec.id}"
    table = posterior_table(post)
    post.targets_text = targets.text
    post_steps = predictive(spec, post, seed=seed)
    prior_steps = prior_predictive(spec, post.judgements, 2_000, seed)
    frame = pd.DataFrame(post.values())
    frame["weight"] = post.weights
    frame["distance_years"] = post.distance
    lines = [
        f"{spec.title}: ABC posterior of {len(post.judgements)} judgements given "
        + ", ".join(targets.text),
        f"  {post.draws:,} prior draws, {post.simulations:,} simulations in {seconds:.1f} s; "
        f"tolerances (years): "
        + ", ".join(f"{t:.3g}" for t in post.tolerances)
        + f"; {post.prior_within:.1%} of prior draws within the first; "
        f"{len(post.weights):,} particles worth {post.effective_size():,.0f} equally weighted",
        f"  {'judgement':<32} {'prior 90%':>13} {'posterior 90%':>15} {'shrink':>7}  verdict",
    ]
    order = sorted(table, key=lambda p: -table[p]["shrinkage"])
    for path in order:
        row = table[path]
        j = next(j for j in post.judgements if j.path == path)
        prior = j.quantile(np.array([0.05, 0.95]))
        lines.append(
            f"  {short_path(path):<32} {prior[0]:>6.2f}-{prior[1]:<6.2f} "
            f"{row['posterior_q05']:>7.2f}-{row['posterior_q95']:<7.2f} {row['shrinkage']:>7.2f}"
            f"  {row['verdict']}"
        )
    agreed = post_steps >= 0
    median = _month(spec, int(np.median(post_steps[agreed]))) if agreed.any() else "none"
    lines.append(
        f"  posterior predictive: agreement in {agreed.mean():.0%} of runs, median month {median}"
    )
    summary = {
        "scenario": spec.id,
        "targets": list(targets.text),
        "draws": post.draws,
        "simulations": post.simulations,
        "seconds": round(seconds, 2),
        "tolerances_years": post.tolerances,
        "prior_share_within_tolerance": post.prior_within,
        "particles": len(post.weights),
        "effective_sample_size": post.effective_size(),
        "seed": seed,
        "judgements": table,
        "posterior_predictive_agreement": float(agreed.mean()),
    }
    ensure_directory(out)
    files = {
        out / "posterior.parquet": parquet_writer(frame),
        out / "pairs.png": figure_writer(pair_figure(post, spec, table, seed=seed)),
        out / "predictive.png": figure_writer(
            predictive_figure(spec, prior_steps, post_steps, targets)
        ),
        out / "summary.json": json_writer(summary),
    }
    write_files(files)
    return {"text": "\n".join(lines), "files": list(files)}


def _month(spec, step: int) -> str:
    from negsim.calendar import format_month, parse_month

    return format_month(parse_month(spec.start) + step)


def discover(
    results: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    outcome: Annotated[
        str, typer.Option(help="The yes/no column to explain (e.g. agreed).")
    ] = "agreed",
    alpha: Annotated[float, typer.Option(min=0.01, max=0.5, help="Share peeled per step.")] = 0.05,
    min_support: Annotated[
        float, typer.Option(min=0.001, max=0.9, help="Stop peeling below this share of runs.")
    ] = 0.05,
    min_coverage: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Report the densest box covering this much.")
    ] = 0.5,
    negate: Annotated[
        bool, typer.Option("--not", help="Explain the outcome's absence (e.g. no agreement).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Where to write prim.png, prim.json (default: RESULTS).")
    ] = None,
) -> None:
    """Find the boxes of parameter ranges under which an outcome happens (PRIM), with the
    coverage/density trade-off."""
    import numpy as np

    from negsim.discover import choose, prim
    from negsim.figures.uncertainty import tradeoff_figure
    from negsim.results_files import figure_writer, json_writer, write_files
    from negsim.scenario import ScenarioError
    from negsim.sensitivity import short_path
    from negsim.sweep import read_manifest, read_results

    try:
        manifest = read_manifest(results)
        frame = read_results(results)
    except ScenarioError as exc:
        raise fail(exc) from None
    drawn = (manifest.get("judgements") or {}).get("paths", [])
    inputs = [c for c in [*manifest.get("parameters", []), *drawn] if c in frame.columns]
    inputs = [c for c in inputs if frame[c].dtype.kind in "fi" and frame[c].nunique() > 1]
    if outcome not in frame.columns or frame[outcome].dtype != bool:
        have = [c for c in frame.columns if frame[c].dtype == bool]
        raise fail(
            ScenarioError(
                str(results),
                [
                    (
                        "--outcome",
                        f"{outcome!r} is not a yes/no "
                        f"column of these results; yes/no columns: {', '.join(have) or 'none'}",
                    )
                ],
            )
        )
    if not inputs:
        raise fail(
            ScenarioError(
                str(results),
                [
                    (
                        "",
                        "no numeric parameter or drawn judgement "
                        "varies in these results: nothing to put in a box",
                    )
                ],
            )
        )
    y = frame[outcome].to_numpy() ^ negate
    name = f"{'not ' if negate else ''}{outcome}"
    trajectory = prim(frame[inputs].to_numpy(dtype=float), y, alpha, min_support)
    k = choose(trajectory, min_coverage)
    box = trajectory[k]
    typer.echo(
        f"PRIM on {len(frame):,} runs, {len(inputs)} inputs; outcome {name!r} in "
        f"{y.mean():.1%} of runs. Peeling: {len(trajectory) - 1} steps."
    )
    typer.echo(f"  {'step':>4} {'coverage':>9} {'density':>8} {'support':>8} {'restricted':>10}")
    for j, b in enumerate(trajectory):
        if j % max(1, len(trajectory) // 12) == 0 or j in (k, len(trajectory) - 1):
            mark = "  <- reported" if j == k else ""
            typer.echo(
                f"  {j:>4} {b.coverage:>9.2f} {b.density:>8.2f} {b.support:>8.2f} "
                f"{len(b.restricted):>10}{mark}"
            )
    typer.echo(f"Box of step {k} (coverage {box.coverage:.2f}, density {box.density:.2f}):")
    for d in box.restricted:
        lo, hi = frame[inputs[d]].min(), frame[inputs[d]].max()
        typer.echo(
            f"  {short_path(inputs[d]):<34} {box.limits[d, 0]:.3g} to {box.limits[d, 1]:.3g}"
            f"   (runs span {lo:.3g} to {hi:.3g})"
        )
    if not box.restricted:
        typer.echo("  (no restriction: no box raises the density)")
    target = out if out is not None else Path(results)
    report = {
        "outcome": name,
        "inputs": inputs,
        "runs": len(frame),
        "share_with_outcome": float(np.mean(y)),
        "alpha": alpha,
        "min_support": min_support,
        "reported_step": k,
        "trajectory": [
            {
                "coverage": b.coverage,
                "density": b.density,
                "support": b.support,
                "box": {
                    inputs[d]: [float(b.limits[d, 0]), float(b.limits[d, 1])] for d in b.restricted
                },
            }
            for b in trajectory
        ],
    }
    title = (
        f"Scenario discovery (PRIM): where does {name!r} happen?\n"
        f"{manifest.get('scenario_title', '')}, {len(frame):,} runs"
    )
    try:
        from negsim.results_files import ensure_directory

        ensure_directory(target)
        files = {
            target / "prim.png": figure_writer(tradeoff_figure(trajectory, k, inputs, title)),
            target / "prim.json": json_writer(report),
        }
        write_files(files)
    except ScenarioError as exc:
        raise fail(exc) from None
    typer.echo("Wrote " + ", ".join(str(p) for p in files))
