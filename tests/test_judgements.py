"""Judgements with ranges: validation, deterministic draws, --fixed, spread, sensitivity."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import SCENARIO_1965, base_1965_doc, minimal_doc, motivations
from typer.testing import CliRunner

from negsim.cli import app
from negsim.engine import run_batch
from negsim.judgements import draw_judgements, judgement_quantile, scenario_judgements
from negsim.scenario import ScenarioError, load_scenario, scenario_from_dict
from negsim.simulation import replicate, replication_seeds


def ranged(doc: dict, state: str, name: str, low: float, high: float, **extra) -> dict:
    value = doc["states"][state][name]
    value = value["value"] if isinstance(value, dict) else value
    doc["states"][state][name] = {"value": value, "range": [low, high], "source": "t", **extra}
    return doc


def problems_of(doc: dict) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, "case.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("low", "high", "value", "where", "words"),
    [
        (0.4, 1.2, 0.5, "states.A.audience_cost", "allowed: 0 to 1"),
        (0.6, 0.9, 0.5, "states.A.audience_cost", "must lie inside its range"),
        (0.7, 0.3, 0.5, "states.A.audience_cost", "low < high"),
    ],
)
def test_bad_ranges_name_field_and_allowed(low, high, value, where, words):
    doc = minimal_doc(a=motivations(audience_cost=value))
    found = problems_of(ranged(doc, "A", "audience_cost", low, high))
    assert any(f == where and words in m for f, m in found), found


def test_distribution_needs_a_range_and_a_known_name():
    doc = minimal_doc()
    doc["states"]["A"]["audience_cost"] = {"value": 0.5, "distribution": "beta", "source": "t"}
    assert any("needs a range" in m for _, m in problems_of(doc))
    found = problems_of(ranged(minimal_doc(), "A", "audience_cost", 0.3, 0.7, distribution="x"))
    assert any("uniform" in m and "triangular" in m for _, m in found), found


def test_ideal_ranges_may_not_meet_and_red_lines_take_points():
    doc = minimal_doc()
    issue = next(iter(doc["issues"]))
    ideal = doc["issues"][issue]["ideal"]
    a, b = (v["value"] if isinstance(v, dict) else v for v in ideal.values())
    mid = (a + b) / 2
    ideal["A"] = {"value": a, "range": sorted([a, mid + 0.01 * np.sign(b - a)]), "source": "t"}
    ideal["B"] = {"value": b, "range": sorted([b, mid]), "source": "t"}
    assert any("overlap" in m for f, m in problems_of(doc) if f == f"issues.{issue}.ideal")
    doc = minimal_doc()
    doc["issues"][issue]["red_line"] = {"A": {"value": mid, "range": [0.4, 0.6], "source": "t"}}
    found = problems_of(doc)
    assert any(f.endswith("red_line.A.range") and "point value" in m for f, m in found), found


def test_bad_range_on_the_command_line_exits_2(tmp_path):
    doc = ranged(base_1965_doc(), "JPN", "audience_cost", 0.2, 1.5)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "states.JPN.audience_cost" in result.output
    assert "allowed: 0 to 1" in result.output and "Traceback" not in result.output


def test_quantiles_follow_their_distributions():
    u = (np.arange(20_000) + 0.5) / 20_000
    tri = judgement_quantile("triangular", 0.2, 0.3, 0.8, u)
    assert tri.min() >= 0.2 and tri.max() <= 0.8
    assert abs(tri.mean() - (0.2 + 0.3 + 0.8) / 3) < 1e-3
    pert = judgement_quantile("beta", 0.2, 0.3, 0.8, u)
    assert abs(pert.mean() - (0.2 + 4 * 0.3 + 0.8) / 6) < 1e-3
    uni = judgement_quantile("uniform", 0.2, 0.3, 0.8, u)
    assert abs(uni.mean() - 0.5) < 1e-3
    at_end = judgement_quantile("triangular", 0.0, 0.0, 0.2, u)  # mode at the low end
    assert at_end.min() >= 0.0 and np.median(at_end) < 0.1


def test_draws_depend_on_the_seed_and_path_only():
    spec = load_scenario(SCENARIO_1965)
    judgements = scenario_judgements(spec)
    assert len(judgements) == 22  # 18 motivations, the two amount saliences, two driver scales
    seeds = replication_seeds(5, 300)
    whole = draw_judgements(judgements, seeds)
    parts = [draw_judgements(judgements, seeds[k : k + 70]) for k in range(0, 300, 70)]
    for path, column in whole.items():
        assert np.array_equal(column, np.concatenate([p[path] for p in parts]))
        j = next(j for j in judgements if j.path == path)
        assert column.min() >= j.low and column.max() <= j.high and column.std() > 0
    fewer = draw_judgements(judgements[3:], seeds)  # one judgement's draws ignore the others'
    assert all(np.array_equal(fewer[p], whole[p]) for p in fewer)
    other = draw_judgements(judgements, replication_seeds(6, 300))
    assert not np.array_equal(other[judgements[0].path], whole[judgements[0].path])
    # Two judgements are not drawn in lockstep.
    a, b = whole[judgements[0].path], whole[judgements[1].path]
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.2


def test_draw_changes_the_runs_and_fixed_is_the_point_values():
    spec = load_scenario(SCENARIO_1965)
    doc = base_1965_doc()

    def strip(node):  # every range: motivations, saliences, driver scales
        if isinstance(node, dict):
            node.pop("range", None)
            node.pop("distribution", None)
            for child in node.values():
                strip(child)
        elif isinstance(node, list):
            for child in node:
                strip(child)

    strip(doc)
    plain = scenario_from_dict(doc)
    assert not scenario_judgements(plain)
    seeds = replication_seeds(2, 60)
    fixed = run_batch(spec, seeds)
    same = run_batch(plain, seeds, draw=True)
    assert np.array_equal(fixed.agreement_step, same.agreement_step)
    drawn = run_batch(spec, seeds, draw=True)
    again = run_batch(spec, seeds, draw=True)
    assert np.array_equal(drawn.agreement_step, again.agreement_step)
    assert np.unique(drawn.agreement_step).size > np.unique(fixed.agreement_step).size
    assert set(drawn.judgements) == {j.path for j in scenario_judgements(spec)}
    # A value the caller fixes is not drawn.
    pinned = run_batch(spec, seeds, {"states.JPN.audience_cost": np.full(60, 0.5)}, draw=True)
    assert "states.JPN.audience_cost" not in pinned.judgements


def test_replicate_says_where_the_spread_comes_from():
    spec = load_scenario(SCENARIO_1965)
    summary = replicate(spec, 1, 100)
    assert summary["judgements"] == {"drawn": True, "count": len(scenario_judgements(spec))}
    spread = summary["spread"]["agreement_month"]
    assert 0.0 <= spread["from_judgements"] <= 1.0
    assert spread["from_judgements"] + spread["from_shocks"] == pytest.approx(1.0)
    assert spread["from_judgements"] > 0.5  # the ranges widen the dates far beyond the shocks
    fixed = replicate(spec, 1, 100, draw=False)
    assert "spread" not in fixed and fixed["judgements"]["drawn"] is False


def test_run_cli_reports_the_spread_and_fixed():
    runner = CliRunner()
    drawn = runner.invoke(app, ["run", "rok_japan_1951_1965", "-r", "50"])
    assert drawn.exit_code == 0, drawn.output
    assert "from the judgements" in drawn.output and "--fixed" in drawn.output
    fixed = runner.invoke(app, ["run", "rok_japan_1951_1965", "-r", "50", "--fixed"])
    assert fixed.exit_code == 0 and "held at their point values" in fixed.output


def test_sensitivity_finds_what_matters_and_what_cannot(tmp_path):
    from negsim.sensitivity import sobol_indices

    doc = minimal_doc(drive_sd=0.05)
    # economic need moves the drive; fear of exclusion meets no detente and no wave: inert.
    ranged(doc, "A", "economic_need", 0.0, 1.0)
    ranged(doc, "B", "economic_need", 0.0, 1.0)
    ranged(doc, "A", "fear_of_exclusion", 0.0, 1.0)
    result = sobol_indices(scenario_from_dict(doc), samples=64, shocks=4)
    month = result.indices["agreement_month"]["ST"]
    paths = [j.path for j in result.judgements]
    inert = paths.index("states.A.fear_of_exclusion")
    assert abs(month[inert]) < 0.02
    assert max(month[paths.index(f"states.{s}.economic_need")] for s in "AB") > 0.2
    out = tmp_path / "sens"
    result = CliRunner().invoke(
        app,
        [
            "sensitivity",
            "rok_japan_1951_1965",
            "--samples",
            "8",
            "--shocks",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "sensitivity.png").stat().st_size > 10_000
    assert "JPN.audience_cost" in result.output


def test_sensitivity_without_ranges_exits_2(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(minimal_doc()), encoding="utf-8")
    result = CliRunner().invoke(app, ["sensitivity", str(path)])
    assert result.exit_code == 2 and "need at least 2" in result.output
