"""ABC calibration (negsim calibrate) and scenario discovery (negsim discover, PRIM)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import minimal_doc
from typer.testing import CliRunner

from negsim.calibrate import Targets, abc, distances, parse_targets, posterior_table
from negsim.cli import app
from negsim.discover import choose, prim
from negsim.engine import run_batch
from negsim.scenario import ScenarioError, scenario_from_dict


def ranged_minimal() -> dict:
    """The minimal scenario with two wide ranges that matter and one that cannot."""
    doc = minimal_doc(drive_sd=0.02)
    for state, name in (("A", "economic_need"), ("B", "economic_need"), ("A", "fear_of_exclusion")):
        value = doc["states"][state][name]
        doc["states"][state][name] = {"value": value, "range": [0.0, 1.0], "source": "t"}
    return doc


def test_targets_are_checked_against_the_scenario():
    spec = scenario_from_dict(ranged_minimal())
    t = parse_targets(["agreement=2003-06", "conceded.history=B", "suspension=none"], spec)
    assert t.agreement == 41 and t.suspension == -1 and t.conceded == {0: 1}
    for bad, words in (
        ("agreement=2030-01", "outside the run"),
        ("agreement=soon", "none"),
        ("conceded.nothing=A", "unknown issue"),
        ("conceded.history=C", "unknown state"),
        ("when=2003-01", "unknown target"),
    ):
        with pytest.raises(ScenarioError) as info:
            parse_targets([bad], spec)
        assert words in info.value.problems[0][1], bad


def test_distance_counts_years_and_mismatches():
    spec = scenario_from_dict(ranged_minimal())
    result = run_batch(spec, np.arange(4, dtype=np.uint64))
    step = int(result.agreement_step[0])
    assert step >= 0
    d = distances(result, Targets(agreement=step + 6), spec.months)
    assert d[0] == pytest.approx(0.5)
    assert np.all(distances(result, Targets(agreement=-1), spec.months)[result.agreed] > 5)


def test_abc_narrows_what_history_constrains_and_covers_the_truth():
    doc = ranged_minimal()
    truth = {"states.A.economic_need": 0.8, "states.B.economic_need": 0.8}
    spec = scenario_from_dict(doc)
    observed = run_batch(spec, np.array([123], np.uint64), {k: [v] for k, v in truth.items()})
    assert observed.agreed[0]
    month = int(observed.agreement_step[0])
    targets = Targets(agreement=month)
    post = abc(spec, targets, draws=3000, particles=150, generations=1, seed=4)
    table = posterior_table(post)
    need = [table[f"states.{s}.economic_need"] for s in "AB"]
    assert max(n["shrinkage"] for n in need) > 0.2
    assert table["states.A.fear_of_exclusion"]["shrinkage"] < 0.2  # the text: inert, open
    assert any(n["posterior_q05"] <= 0.8 <= n["posterior_q95"] for n in need)
    again = abc(spec, targets, draws=3000, particles=150, generations=1, seed=4)
    assert np.array_equal(post.unit, again.unit)


def test_abc_on_1965_keeps_its_particles_and_leaves_inert_judgements_open():
    """Twenty-two judgements, a distance in whole months: the SMC steps once collapsed the
    population to a few particles, which then called every judgement "pinned down"."""
    from conftest import SCENARIO_1965

    from negsim.scenario import load_scenario

    spec = load_scenario(SCENARIO_1965)
    targets = parse_targets(["agreement=1965-06", "conceded.money_name=ROK"], spec)
    lines: list[str] = []
    post = abc(spec, targets, draws=4000, particles=200, generations=2, seed=1, say=lines.append)
    assert post.effective_size() == pytest.approx(len(post.weights))  # equal weights
    assert len(np.unique(post.unit, axis=0)) >= 0.75 * len(post.unit)  # not a handful, copied
    assert post.tolerances[-1] < post.tolerances[0]  # the SMC step tightened it
    table = posterior_table(post)
    # fear of exclusion acts on nothing in 1965 (no thaw or wave series): history cannot narrow it
    for state in ("ROK", "JPN"):
        assert table[f"states.{state}.fear_of_exclusion"]["verdict"] == "left open"
    assert not any(row["verdict"] == "pinned down" for row in table.values())
    assert any("cannot tighten" in line for line in lines)  # said, not silently reweighted


def test_calibrate_cli_writes_its_files_and_refuses_bad_targets(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(ranged_minimal()), encoding="utf-8")
    out = tmp_path / "cal"
    runner = CliRunner()
    args = ["calibrate", str(path), "--target", "agreement=2003-06", "--draws", "400"]
    result = runner.invoke(app, [*args, "--particles", "40", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("posterior.parquet", "pairs.png", "predictive.png", "summary.json"):
        assert (out / name).stat().st_size > 0
    import pandas as pd

    frame = pd.read_parquet(out / "posterior.parquet")
    assert len(frame) == 40 and frame["weight"].sum() == pytest.approx(1.0)
    bad = runner.invoke(app, ["calibrate", str(path), "--target", "agreement=1990-01"])
    assert bad.exit_code == 2 and "--target agreement" in bad.output


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(0)
    x = rng.random((4000, 4))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.5)
    y ^= rng.random(4000) < 0.03  # a little noise
    trajectory = prim(x, y, alpha=0.05, min_support=0.05)
    coverage = [b.coverage for b in trajectory]
    assert coverage == sorted(coverage, reverse=True)
    box = trajectory[choose(trajectory, min_coverage=0.8)]
    assert box.density > 0.85 and set(box.restricted) >= {0, 1}
    assert box.limits[0, 0] == pytest.approx(0.6, abs=0.05)
    assert box.limits[1, 1] == pytest.approx(0.5, abs=0.05)


def test_discover_cli_on_a_sweep(tmp_path):
    from test_sweep import write_experiment

    scenario = tmp_path / "mini.yaml"
    scenario.write_text(yaml.safe_dump(ranged_minimal()), encoding="utf-8")
    doc = {
        "id": "disc",
        "title": "Discover",
        "scenario": str(scenario),
        "parameters": {"drivers.us_pressure.scale": {"range": [0.0, 2.0]}},
        "design": {"sampler": "lhs", "samples": 150},
        "replications": 2,
        "master_seed": 1,
        "outcomes": ["agreed"],
    }
    from negsim.experiment import load_experiment
    from negsim.sweep import run_sweep

    plan = load_experiment(write_experiment(tmp_path / "disc.yaml", doc))
    run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    runner = CliRunner()
    result = runner.invoke(app, ["discover", str(tmp_path / "out"), "--outcome", "agreed"])
    assert result.exit_code == 0, result.output
    assert "coverage" in result.output and (tmp_path / "out" / "prim.png").exists()
    bad = runner.invoke(app, ["discover", str(tmp_path / "out"), "--outcome", "package_history"])
    assert bad.exit_code == 2 and "yes/no" in bad.output
