"""The batch engine and the Mesa model give the same runs.

Random parameter points on every shipped scenario, shocks on: agreement and its
month identical, packages, final gaps and concession shares equal to 1e-9. The
sweep's own ``--engine mesa`` path is checked against ``--engine batch`` too.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO, SCENARIO_1965

from negsim.calendar import format_month, parse_month
from negsim.catalog import shipped_scenarios
from negsim.engine import run_batch
from negsim.judgements import scenario_judgements
from negsim.model import NegotiationModel
from negsim.outcome import concession_shares, settlement_points
from negsim.parameters import resolve_path, valid_paths
from negsim.scenario import Scenario, load_scenario
from negsim.simulation import replication_seeds

SCENARIOS = [p for p in shipped_scenarios() if p.parent == REPO / "scenarios"]
GROUPS = 4  # each group of points varies its own random set of parameters
PER_GROUP = max(10, -(-200 // (GROUPS * max(1, len(SCENARIOS)))))  # >= 200 points in all


def random_values(
    scenario: Scenario, rng: np.random.Generator, n: int
) -> dict[str, list | np.ndarray]:
    """Random values of a random set of parameters (always including U.S. pressure)."""
    paths = [p for p in valid_paths(scenario) if ".ideal." not in p]
    chosen = list(rng.choice(paths, size=6, replace=False))
    if "drivers.us_pressure.scale" not in chosen:
        chosen.append("drivers.us_pressure.scale")
    start, end = parse_month(scenario.start), parse_month(scenario.end)
    values: dict[str, list | np.ndarray] = {}
    for path in chosen:
        ref = resolve_path(scenario, path)
        if ref.kind == "driver_hold":
            months = rng.integers(start, end + 1, size=n)
            values[path] = [format_month(m) if rng.random() < 0.7 else None for m in months]
        elif ref.kind == "driver_scale":
            values[path] = rng.uniform(0.0, 3.0, n)
        elif ref.kind == "shock_sd":
            values[path] = rng.uniform(0.0, 0.2, n)
        elif ref.kind == "salience":
            values[path] = rng.uniform(0.02, 0.9, n)
        else:
            values[path] = rng.uniform(0.0, 1.0, n)
    # Ideals: move one side's ideal on one issue, staying on its own side of the axis.
    issue = str(rng.choice(scenario.issue_ids))
    a, b = scenario.state_ids
    ia, ib = scenario.issues[issue].ideal[a].value, scenario.issues[issue].ideal[b].value
    values[f"issues.{issue}.ideal.{a}"] = ia + rng.uniform(0.0, 0.4, n) * (ib - ia)
    return values


def mesa_run(path, values: dict, k: int, seed: int):
    overrides = {p: (v[k].item() if hasattr(v[k], "item") else v[k]) for p, v in values.items()}
    scenario = load_scenario(path, overrides)
    model = NegotiationModel(scenario, rng=seed)
    model.run()
    agreed = model.agreement_step is not None
    points = settlement_points(model.run_state.demand, np.asarray(agreed))
    shares = concession_shares(model.run_state.ideal, points)
    return model.agreement_step, model.package, model.gaps, shares


def test_enough_points():
    assert len(SCENARIOS) >= 1
    assert len(SCENARIOS) * GROUPS * PER_GROUP >= 200


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_batch_equals_mesa_on_random_points(path):
    base = load_scenario(path)
    rng = np.random.default_rng(parse_month(base.start))
    per_group = PER_GROUP
    agreed_count = 0
    for group in range(GROUPS):
        values = random_values(base, rng, per_group)
        seeds = replication_seeds(7, per_group, first=group * per_group)
        batch = run_batch(base, seeds, values)
        for k in range(per_group):
            step, package, gaps, shares = mesa_run(path, values, k, int(seeds[k]))
            where = f"{path.stem} group {group} point {k}: " + ", ".join(
                f"{p}={v[k]}" for p, v in values.items()
            )
            assert batch.agreed[k] == (step is not None), where
            if step is None:
                assert batch.agreement_step[k] == -1, where
                assert np.all(np.isnan(batch.package[k])), where
            else:
                agreed_count += 1
                assert batch.agreement_step[k] == step, where
                np.testing.assert_allclose(batch.package[k], package, rtol=0, atol=1e-9)
            np.testing.assert_allclose(batch.final_gap[k], gaps, rtol=0, atol=1e-9)
            np.testing.assert_allclose(batch.concession_share[k], shares, rtol=0, atol=1e-9)
    if path.stem == "rok_japan_1951_1965":  # the comparison covers both outcomes
        assert 0 < agreed_count < GROUPS * per_group


def test_sweep_mesa_engine_equals_batch_engine(tmp_path):
    """``negsim sweep --engine mesa`` and ``--engine batch`` write the same rows."""
    from test_sweep import small_experiment

    from negsim.sweep import read_results, run_sweep

    plan = small_experiment(tmp_path, steps=(4, 3), replications=3, chunk_size=7)
    run_sweep(plan, tmp_path / "batch", engine="batch", workers=1, progress=False)
    run_sweep(plan, tmp_path / "mesa", engine="mesa", workers=1, progress=False)
    batch, mesa = read_results(tmp_path / "batch"), read_results(tmp_path / "mesa")
    assert batch["agreed"].any() and not batch["agreed"].all()
    exact = ["run", "seed", "point", "agreed", "agreement_date", "agreement_step"]
    assert batch[exact].equals(mesa[exact])
    numeric = [c for c in batch.columns if c.startswith(("package_", "final_gap_", "concession_"))]
    np.testing.assert_allclose(batch[numeric], mesa[numeric], rtol=0, atol=1e-9)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_batch_equals_mesa_with_drawn_judgements(path):
    """Given the same draws (run_batch(draw=True) and draw_scenario), the engines agree."""
    from negsim.judgements import scenario_judgements
    from negsim.simulation import draw_scenario

    base = load_scenario(path)
    assert scenario_judgements(base), "every shipped scenario carries ranges"
    seeds = replication_seeds(11, 4)
    batch = run_batch(base, seeds, draw=True)
    assert len({tuple(v) for v in zip(*batch.judgements.values(), strict=True)}) == len(seeds)
    for k, seed in enumerate(seeds):
        drawn = draw_scenario(base, int(seed))
        for p, column in batch.judgements.items():
            assert resolve_path(drawn, p) and column[k] == _value_at(drawn, p)
        model = NegotiationModel(drawn, rng=int(seed))
        model.run()
        where = f"{path.stem} run {k}"
        assert batch.agreed[k] == (model.agreement_step is not None), where
        if model.agreement_step is not None:
            assert batch.agreement_step[k] == model.agreement_step, where
            np.testing.assert_allclose(batch.package[k], model.package, rtol=0, atol=1e-9)
        np.testing.assert_allclose(batch.final_gap[k], model.gaps, rtol=0, atol=1e-9)


def _value_at(scenario: Scenario, path: str) -> float:
    from negsim.judgements import sourced_at

    return sourced_at(scenario, path).value


def test_sweep_draws_do_not_depend_on_chunks_or_engine(tmp_path):
    """Drawn judgements are columns of the results, the same whatever the chunking."""
    from test_sweep import small_experiment

    from negsim.sweep import read_manifest, read_results, run_sweep

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = small_experiment(tmp_path / "a", steps=(2, 2), replications=5, chunk_size=3)
    b = small_experiment(tmp_path / "b", steps=(2, 2), replications=5, chunk_size=8)
    run_sweep(a, tmp_path / "a" / "out", workers=1, progress=False)
    run_sweep(b, tmp_path / "b" / "out", workers=1, progress=False)
    run_sweep(a, tmp_path / "a" / "fixed", workers=1, progress=False, draw=False)
    one, two = read_results(tmp_path / "a" / "out"), read_results(tmp_path / "b" / "out")
    fixed = read_results(tmp_path / "a" / "fixed")
    drawn = read_manifest(tmp_path / "a" / "out")["judgements"]["paths"]
    design = {"states.JPN.audience_cost", "drivers.us_pressure.scale"}
    assert not design & set(drawn)  # the design fixes them
    ranged = {j.path for j in scenario_judgements(load_scenario(SCENARIO_1965))}
    assert set(drawn) == ranged - design and set(drawn) <= set(one.columns)
    assert one.equals(two)
    assert not set(drawn) & set(fixed.columns)
    assert one["agreement_step"].nunique() > fixed["agreement_step"].nunique()
