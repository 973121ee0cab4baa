"""Benchmark: batch engine vs Mesa model, and sweeps of 10^5 and 10^6 runs on this machine.

Usage::

    python benchmarks/bench_sweep.py            # full: ratio, 10^5 and 10^6 runs (about 3 minutes)
    python benchmarks/bench_sweep.py --quick    # ratio on a smaller Mesa subset, 10^5 runs (~40 s)

1. Runs per second of the batch engine and of the Mesa model on the *same* 2,000-point
   sweep of the 1965 scenario (a Latin hypercube over U.S. pressure, Japan's audience cost
   and Korea's economic need; one replication per point, shocks on), both in this one
   process on one core, through the sweep's own chunk runner (``--engine batch`` and
   ``--engine mesa``). The Mesa model runs the first N runs of the 2,000 only (N = 300, or
   100 with --quick); its runs/s is measured on those and extrapolated to the 2,000 (runs
   cost about the same whatever the point, and the subset spans the whole design). The
   subset's outcomes are checked equal between the engines. The Mesa path builds each
   point's scenario (overrides, validation) as ``--engine mesa`` does; the Mesa model's
   own loop is also timed alone on the same runs (``ratio_vs_mesa_model_only``).
2. Wall time and peak resident memory (the sum over the sweep process and its workers,
   sampled every 50 ms) of ``negsim sweep`` with 2 workers, for 10^5 and 10^6 runs of the
   1965 scenario (1,000 grid points x 100 or 1,000 replications). Each run draws the
   scenario's judgements from their ranges (included in the time).
3. Wall time of the rejection step of ``negsim calibrate`` on 1965 with 10^6 prior draws
   (10^4 with --quick) on 2 workers.

The last line printed is a JSON object with every figure: ``ratio``, ``runs_1e6_s``,
``peak_mib_1e6`` and ``calibrate_1e6_s`` (null where --quick did not measure them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "rok_japan_1951_1965.yaml"
NEGSIM = Path(sys.executable).with_name("negsim")


def machine() -> dict:
    """What the figures were measured on."""
    import psutil

    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def ratio_experiment(folder: Path) -> Path:
    return write(
        folder / "ratio.yaml",
        {
            "id": "bench_ratio",
            "title": "Benchmark: 2,000-point LHS of the 1965 scenario",
            "scenario": str(SCENARIO),
            "parameters": {
                "drivers.us_pressure.scale": {"range": [0.0, 2.0]},
                "states.JPN.audience_cost": {"range": [0.1, 0.9]},
                "states.ROK.economic_need": {"range": [0.2, 1.0]},
            },
            "design": {"sampler": "lhs", "samples": 2000},
            "replications": 1,
            "master_seed": 2000,
        },
    )


def scale_experiment(folder: Path, replications: int) -> Path:
    return write(
        folder / f"scale_{replications}.yaml",
        {
            "id": f"bench_scale_{replications}",
            "title": "Benchmark: 1,000 grid points of the 1965 scenario",
            "scenario": str(SCENARIO),
            "parameters": {
                "drivers.us_pressure.scale": {"range": [0.0, 2.0], "steps": 100},
                "states.JPN.audience_cost": {"range": [0.1, 0.9], "steps": 10},
            },
            "replications": replications,
            "master_seed": 1965,
        },
    )


def measure_ratio(folder: Path, mesa_runs: int) -> dict:
    """Batch and Mesa runs/s on the same 2,000 runs (Mesa on the first ``mesa_runs``)."""
    from negsim.experiment import load_experiment
    from negsim.sweep import run_chunk, tasks_for

    plan = load_experiment(ratio_experiment(folder))
    assert plan.total_runs == 2000
    (warm,) = tasks_for(plan, "batch", 20)
    run_chunk(warm)  # imports and compiled-scenario cache, outside the timings
    plan.experiment.chunk_size = 2000
    (batch_task,) = tasks_for(plan, "batch", 2000)
    started = time.perf_counter()
    batch = run_chunk(batch_task).to_pandas()
    batch_seconds = time.perf_counter() - started
    plan.experiment.chunk_size = mesa_runs
    mesa_task = next(tasks_for(plan, "mesa", 2000))
    started = time.perf_counter()
    mesa = run_chunk(mesa_task).to_pandas()
    mesa_seconds = time.perf_counter() - started
    # The Mesa model alone, on the same runs: without building each point's scenario.
    from negsim.model import NegotiationModel
    from negsim.parameters import apply_overrides
    from negsim.scenario import scenario_from_dict

    scenarios = []
    for r in range(mesa_runs):
        overrides = [(p, float(v[r])) for p, v in mesa_task.values.items()]
        doc = apply_overrides(mesa_task.scenario_document, overrides, "bench")
        scenarios.append(scenario_from_dict(doc, "bench"))
    seeds = batch["seed"].to_numpy()
    started = time.perf_counter()
    for r, scenario in enumerate(scenarios):
        NegotiationModel(scenario, rng=int(seeds[r])).run()
    model_seconds = time.perf_counter() - started
    same = batch.iloc[:mesa_runs].reset_index(drop=True)
    assert same["agreed"].equals(mesa["agreed"]), "engines disagree"
    assert same["agreement_step"].equals(mesa["agreement_step"]), "engines disagree"
    packages = [c for c in batch.columns if c.startswith("package_")]
    np.testing.assert_allclose(same[packages], mesa[packages], atol=1e-9)
    batch_rate = 2000 / batch_seconds
    mesa_rate = mesa_runs / mesa_seconds
    return {
        "design_points": 2000,
        "batch_runs": 2000,
        "batch_seconds": round(batch_seconds, 3),
        "batch_runs_per_s": round(batch_rate, 1),
        "mesa_runs_measured": mesa_runs,
        "mesa_seconds": round(mesa_seconds, 3),
        "mesa_runs_per_s": round(mesa_rate, 2),
        "mesa_seconds_for_2000_extrapolated": round(2000 / mesa_rate, 1),
        "agreement_share": round(float(batch["agreed"].mean()), 3),
        "ratio": round(batch_rate / mesa_rate, 1),
        "mesa_model_only_runs_per_s": round(mesa_runs / model_seconds, 2),
        "ratio_vs_mesa_model_only": round(batch_rate / (mesa_runs / model_seconds), 1),
    }


def measure_sweep(folder: Path, runs: int, replications: int, workers: int) -> dict:
    """Wall time and peak resident memory (process tree) of one `negsim sweep`."""
    import psutil

    experiment = scale_experiment(folder, replications)
    out = folder / f"results_{runs}"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(NEGSIM), "sweep", str(experiment), "--workers", str(workers)]
    command += ["--runs", str(runs), "--out", str(out), "--no-progress"]
    peak = 0
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                total = 0
                for p in tree:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"negsim sweep failed ({proc.returncode}):\n{stderr}")
    files = list(out.glob("chunk-*.parquet"))
    size = sum(f.stat().st_size for f in files)
    import pyarrow.parquet as pq

    rows = sum(pq.read_metadata(f).num_rows for f in files)
    assert rows == runs, (rows, runs)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "runs": runs,
        "workers": workers,
        "wall_seconds": round(seconds, 2),
        "runs_per_s": round(runs / seconds, 1),
        "peak_rss_mib": round(peak / 2**20, 1),
        "chunks": len(files),
        "dataset_mib": round(size / 2**20, 1),
        "summary": stdout.strip().splitlines(),
    }


def measure_calibrate(draws: int, workers: int) -> dict:
    """Wall time of the rejection step of `negsim calibrate` on 1965 (``draws`` prior draws)."""
    from negsim.calibrate import abc, history_targets, parse_targets
    from negsim.scenario import load_scenario

    spec = load_scenario(SCENARIO)
    targets = parse_targets(history_targets(spec), spec)
    started = time.perf_counter()
    post = abc(spec, targets, draws=draws, particles=1000, generations=0, workers=workers)
    seconds = time.perf_counter() - started
    return {
        "draws": draws,
        "workers": workers,
        "seconds": round(seconds, 2),
        "draws_per_s": round(draws / seconds, 1),
        "kept": len(post.unit),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="about a minute: 10^5 runs only")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    report: dict = {"quick": args.quick, "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="negsim-bench-") as tmp:
        folder = Path(tmp)
        ratio = measure_ratio(folder, mesa_runs=100 if args.quick else 300)
        report.update(ratio)
        print(
            f"2,000-point sweep, one core: batch {ratio['batch_runs_per_s']:,.0f} runs/s "
            f"({ratio['batch_seconds']:.2f} s); Mesa {ratio['mesa_runs_per_s']:.1f} runs/s "
            f"(measured on {ratio['mesa_runs_measured']} runs, {ratio['mesa_seconds']:.1f} s; "
            f"~{ratio['mesa_seconds_for_2000_extrapolated']:.0f} s for 2,000); "
            f"ratio {ratio['ratio']:.0f}x (vs the Mesa model alone, without building each "
            f"point's scenario: {ratio['mesa_model_only_runs_per_s']:.1f} runs/s, "
            f"{ratio['ratio_vs_mesa_model_only']:.0f}x)",
            flush=True,
        )
        report["sweeps"] = {}
        for runs, reps in [(10**5, 100)] + ([] if args.quick else [(10**6, 1000)]):
            result = measure_sweep(folder, runs, reps, args.workers)
            report["sweeps"][str(runs)] = result
            print(
                f"{runs:,} runs on {args.workers} workers: {result['wall_seconds']:.1f} s wall "
                f"({result['runs_per_s']:,.0f} runs/s), peak RSS {result['peak_rss_mib']:.0f} MiB "
                f"(sweep process + workers), {result['chunks']} chunks, "
                f"{result['dataset_mib']:.1f} MiB of Parquet",
                flush=True,
            )
        calibrate_draws = 10**4 if args.quick else 10**6
        report["calibrate"] = measure_calibrate(calibrate_draws, args.workers)
        print(
            f"negsim calibrate, rejection over {calibrate_draws:,} prior draws on "
            f"{args.workers} workers: {report['calibrate']['seconds']:.1f} s",
            flush=True,
        )
    big = report["sweeps"].get(str(10**6))
    report["runs_1e6_s"] = big["wall_seconds"] if big else None
    report["peak_mib_1e6"] = big["peak_rss_mib"] if big else None
    report["calibrate_1e6_s"] = None if args.quick else report["calibrate"]["seconds"]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
