"""Check the hand-chosen global constants against history with ABC (issue 10).

Run: ``python experiments/constants_abc.py [--draws N] [--particles N] [--generations G]
[--replications R] [--workers W] [--out DIR] [--quick]``.

The prior and the distance are :mod:`negsim.constants_abc`'s: each of the 19 constants
log-uniform over [value / 2, 2 x value] of its hand-chosen value; a draw's distance to
history is the sum of four losses in [0, 1] (the 32 scored validation phases, their package
directions, June 1965, and 1991-2006 without agreement). The ABC is
:func:`negsim.calibrate.run_abc`, the same rejection and SMC steps as ``negsim calibrate``.

Then, on every posterior particle:

* the posterior-predictive fit: the particle run once more with new shock seeds, scored by
  the validation harness (phases right, balanced accuracy, package direction);
* the text findings F1-F10 (``negsim.findings``, each definition's replications and seeds,
  as ``negsim reproduce``) under the particle's constants. The share of the posterior under
  which all ten hold is reported, and the posterior *given history and the findings*: the
  same particles, reweighted by whether all ten hold (the findings read as a constraint).

Writes ``summary.json``, ``summary.md``, ``posterior.parquet`` and ``constants_abc.png`` to
``--out`` (default ``results/constants_abc``), and prints progress.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from negsim.calibrate import (
    MIN_EFFECTIVE_PARTICLES,
    Posterior,
    effective_size,
    posterior_table,
    run_abc,
    shock_seeds,
)
from negsim.constants_abc import (
    LOSSES,
    Fit,
    HistoryDistance,
    constants_of,
    history_problem,
    replication_keys,
)
from negsim.findings import Context, evaluate, load_definitions

FULL = {"draws": 20_000, "particles": 1_000, "generations": 3, "replications": 16}
QUICK = {
    "draws": 300,
    "particles": 30,
    "generations": 1,
    "replications": 4,
    "findings_replications": 20,
}


def fit_in_chunks(problem: HistoryDistance, rows: np.ndarray, keys: np.ndarray) -> Fit:
    """:meth:`HistoryDistance.fit` over many rows, a chunk at a time (bounded memory)."""
    parts = [
        problem.fit(rows[a : a + problem.chunk], keys[a : a + problem.chunk])
        for a in range(0, len(rows), problem.chunk)
    ]
    return Fit(
        hit=np.concatenate([p.hit for p in parts]),
        concluded=parts[0].concluded,
        package_right=np.concatenate([p.package_right for p in parts]),
        package_issues=parts[0].package_issues,
        source_loss={
            k: np.concatenate([p.source_loss[k] for p in parts]) for k in parts[0].source_loss
        },
        phases_right=np.concatenate([p.phases_right for p in parts]),
        balanced_accuracy=np.concatenate([p.balanced_accuracy for p in parts]),
    )


def findings_of(args: tuple[np.ndarray, int | None]) -> list[list[bool]]:
    """Which of F1-F10 hold under each row of constants (a worker's share)."""
    rows, replications = args
    definitions = load_definitions()
    out = []
    for row in rows:
        ctx = Context(constants=constants_of(row), replications=replications)
        passed = []
        for d in definitions:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # A set of constants under which a case never runs a month (or never agrees)
                # leaves empty means: the finding then fails its thresholds, as it should.
                warnings.simplefilter("ignore", RuntimeWarning)
                try:
                    passed.append(evaluate(d, ctx).passed)
                except (ValueError, ZeroDivisionError, FloatingPointError):
                    passed.append(False)
        out.append(passed)
    return out


def findings_on(
    rows: np.ndarray, workers: int, replications: int | None, say
) -> tuple[list[str], np.ndarray]:
    """F1-F10 under each row of constants: finding ids and a [N, 10] bool array."""
    ids = [d.id for d in load_definitions()]
    pieces = [(rows[a : a + 10], replications) for a in range(0, len(rows), 10)]
    done: list[list[bool]] = []
    if workers > 1 and len(pieces) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for k, part in enumerate(pool.map(findings_of, pieces)):
                done.extend(part)
                if k % 10 == 9 or k == len(pieces) - 1:
                    say(f"findings: {len(done)} of {len(rows)} particles")
    else:
        for k, piece in enumerate(pieces):
            done.extend(findings_of(piece))
            if k % 10 == 9 or k == len(pieces) - 1:
                say(f"findings: {len(done)} of {len(rows)} particles")
    return ids, np.array(done, dtype=bool)


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """The mean of ``x`` under weights ``w`` (which need not sum to 1)."""
    return float(np.sum(w * x) / np.sum(w))


def quantiles(x: np.ndarray, w: np.ndarray) -> list[float]:
    """The 5, 50 and 95 % weighted quantiles."""
    from negsim.calibrate import weighted_quantile

    return [weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95)]


def table_rows(post: Posterior, table: dict) -> list[dict[str, Any]]:
    """Per constant: chosen value, prior, posterior mean and 90 % interval, verdict."""
    out = []
    for j in post.judgements:
        row = table[j.path]
        out.append(
            {
                "constant": j.path,
                "chosen": j.value,
                "prior_low": j.low,
                "prior_high": j.high,
                "posterior_mean": row["posterior_mean"],
                "q05": row["posterior_q05"],
                "q95": row["posterior_q95"],
                "shrinkage": row["shrinkage"],
                "verdict": row["verdict"],
                "chosen_inside": bool(row["posterior_q05"] <= j.value <= row["posterior_q95"]),
            }
        )
    return out


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The per-constant table as Markdown."""
    lines = [
        "| constant | chosen | prior (log-uniform) | posterior mean | 90 % interval "
        "| shrinkage | verdict | chosen inside |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        inside = "yes" if r["chosen_inside"] else "**no**"
        lines.append(
            f"| `{r['constant']}` | {r['chosen']:.4g} | {r['prior_low']:.3g}-{r['prior_high']:.3g}"
            f" | {r['posterior_mean']:.3g} | {r['q05']:.3g}-{r['q95']:.3g}"
            f" | {r['shrinkage']:.2f} | {r['verdict']} | {inside} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, help="prior draws (rejection); default 20,000")
    parser.add_argument("--particles", type=int, help="posterior size; default 1,000")
    parser.add_argument("--generations", type=int, help="SMC steps after rejection; default 3")
    parser.add_argument("--replications", type=int, help="runs per draw and phase; default 16")
    parser.add_argument(
        "--findings-replications",
        type=int,
        default=None,
        help="replications per finding (default: each definition's)",
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/constants_abc"))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: defaults of 300 draws, 30 particles, 1 generation, 4 replications, "
        "findings at 20 replications",
    )
    args = parser.parse_args()
    for k, v in (QUICK if args.quick else FULL).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {line}", flush=True)

    problem = history_problem(args.replications)
    dims = len(problem.judgements)
    say(
        f"{dims} constants; {len(problem.cases)} scored phases and {len(problem.sources)} source "
        f"cases, {args.replications} replications each per draw"
    )

    # The hand-chosen set itself, over 40 sets of shock seeds: where it sits.
    t = time.perf_counter()
    chosen_rows = problem.rows(np.full((40, dims), 0.5))  # u = 0.5 is the chosen value
    chosen_fit = problem.fit(
        chosen_rows, replication_keys(shock_seeds(args.seed ^ 0xC405E, 0, 40), args.replications)
    )
    chosen_d = chosen_fit.distance()
    timings["chosen"] = time.perf_counter() - t
    say(f"hand-chosen constants: distance {chosen_d.mean():.3f} (sd {chosen_d.std():.3f})")

    t = time.perf_counter()
    post = run_abc(
        problem,
        draws=args.draws,
        particles=args.particles,
        generations=args.generations,
        seed=args.seed,
        workers=args.workers,
        chunk=problem.chunk,
        say=say,
        space="normal",  # 19 dimensions: a kernel step in the cube would mostly leave it
    )
    timings["abc"] = time.perf_counter() - t
    table = posterior_table(post)
    w = post.weights
    rows = problem.rows(post.unit)

    t = time.perf_counter()
    n = len(rows)
    keys = replication_keys(shock_seeds(args.seed ^ 0x9F17, 0, n), args.replications)
    fit = fit_in_chunks(problem, rows, keys)
    timings["predictive"] = time.perf_counter() - t
    say(f"posterior predictive fit of {n} particles")

    t = time.perf_counter()
    ids, passed = findings_on(rows, args.workers, args.findings_replications, say)
    timings["findings"] = time.perf_counter() - t
    all_ten = passed.all(axis=1)
    share_all = weighted_mean(all_ten.astype(float), w)
    fails = {fid: weighted_mean((~passed[:, k]).astype(float), w) for k, fid in enumerate(ids)}
    restricted_w = w * all_ten
    restricted = None
    restricted_table = None
    # A handful of particles carries no intervals: below MIN_EFFECTIVE_PARTICLES the
    # constrained posterior is reported as too thin, not drawn as spikes.
    if restricted_w.sum() > 0 and effective_size(restricted_w) >= MIN_EFFECTIVE_PARTICLES:
        restricted = replace(post, weights=restricted_w / restricted_w.sum())
        restricted_table = posterior_table(restricted)
    holding = (
        f"F1-F10 all hold under {share_all:.1%} of the posterior "
        f"({int(all_ten.sum())} of {n:,} particles)"
    )
    say(
        f"{holding}; "
        + ", ".join(f"{k} fails {v:.0%}" for k, v in sorted(fails.items(), key=lambda kv: -kv[1]))
    )

    final_eps = post.tolerances[-1]
    summary: dict[str, Any] = {
        "command": "python experiments/constants_abc.py " + " ".join(sys.argv[1:]),
        "settings": {
            "draws": args.draws,
            "particles": args.particles,
            "generations": args.generations,
            "replications": args.replications,
            "findings_replications": args.findings_replications,
            "workers": args.workers,
            "seed": args.seed,
            "prior": "each constant log-uniform over [value/2, 2 value] of its chosen value",
            "distance": " + ".join(LOSSES),
        },
        "date": time.strftime("%Y-%m-%d"),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "seconds_total": round(time.perf_counter() - started, 1),
        "simulations": post.simulations,
        "runs": post.simulations * args.replications * (len(problem.cases) + 2),
        "tolerances": post.tolerances,
        "prior_share_within_first_tolerance": post.prior_within,
        "effective_sample_size": effective_size(w),
        "chosen": {
            "distance_mean": float(chosen_d.mean()),
            "distance_sd": float(chosen_d.std()),
            "share_within_final_tolerance": float(np.mean(chosen_d <= final_eps)),
            "losses": {k: float(v.mean()) for k, v in chosen_fit.losses().items()},
            "phases_right": float(chosen_fit.phases_right.mean()),
            "balanced_accuracy": float(chosen_fit.balanced_accuracy.mean()),
            "package_direction": float(chosen_fit.package_direction.mean()),
        },
        "posterior_distance": quantiles(post.distance, w),
        "posterior_predictive": {
            "losses": {k: quantiles(v, w) for k, v in fit.losses().items()},
            "phases_right": quantiles(fit.phases_right.astype(float), w),
            "balanced_accuracy": quantiles(fit.balanced_accuracy, w),
            "package_direction": quantiles(fit.package_direction, w),
            "phase_hit_share": {
                c.key.scenario: weighted_mean(fit.hit[:, p], w) for p, c in enumerate(problem.cases)
            },
            "phase_hit_share_chosen": {
                c.key.scenario: float(chosen_fit.hit[:, p].mean())
                for p, c in enumerate(problem.cases)
            },
        },
        "findings": {
            "particles_checked": int(n),
            "share_all_ten_hold": share_all,
            "particles_all_ten_hold": int(all_ten.sum()),
            "share_failing": fails,
            "effective_sample_size_given_findings": effective_size(restricted_w),
        },
        "constants": table_rows(post, table),
        "constants_given_findings": table_rows(restricted, restricted_table)
        if restricted is not None
        else None,
    }
    out = args.out
    import pandas as pd

    from negsim.figures.uncertainty import constants_figure
    from negsim.results_files import (
        ensure_directory,
        figure_writer,
        json_writer,
        parquet_writer,
        write_files,
    )

    frame = pd.DataFrame(post.values())
    frame["weight"] = w
    frame["distance"] = post.distance
    frame["predictive_phases_right"] = fit.phases_right
    frame["predictive_balanced_accuracy"] = fit.balanced_accuracy
    frame["predictive_package_direction"] = fit.package_direction
    for k, fid in enumerate(ids):
        frame[f"{fid}_holds"] = passed[:, k]
    title = (
        f"The global constants against history: ABC over {len(problem.cases)} validation phases "
        f"and the 1965 and 1991-2006 cases\n{post.draws:,} prior draws, {n:,} particles; "
        f"{holding}"
    )
    figure = constants_figure(
        post, table, title, restricted.weights if restricted is not None else None
    )
    md = [
        f"# The global constants against history (ABC)\n\n`{summary['command']}`\n",
        f"{post.draws:,} prior draws, {post.simulations:,} simulations of {dims} constants "
        f"({summary['runs']:,} runs), {summary['seconds_total']:.0f} s. Tolerances: "
        + ", ".join(f"{x:.3f}" for x in post.tolerances)
        + f". Hand-chosen set: distance {chosen_d.mean():.3f} (sd {chosen_d.std():.3f}).\n",
        "## Given history\n",
        markdown_table(summary["constants"]),
        f"\n## Given history and F1-F10\n\n{holding}.\n",
        markdown_table(summary["constants_given_findings"])
        if restricted is not None
        else f"Too few particles to say (effective sample size "
        f"{effective_size(restricted_w):.1f}, below {MIN_EFFECTIVE_PARTICLES}).",
    ]
    ensure_directory(out)
    write_files(
        {
            out / "summary.json": json_writer(summary),
            out / "summary.md": lambda p: p.write_text("\n".join(md) + "\n", encoding="utf-8"),
            out / "posterior.parquet": parquet_writer(frame),
            out / "constants_abc.png": figure_writer(figure),
        }
    )
    print("\n".join(md))
    say(f"wrote {out}")


if __name__ == "__main__":
    main()
