"""Sweeps: designs, seeds, executors, resume after kill -9, bad experiment files, plots."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, SCENARIO_1965, pressure_x_audience_cost_sweep
from typer.testing import CliRunner

from negsim.cli import app
from negsim.experiment import Plan, load_experiment
from negsim.judgements import scenario_judgements
from negsim.scenario import load_scenario
from negsim.simulation import replication_seed
from negsim.sweep import MANIFEST, chunks_on_disk, read_manifest, read_results, run_sweep

NEGSIM = Path(sys.executable).with_name("negsim")
runner = CliRunner()

# The resume/executor experiment: 24 x 5 points x 100 replications = 12,000 runs, 30 chunks.
BIG = pressure_x_audience_cost_sweep("resume_check", "Resume check", 2.3, 24, 100, 11, 400)
PREVIEW = 4_000  # runs compared in the executor tests (a --runs preview of BIG)


def write_experiment(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def small_experiment(
    tmp_path: Path,
    steps: tuple[int, int] = (5, 3),
    replications: int = 4,
    chunk_size: int | None = None,
    **extra,
) -> Plan:
    doc = {
        "id": "small",
        "title": "Small sweep",
        "scenario": str(SCENARIO_1965),
        "parameters": {
            "drivers.us_pressure.scale": {"range": [0.0, 2.0], "steps": steps[0]},
            "states.JPN.audience_cost": {"range": [0.2, 0.8], "steps": steps[1]},
        },
        "replications": replications,
        "master_seed": 3,
        **extra,
    }
    if chunk_size:
        doc["chunk_size"] = chunk_size
    if doc.get("design", {}).get("sampler", "grid") != "grid":
        for varied in doc["parameters"].values():
            del varied["steps"]
    return load_experiment(write_experiment(tmp_path / "small.yaml", doc))


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    return write_experiment(tmp_path_factory.mktemp("exp") / "resume_check.yaml", BIG)


@pytest.fixture(scope="module")
def reference(big_file, tmp_path_factory) -> pd.DataFrame:
    """The uninterrupted sweep, in this process (one worker)."""
    out = tmp_path_factory.mktemp("reference") / "results"
    report = run_sweep(load_experiment(big_file), out, workers=1, progress=False)
    assert report.runs == 12_000 and report.chunks_run == 30
    return read_results(out)


# --- designs and seeds -------------------------------------------------------------------


def test_grid_design_and_run_numbering(tmp_path):
    plan = small_experiment(tmp_path, steps=(5, 3), replications=4, chunk_size=7)
    assert plan.points == 15 and plan.total_runs == 60
    run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    frame = read_results(tmp_path / "out")
    assert list(frame["run"]) == list(range(60))
    assert (frame["point"] == frame["run"] // 4).all()
    assert (frame["replication"] == frame["run"] % 4).all()
    assert [int(s) for s in frame["seed"]] == [replication_seed(3, i) for i in range(60)]
    # The grid's last parameter varies fastest; each point's values come from the design.
    for path, column in plan.design.items():
        np.testing.assert_array_equal(frame[path], column[frame["point"]])
    assert sorted(set(frame["states.JPN.audience_cost"])) == [0.2, 0.5, 0.8]
    assert len(chunks_on_disk(tmp_path / "out")) == 9  # ceil(60 / 7)
    manifest = read_manifest(tmp_path / "out")
    assert manifest["status"] == "complete" and manifest["design_points"] == 15
    assert manifest["master_seed"] == 3 and manifest["chunk_size"] == 7
    assert "numpy" in manifest["versions"] and "reach" in manifest["constants"]
    expected = {"agreed", "agreement_date", "agreement_step", "package_amount"}
    expected |= {"final_gap_amount", "concession_JPN_amount", "concession_ROK_sovereignty"}
    assert expected <= set(frame.columns)
    agreed = frame[frame["agreed"]]
    assert agreed["agreement_date"].str.match(r"^\d{4}-\d{2}$").all()
    assert frame.loc[~frame["agreed"], "agreement_date"].isna().all()
    assert frame.loc[~frame["agreed"], "package_amount"].isna().all()


def test_lhs_and_sobol_designs(tmp_path):
    doc = {
        "id": "designs",
        "title": "Designs",
        "scenario": str(SCENARIO_1965),
        "parameters": {
            "drivers.us_pressure.scale": {"range": [0.0, 2.0]},
            "states.JPN.audience_cost": {"range": [0.2, 0.8]},
            "states.ROK.economic_need": {"range": [0.0, 1.0]},
        },
        "replications": 2,
        "master_seed": 5,
        "design": {"sampler": "lhs", "samples": 50},
    }
    lhs = load_experiment(write_experiment(tmp_path / "lhs.yaml", doc))
    assert lhs.points == 50 and lhs.total_runs == 100
    column = lhs.design["states.JPN.audience_cost"]
    assert column.min() >= 0.2 and column.max() <= 0.8
    # Latin hypercube: one point in each of the 50 strata of every parameter.
    strata = np.floor((column - 0.2) / 0.6 * 50).astype(int)
    assert sorted(strata) == list(range(50))
    doc["design"] = {"sampler": "sobol", "samples": 16}
    sobol = load_experiment(write_experiment(tmp_path / "sobol.yaml", doc))
    assert sobol.points == 16 * (3 + 2)
    doc["design"] = {"sampler": "sobol", "samples": 16, "second_order": True}
    assert load_experiment(write_experiment(tmp_path / "s2.yaml", doc)).points == 16 * (6 + 2)
    again = load_experiment(write_experiment(tmp_path / "again.yaml", doc))
    np.testing.assert_array_equal(
        again.design["states.ROK.economic_need"],
        load_experiment(tmp_path / "s2.yaml").design["states.ROK.economic_need"],
    )


def test_month_parameter_in_a_grid(tmp_path):
    doc = {
        "id": "hold",
        "title": "Hold",
        "scenario": str(SCENARIO_1965),
        "parameters": {"drivers.us_pressure.hold_from": {"values": ["1960-01", None]}},
        "replications": 3,
        "master_seed": 1,
        "outcomes": ["agreed"],
    }
    plan = load_experiment(write_experiment(tmp_path / "hold.yaml", doc))
    run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    frame = read_results(tmp_path / "out")
    drawn = read_manifest(tmp_path / "out")["judgements"]["paths"]  # the scenario's ranges
    assert drawn == [j.path for j in scenario_judgements(load_scenario(SCENARIO_1965))]
    assert list(frame.columns) == [
        "run",
        "seed",
        "point",
        "replication",
        "drivers.us_pressure.hold_from",
        *drawn,
        "agreed",
    ]
    assert list(frame["drivers.us_pressure.hold_from"].iloc[:3]) == ["1960-01"] * 3
    assert frame["drivers.us_pressure.hold_from"].iloc[3:].isna().all()


@pytest.mark.parametrize(
    "name", ["us_pressure_x_audience_cost_1965", "disposition_x_us_pressure_opening"]
)
def test_shipped_experiments_are_valid(name):
    path = REPO / "experiments" / f"{name}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not (path.parent / doc["scenario"]).exists():
        pytest.skip(f"scenario {doc['scenario']} not shipped yet")
    plan = load_experiment(path)
    assert plan.total_runs >= 10_000


def test_shipped_1965_experiment_preview_from_cli(tmp_path):
    path = REPO / "experiments" / "us_pressure_x_audience_cost_1965.yaml"
    result = runner.invoke(
        app, ["sweep", str(path), "--runs", "900", "--workers", "1", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert "900 of 37,800 runs" in result.output
    assert len(pd.read_parquet(tmp_path / "r")) == 900


# --- executors: the same rows whatever runs them -----------------------------------------


def test_two_workers_equal_one(big_file, reference, tmp_path):
    run_sweep(load_experiment(big_file), tmp_path / "w2", workers=2, runs=PREVIEW, progress=False)
    two = read_results(tmp_path / "w2")
    pd.testing.assert_frame_equal(two, reference.iloc[:PREVIEW])


def test_chunk_size_does_not_change_runs(big_file, reference, tmp_path):
    doc = dict(BIG, chunk_size=333)
    plan = load_experiment(write_experiment(tmp_path / "c333.yaml", doc))
    run_sweep(plan, tmp_path / "c333", workers=1, runs=2_000, progress=False)
    pd.testing.assert_frame_equal(read_results(tmp_path / "c333"), reference.iloc[:2_000])


def test_dask_local_cluster_equals_local_processes(big_file, reference, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        run_sweep(
            load_experiment(big_file),
            tmp_path / "dask",
            dask=cluster.scheduler_address,
            runs=PREVIEW,
            progress=False,
        )
    manifest = read_manifest(tmp_path / "dask")
    assert manifest["last_session"]["executor"].startswith("dask tcp://127.0.0.1:")
    pd.testing.assert_frame_equal(read_results(tmp_path / "dask"), reference.iloc[:PREVIEW])


def test_kill_9_then_resume_equals_uninterrupted(big_file, reference, tmp_path):
    out = tmp_path / "killed"
    command = [str(NEGSIM), "sweep", str(big_file), "--workers", "2", "--out", str(out)]
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        proc = subprocess.Popen(
            [*command, "--no-progress"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            while proc.poll() is None and time.monotonic() < deadline:
                if out.is_dir() and chunks_on_disk(out):
                    break
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)  # kill -9 the sweep itself, mid-run
            proc.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):  # its orphaned workers, if any
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()
    before = {k: p.stat().st_mtime_ns for k, p in chunks_on_disk(out).items()}
    assert 1 <= len(before) < 30, f"{len(before)} chunks on disk when killed"
    assert read_manifest(out)["status"] == "running"
    # A chunk being written when the process died is only ever a hidden temporary file.
    (out / ".chunk-000029.parquet.99999.tmp").write_bytes(b"half a chunk")
    assert len(pd.read_parquet(out)) == 400 * len(before)
    done = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"({len(before)} chunks already on disk)" in done.stdout
    assert "%" in done.stderr and "run/s" in done.stderr  # the progress bar
    after = chunks_on_disk(out)
    assert len(after) == 30
    assert all(after[k].stat().st_mtime_ns == t for k, t in before.items())  # not recomputed
    assert not list(out.glob(".*.tmp"))
    assert read_manifest(out)["status"] == "complete"
    pd.testing.assert_frame_equal(read_results(out), reference)


def test_resume_extends_a_preview(big_file, reference, tmp_path):
    plan = load_experiment(big_file)
    run_sweep(plan, tmp_path / "r", workers=1, runs=500, progress=False)  # 1 chunk + 100 runs
    report = run_sweep(plan, tmp_path / "r", workers=1, runs=1_200, resume=True, progress=False)
    assert report.chunks_skipped == 1 and report.runs_run == 800
    pd.testing.assert_frame_equal(read_results(tmp_path / "r"), reference.iloc[:1_200])


# --- bad input: exit 2, naming the file and the field ------------------------------------


def sweep_cli(*args: str):
    result = runner.invoke(app, ["sweep", *args])
    assert "Traceback" not in result.output
    return result


BAD_EXPERIMENTS = [
    ({"colour": "red"}, ["colour", "unknown field"]),
    (
        {"parameters": {"states.JPN.audiense_cost": {"range": [0, 1]}}},
        ["parameters.states.JPN.audiense_cost", "states.JPN.audience_cost"],
    ),
    (
        {"parameters": {"states.JPN.audience_cost": {"range": [0.2, 1.5]}}},
        ["parameters.states.JPN.audience_cost", "out of range", "at most 1"],
    ),
    (
        {"parameters": {"states.JPN.audience_cost": {"range": [0.8, 0.2]}}},
        ["parameters.states.JPN.audience_cost", "low < high"],
    ),
    (
        {"parameters": {"states.JPN.audience_cost": {"values": [0.2], "range": [0, 1]}}},
        ["parameters.states.JPN.audience_cost", "either values"],
    ),
    ({"design": {"sampler": "sobol", "samples": 100}}, ["design", "power of 2"]),
    ({"design": {"sampler": "lhs"}}, ["design", "needs samples"]),
    ({"design": {"sampler": "halton", "samples": 8}}, ["design.sampler", "grid", "sobol"]),
    ({"replications": 0}, ["replications", "greater than or equal to 1"]),
    ({"master_seed": "abc"}, ["master_seed", "integer"]),
    ({"outcomes": ["agreed", "happiness"]}, ["outcomes", "package"]),
    ({"scenario": "no_such_scenario.yaml"}, ["scenario", "no_such_scenario.yaml", "cannot read"]),
    ({"until": "1990-01"}, ["until", "outside the run"]),
    (
        {
            "design": {"sampler": "lhs", "samples": 8},
            "parameters": {"states.JPN.audience_cost": {"values": [0.1, 0.2]}},
        },
        ["parameters.states.JPN.audience_cost", "needs range"],
    ),
    (
        {"parameters": {"issues.amount.ideal.ROK": {"values": [0.0, 1.0]}}},
        ["parameters.issues.amount.ideal.ROK", "coincide or swap"],
    ),
]


@pytest.mark.parametrize(("change", "needles"), BAD_EXPERIMENTS, ids=lambda x: str(x)[:40])
def test_bad_experiment_exits_2(tmp_path, change, needles):
    doc = {**BIG, **change}
    path = write_experiment(tmp_path / "bad.yaml", doc)
    result = sweep_cli(str(path), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    for needle in needles:
        assert needle in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("id: [unclosed", "malformed YAML"),
        ("- just\n- a list\n", "mapping"),
        ("a: &x 1\nb: *x\n", "aliases"),
    ],
)
def test_malformed_experiment_exits_2(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = sweep_cli(str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and str(path) in result.output and needle in result.output


def test_missing_experiment_file_exits_2(tmp_path):
    result = sweep_cli(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "nope.yaml" in result.output


def test_results_directory_rules(tmp_path):
    path = write_experiment(tmp_path / "exp.yaml", dict(BIG, chunk_size=100))
    out = tmp_path / "out"
    args = [str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert sweep_cli(*args, "--runs", "150").exit_code == 0
    again = sweep_cli(*args, "--runs", "150")
    assert again.exit_code == 2 and "not empty" in again.output and "--resume" in again.output
    fewer = sweep_cli(*args, "--runs", "50", "--resume")
    assert fewer.exit_code == 2 and "--runs" in fewer.output
    too_many = sweep_cli(*args, "--runs", "99999999", "--resume")
    assert too_many.exit_code == 2 and "12,000" in too_many.output
    other = write_experiment(tmp_path / "other.yaml", dict(BIG, chunk_size=100, master_seed=12))
    mismatch = sweep_cli(str(other), "--out", str(out), "--resume", "--workers", "1")
    assert mismatch.exit_code == 2 and "different sweep" in mismatch.output
    assert "master_seed" in mismatch.output and MANIFEST in mismatch.output
    engine = sweep_cli(*args, "--engine", "netlogo")
    assert engine.exit_code == 2 and "batch" in engine.output
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    refused = sweep_cli(str(path), "--out", str(stranger), "--resume")
    assert refused.exit_code == 2 and "not a negsim sweep" in refused.output
    assert (stranger / "notes.txt").read_text() == "mine"


# --- plots -------------------------------------------------------------------------------


def test_plots_are_written(tmp_path):
    grid = small_experiment(tmp_path, steps=(9, 3), replications=10)
    run_sweep(grid, tmp_path / "grid", workers=1, progress=False)
    for kind in ("scurve", "surface", "dates"):
        result = runner.invoke(app, ["plot", str(tmp_path / "grid"), "--kind", kind])
        assert result.exit_code == 0, result.output
        png = tmp_path / "grid" / "_plots" / f"{kind}.png"
        assert png.stat().st_size > 20_000 and png.read_bytes()[:4] == b"\x89PNG"
    by = tmp_path / "by.png"
    args = ["plot", str(tmp_path / "grid"), "--y", "states.JPN.audience_cost", "--out", str(by)]
    assert runner.invoke(app, args).exit_code == 0 and by.stat().st_size > 20_000
    assert len(pd.read_parquet(tmp_path / "grid")) == 270  # the plots are not in the dataset
    sobol = small_experiment(
        tmp_path, replications=2, design={"sampler": "sobol", "samples": 32}, chunk_size=64
    )
    run_sweep(sobol, tmp_path / "sobol", workers=1, progress=False)
    out = tmp_path / "sobol.png"
    result = runner.invoke(
        app, ["plot", str(tmp_path / "sobol"), "--kind", "sobol", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 20_000
    refused = runner.invoke(app, ["plot", str(tmp_path / "grid"), "--kind", "sobol"])
    assert refused.exit_code == 2 and "sobol design" in refused.output
    unknown = runner.invoke(app, ["plot", str(tmp_path / "grid"), "--x", "states.XYZ.need"])
    assert unknown.exit_code == 2 and "states.XYZ.need" in unknown.output


def test_wilson_interval():
    from negsim.analysis import wilson_interval

    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert low[0] == 0 and high[2] == pytest.approx(1)
    assert 0.0 < high[0] < 0.35 and 0.65 < low[2] < 1.0
    np.testing.assert_allclose([low[1], high[1]], [0.2366, 0.7634], atol=1e-4)


def test_sweep_given_a_scenario_says_so_and_shows_an_experiment_that_sweeps_it(tmp_path):
    from conftest import SCENARIO_1965

    from negsim.experiment import load_experiment

    result = sweep_cli(str(SCENARIO_1965))
    assert result.exit_code == 2, result.output
    assert "this is a scenario, not an experiment" in result.output
    assert "states" not in result.output  # not the 14 field errors of an experiment
    example = result.output.split("e.g.\n", 1)[1].split("\nthen:", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example)
    plan = load_experiment(path)
    assert plan.points == 11


def test_a_refused_resume_names_the_fields_that_changed(tmp_path):
    """Not only a fingerprint: the scenario's and the experiment's changed fields by name."""
    scenario = tmp_path / "scenario.yaml"
    text = SCENARIO_1965.read_text(encoding="utf-8")
    scenario.write_text(text, encoding="utf-8")
    path = write_experiment(tmp_path / "exp.yaml", dict(BIG, scenario=str(scenario), chunk_size=50))
    out = tmp_path / "out"
    args = [str(path), "--out", str(out), "--workers", "1", "--no-progress", "--runs", "50"]
    assert sweep_cli(*args).exit_code == 0
    doc = yaml.safe_load(text)
    doc["states"]["ROK"]["economic_need"]["value"] = 0.55  # an edit a careless user makes
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    write_experiment(path, dict(BIG, scenario=str(scenario), chunk_size=50, title="Renamed"))
    refused = sweep_cli(*args, "--resume")
    assert refused.exit_code == 2, refused.output
    assert "scenario.states.ROK.economic_need" in refused.output
    assert "experiment.title" in refused.output
    assert "scenario.states.JPN" not in refused.output  # only what changed
