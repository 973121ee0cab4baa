"""``negsim validate`` runs, its report is well-formed, a case that encodes its outcome is refused.

The score itself is not asserted: it is a measurement, recorded in docs/validation.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import invoke, minimal_doc, write_yaml

from negsim.catalog import shipped_cases, validation_dir
from negsim.validation import (
    BASELINE_NAMES,
    compromise_shares,
    direction_right,
    encoding_problems,
    load_answer_keys,
    totals,
)

TOTAL_KEYS = {"phases_right", "phases", "balanced_accuracy", "package_direction"}
PHASE_KEYS = {"case", "phase", "scenario", "scored", "history", "model", "verdict", "package"}


def case_doc(phase: str, **changes: Any) -> dict[str, Any]:
    """A case file for phase ``phase`` of the test case ``mini_case``: 2000-01 .. 2002-12 + 36."""
    doc = minimal_doc(pressure=[("2000-01", 0.2), ("2002-12", 1.0)], drive_sd=0.05)
    doc |= {"id": f"mini_case__{phase}", "title": f"Test case, {phase}", **changes}
    return doc


def key_doc() -> dict[str, Any]:
    """The answer key of ``mini_case``: p1 concluded in 2002, p2 had no talks."""
    return {
        "case": "mini_case",
        "title": "A test case",
        "reference": "tests: no reference",
        "phases": [
            {
                "scenario": "mini_case__p1",
                "phase": "p1",
                "talks_start": "2000-01-15",
                "until": "2002-12",
                "concluded": True,
                "year": 2002,
                "who_conceded": {"history": "B", "money": "compromise", "border": "shelved"},
                "source": "test",
            },
            {
                "scenario": "mini_case__p2",
                "phase": "p2",
                "talks_start": None,
                "until": "2002-12",
                "concluded": False,
                "year": None,
                "who_conceded": {},
                "source": "test",
            },
        ],
    }


def layout(root: Path, cases: dict[str, dict], key: dict | None = None) -> Path:
    """A folder laid out like the repository: scenarios/cases and experiments/validation."""
    (root / "scenarios" / "cases").mkdir(parents=True)
    (root / "experiments" / "validation").mkdir(parents=True)
    for name, doc in cases.items():
        write_yaml(root / "scenarios" / "cases" / f"{name}.yaml", doc)
    write_yaml(root / "experiments" / "validation" / "mini_case.yaml", key or key_doc())
    return root


@pytest.fixture
def mini_case(tmp_path, monkeypatch) -> Path:
    """The test case in a fresh folder, made the current directory (found before shipped ones)."""
    cases = {
        "mini_case__p1": case_doc("p1"),
        "mini_case__p2": case_doc("p2", talks_active_at_start=False),
    }
    monkeypatch.chdir(layout(tmp_path, cases))
    return tmp_path


def check_report(data: dict[str, Any]) -> None:
    """The keys the issue asks for, with values of the right kinds."""
    assert isinstance(data["phases"], list) and data["phases"]
    for p in data["phases"]:
        assert set(p) >= PHASE_KEYS
        assert p["verdict"] in ("HIT", "MISS", "not scored")
        assert (p["verdict"] == "not scored") == (not p["scored"])
        assert 0.0 <= p["model"]["p_agree_by_until"] <= p["model"]["p_agree"] <= 1.0
        for call in p["package"]:
            assert isinstance(call["right"], bool)
    t = data["totals"]
    assert set(t) >= TOTAL_KEYS
    assert set(t["baselines"]) == set(BASELINE_NAMES)
    for name, b in t["baselines"].items():
        assert set(b) >= TOTAL_KEYS, name
    scored = [p for p in data["phases"] if p["scored"]]
    assert t["phases"] == (len(scored) or None)
    assert t["phases_right"] == (sum(p["right"] for p in scored) if scored else None)
    # Always agreeing, or never, scores 0.5 by construction when both kinds of phase exist.
    for name in ("always agrees", "never agrees"):
        ba = t["baselines"][name]["balanced_accuracy"]
        assert ba is None or ba == pytest.approx(0.5)


def test_validate_on_a_test_case_prints_a_well_formed_report(mini_case, tmp_path):
    result = invoke("validate", "--json", "-r", "20", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_report(data)
    p1, p2 = data["phases"]
    assert p1["scored"] and not p2["scored"]
    assert [c["issue"] for c in p1["package"]] == ["history", "money", "border"]
    # Shelved is never right: today's model cannot set an issue aside.
    assert not p1["package"][2]["right"]
    assert data["totals"]["baselines"]["compromise model"]["package_issues"] == 3
    assert (tmp_path / "out" / "validation_years.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == data


def test_the_table_shows_every_phase_and_the_baselines(mini_case):
    result = invoke("validate", "-r", "10")
    assert result.exit_code == 0, result.output
    assert "mini_case p1" in result.output and "mini_case p2" in result.output
    assert "not scored" in result.output
    for name in BASELINE_NAMES:
        assert name in result.output


def test_same_seed_same_report(mini_case):
    a, b = (json.loads(invoke("validate", "--json", "-r", "8").stdout) for _ in range(2))
    assert a == b


ENCODED = {
    "moves": (
        lambda d: d.setdefault("events", []).append(
            {
                "date": "2001-05",
                "label": "the deal",
                "source": "x",
                "moves": [{"state": "B", "issue": "money", "share": 1.0}],
            }
        ),
        "events[0].moves",
    ),
    "historical_outcome": (
        lambda d: d.update(
            historical_outcome={"date": "2002-06", "label": "treaty", "concluded": True}
        ),
        "historical_outcome",
    ),
    "event_after_until": (
        lambda d: d.setdefault("events", []).append(
            {"date": "2003-02", "label": "later", "source": "x", "talks": "suspend"}
        ),
        "events[0].date",
    ),
    "driver_after_until": (
        lambda d: d["drivers"]["us_pressure"]["series"]["all"].append(
            {"date": "2004-01", "value": 1.0, "source": "x"}
        ),
        "drivers.us_pressure.series.all[2].date",
    ),
    "power_after_until": (
        lambda d: d.update(
            powers={
                "EU": {
                    "label": "European Union",
                    "pressure": {"series": {"all": [{"date": "2003-05", "value": 0.5}]}},
                    "dependence": {"A": 0.5, "B": 0.5},
                }
            }
        ),
        "powers.EU.pressure.series.all[0].date",
    ),
    "end_not_fixed": (lambda d: d.update(end="2003-06"), "end"),
    "start_not_talks": (lambda d: d.update(start="1999-06"), "start"),
}


@pytest.mark.parametrize("name", list(ENCODED))
def test_a_case_file_that_encodes_its_outcome_is_refused(tmp_path, monkeypatch, name):
    mutate, field = ENCODED[name]
    doc = case_doc("p1")
    mutate(doc)
    cases = {"mini_case__p1": doc, "mini_case__p2": case_doc("p2", talks_active_at_start=False)}
    monkeypatch.chdir(layout(tmp_path, cases))
    result = invoke("validate", "-r", "2")
    assert result.exit_code == 2, result.output
    assert "mini_case__p1.yaml" in result.output
    assert field in result.output


@pytest.mark.parametrize(
    ("mutate", "needles"),
    [
        (lambda k: k["phases"][0].update(year=None), ["phases[0]", "needs its year"]),
        (lambda k: k["phases"][0].update(concluded="maybe"), ["phases[0].concluded"]),
        (lambda k: k["phases"][0].pop("until"), ["phases[0].until", "required"]),
        (lambda k: k["phases"][0]["who_conceded"].update(oil="A"), ["who_conceded.oil"]),
        (lambda k: k["phases"][0]["who_conceded"].update(money="C"), ["'C' is not one of"]),
        (lambda k: k["phases"][1].update(scenario="other__p2"), ["phases[1].scenario"]),
    ],
)
def test_a_bad_answer_key_names_its_file_and_field(tmp_path, monkeypatch, mutate, needles):
    key = key_doc()
    mutate(key)
    cases = {
        "mini_case__p1": case_doc("p1"),
        "mini_case__p2": case_doc("p2", talks_active_at_start=False),
    }
    monkeypatch.chdir(layout(tmp_path, cases, key))
    result = invoke("validate", "-r", "2")
    assert result.exit_code == 2, result.output
    for needle in ["mini_case", *needles]:
        assert needle in result.output, result.output


def test_only_runs_the_named_case(mini_case):
    data = json.loads(invoke("validate", "--json", "-r", "4", "--only", "mini_case").stdout)
    assert {p["case"] for p in data["phases"]} == {"mini_case"}


def test_only_an_unknown_case_exits_2(mini_case):
    result = invoke("validate", "--only", "atlantis_1900")
    assert result.exit_code == 2
    assert "atlantis_1900" in result.output and "mini_case" in result.output


def test_direction_rules():
    assert direction_right("A", {"A": 0.7, "B": 0.3})
    assert not direction_right("B", {"A": 0.7, "B": 0.3})
    assert direction_right("compromise", {"A": 0.6, "B": 0.4})
    assert not direction_right("compromise", {"A": 0.9, "B": 0.1})
    assert not direction_right("shelved", {"A": 0.5, "B": 0.5})
    # a shelved issue is right only where the model's package shelved it too
    assert direction_right("shelved", {"A": 0.2, "B": 0.1}, shelved=True)
    assert not direction_right("A", {"A": 0.7, "B": 0.3}, shelved=True)


def test_compromise_model_the_side_that_cares_less_concedes_more(mini):
    shares = compromise_shares(mini)
    # money: A's salience 0.5, B's 0.3, so A concedes 0.3 / 0.8 of the gap.
    assert shares["A"]["money"] == pytest.approx(0.375)
    assert shares["B"]["money"] == pytest.approx(0.625)


def test_balanced_accuracy_is_the_mean_of_the_two_hit_rates():
    t = totals([(True, True), (True, False), (False, True), (False, True)], [True, False])
    assert t["phases_right"] == 3 and t["phases"] == 4
    assert t["balanced_accuracy"] == pytest.approx(0.75)
    assert t["package_direction"] == pytest.approx(0.5)


# --- the shipped cases -----------------------------------------------------------------------


def test_shipped_case_files_encode_no_outcome():
    folder = validation_dir()
    if folder is None or not shipped_cases():
        pytest.skip("no cases shipped yet")
    from negsim.catalog import find_scenario
    from negsim.validation import load_cases

    keys = load_answer_keys(folder)
    for path in shipped_cases():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "historical_outcome" not in doc, path
        assert not any(e.get("moves") for e in doc.get("events", [])), path
    cases = load_cases(keys, folder, find_scenario)  # raises on any guard problem
    keyed = {c.key.scenario for c in cases}
    assert {p.stem for p in shipped_cases()} <= keyed, "a case file has no answer-key row"
    for case in cases:
        assert not encoding_problems(case.scenario, case.key)


def test_validate_runs_on_the_shipped_cases():
    if validation_dir() is None:
        pytest.skip("no answer keys shipped yet")
    result = invoke("validate", "--json", "-r", "10")
    assert result.exit_code == 0, result.output
    check_report(json.loads(result.stdout))


def test_list_shows_cases_apart_from_scenarios(mini_case):
    result = invoke("list")
    assert result.exit_code == 0
    scenarios, _, cases = result.output.partition("Validation cases")
    assert "rok_japan_1951_1965" in scenarios
    assert "mini_case__p1" in cases and "mini_case__p1" not in scenarios


def test_a_case_is_found_by_name(mini_case):
    result = invoke("check", "mini_case__p1")
    assert result.exit_code == 0, result.output
    doc = copy.deepcopy(case_doc("p1"))
    assert doc["id"] in result.output
