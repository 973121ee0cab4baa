"""Scenario schema, safe YAML loading, dotted override paths: each bad input names its field."""

from __future__ import annotations

import copy
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIO_1965, base_1965_doc, billion_laughs, minimal_doc, validate, write_yaml

from negsim import ScenarioError, apply_overrides, load_scenario, run_batch, valid_paths
from negsim.dynamics import DRIVER_NAMES, MOTIVATION_NAMES
from negsim.parameters import (
    ParameterPathError,
    check_value,
    parse_assignment,
    resolve_path,
)
from negsim.scenario import (
    MAX_FILE_BYTES,
    month_range,
    parse_yaml,
    read_yaml,
    scenario_from_dict,
    unsourced_values,
)

TOP_LEVEL_FIELDS = {
    "id",
    "title",
    "description",
    "start",
    "end",
    "talks_active_at_start",
    "states",
    "issues",
    "drivers",
    "events",
    "shocks",
    "historical_outcome",
    "sources",
}


def problems_of(doc) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, "bad.yaml")
    err = info.value
    assert err.problems, "a ScenarioError must carry at least one problem"
    assert str(err) == err.render()
    assert all(line.startswith("bad.yaml: ") for line in err.render().splitlines())
    return err.problems


def assert_problem(doc, field: str, *words: str) -> None:
    """The rendered error has a line ``bad.yaml: <field>: ...`` holding every word."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, "bad.yaml")
    lines = info.value.render().splitlines()
    matching = [line for line in lines if line.startswith(f"bad.yaml: {field}: ")]
    assert matching, f"no line for {field!r}: {lines}"
    for w in words:
        assert any(w in line for line in matching), f"{w!r} not in {matching}"


# --- valid documents -----------------------------------------------------------------------


def test_shipped_scenario_is_valid(scenario_1965):
    assert scenario_1965.state_ids == ["ROK", "JPN"]
    assert scenario_1965.issue_ids == ["sovereignty", "treaty_validity", "money_name", "amount"]
    assert scenario_1965.months == (1970 - 1951) * 12 + 3
    months = month_range(scenario_1965)
    assert months[0] == "1951-10" and months[-1] == "1970-12"
    assert len(months) == scenario_1965.months


def test_minimal_scenario_is_valid_and_bare_numbers_are_flagged(mini):
    assert mini.states["A"].economic_need.value == 0.5
    flagged = unsourced_values(mini)
    assert "states.A.economic_need" in flagged
    assert "issues.money.salience.B" in flagged
    assert "drivers.us_pressure.series.all[0]" in flagged
    assert mini.drivers["us_pressure"].scale.value == 1.0  # default scale


def test_yaml_dates_as_date_objects_are_accepted():
    doc = minimal_doc()
    doc["start"] = dt.date(2000, 1, 1)
    doc["drivers"]["us_pressure"]["hold_from"] = dt.date(2003, 6, 15)
    s = validate(doc)
    assert s.start == "2000-01-01"
    result = run_batch(s, np.array([0]), record=True)
    assert result.gap_trace.shape[1] >= 1


# --- one bad field each ---------------------------------------------------------------------


def test_missing_required_field():
    doc = base_1965_doc()
    del doc["issues"]
    assert_problem(doc, "issues", "required field is missing")


def test_unknown_key_is_named():
    doc = base_1965_doc()
    doc["states"]["ROK"]["economic_ned"] = 0.3
    assert_problem(doc, "states.ROK.economic_ned", "unknown field")


def test_value_out_of_range():
    doc = base_1965_doc()
    doc["states"]["ROK"]["audience_cost"] = 1.5
    problems = problems_of(doc)
    assert any(
        f.startswith("states.ROK.audience_cost") and "between 0 and 1" in m for f, m in problems
    )


@pytest.mark.parametrize("bad", [True, "high", None, float("nan"), float("inf"), [0.3]])
def test_motivation_must_be_a_finite_number(bad):
    doc = minimal_doc()
    doc["states"]["A"]["audience_cost"] = bad
    assert any(f.startswith("states.A.audience_cost") for f, _ in problems_of(doc))


def test_event_date_outside_run():
    doc = base_1965_doc()
    doc["events"][3]["date"] = "1975-01"
    assert_problem(doc, "events[3].date", "outside the run", "1951-10", "1970-12")


@pytest.mark.parametrize("field", ["positions", "ideal", "salience"])
def test_issue_without_entry_for_a_state(field):
    doc = base_1965_doc()
    del doc["issues"]["amount"][field]["JPN"]
    assert_problem(doc, f"issues.amount.{field}", "JPN")


def test_issue_entry_for_unknown_state():
    doc = minimal_doc()
    doc["issues"]["money"]["ideal"]["C"] = 0.5
    assert_problem(doc, "issues.money.ideal.C", "unknown state")


def test_saliences_must_sum_to_one():
    doc = base_1965_doc()
    current = doc["issues"]["amount"]["salience"]["ROK"]["value"]
    doc["issues"]["amount"]["salience"]["ROK"] = current + 0.05
    assert_problem(doc, "issues.*.salience.ROK", "sum to 1", "1.0500")


def test_coinciding_ideals_are_refused():
    doc = minimal_doc()
    doc["issues"]["money"]["ideal"] = {"A": 0.4, "B": 0.4}
    assert_problem(doc, "issues.money.ideal", "coincide")


@pytest.mark.parametrize("count", [1, 3])
def test_exactly_two_states(count):
    doc = minimal_doc()
    if count == 1:
        del doc["states"]["B"]
    else:
        doc["states"]["C"] = copy.deepcopy(doc["states"]["A"])
    assert_problem(doc, "states", "exactly 2 states")


def test_end_must_follow_start():
    doc = minimal_doc()
    doc["end"] = "1999-12"
    assert_problem(doc, "end", "after start")


def test_runs_are_at_most_200_years():
    doc = minimal_doc()
    doc["end"] = "2300-01"
    assert_problem(doc, "end", "200 years")


@pytest.mark.parametrize(
    ("date", "word"),
    [("1965-13", "months run"), ("1965-02-30", "day"), ("June 1965", "not a date"), (1965, "")],
)
def test_bad_dates(date, word):
    doc = minimal_doc()
    doc["start"] = date
    problems = problems_of(doc)
    assert any(f == "start" and word in m for f, m in problems), problems


def test_driver_target_must_be_a_state_or_all():
    doc = minimal_doc()
    doc["drivers"]["us_pressure"]["series"]["C"] = [{"date": "2000-01", "value": 0.5}]
    assert_problem(doc, "drivers.us_pressure.series.C", "'all' or one of A, B")


def test_driver_all_and_per_state_series_are_exclusive():
    doc = minimal_doc()
    doc["drivers"]["us_pressure"]["series"]["A"] = [{"date": "2000-01", "value": 0.5}]
    assert_problem(doc, "drivers.us_pressure.series", "not both")


def test_driver_series_dates_in_order_and_not_empty():
    doc = minimal_doc()
    doc["drivers"]["us_pressure"]["series"]["all"].reverse()
    assert any("in order" in m for _, m in problems_of(doc))
    doc["drivers"]["us_pressure"]["series"]["all"] = []
    assert any("no points" in m for _, m in problems_of(doc))


def test_driver_level_range():
    doc = minimal_doc()
    doc["drivers"]["us_pressure"]["series"]["all"][0]["value"] = 3.5
    problems = problems_of(doc)
    assert any(f.startswith("drivers.us_pressure.series.all[0].value") for f, _ in problems)


@pytest.mark.parametrize(
    "change",
    [
        {"path": "states.A.audience_cost"},
        {"path": "states.A.audience_cost", "set": 0.5, "add": 0.1},
        {"path": "states.A.audience_cost", "set": float("nan")},
    ],
)
def test_event_change_needs_one_finite_operation(change):
    doc = minimal_doc()
    doc["events"] = [{"date": "2001-01", "label": "x", "source": "test", "changes": [change]}]
    assert any(f.startswith("events[0].changes[0]") for f, _ in problems_of(doc))


@pytest.mark.parametrize("path", ["states.A.nope", "drivers.foo.scale", "issues.money.opening.A"])
def test_event_change_path_must_be_an_event_path(path):
    doc = minimal_doc()
    doc["events"] = [
        {"date": "2001-01", "label": "x", "source": "t", "changes": [{"path": path, "add": 0.1}]}
    ]
    problems = problems_of(doc)
    assert any(
        f == "events[0].changes[0].path" and "unknown parameter path" in m for f, m in problems
    ), problems


@pytest.mark.parametrize("path", ["shocks.drive_sd", "drivers.us_pressure.hold_from"])
def test_set_only_path_in_an_event_says_so(path):
    doc = minimal_doc()
    doc["events"] = [
        {"date": "2001-01", "label": "x", "source": "t", "changes": [{"path": path, "add": 0.1}]}
    ]
    problems = problems_of(doc)
    assert any(
        f == "events[0].changes[0].path" and "can be set with --set" in m and "an event cannot" in m
        for f, m in problems
    ), problems


def test_event_talks_value_and_move_share_checked():
    doc = minimal_doc()
    doc["events"] = [{"date": "2001-01", "label": "x", "source": "t", "talks": "pause"}]
    assert any(f == "events[0].talks" for f, _ in problems_of(doc))
    doc["events"] = [
        {
            "date": "2001-01",
            "label": "x",
            "source": "t",
            "moves": [{"state": "A", "issue": "money", "share": 1.5}],
        }
    ]
    assert any(f == "events[0].moves[0].share" for f, _ in problems_of(doc))


def test_event_move_unknown_issue_is_named():
    doc = minimal_doc()
    doc["events"] = [
        {
            "date": "2001-01",
            "label": "x",
            "source": "t",
            "moves": [{"state": "A", "issue": "oil", "share": 0.5}],
        }
    ]
    problems = problems_of(doc)
    assert any(f == "events[0].moves[0].issue" for f, _ in problems), problems


def test_historical_outcome_before_start():
    doc = minimal_doc()
    doc["historical_outcome"] = {"date": "1999-01", "label": "x", "concluded": True}
    assert_problem(doc, "historical_outcome.date", "before the run")


def test_identifiers_are_checked():
    doc = minimal_doc()
    doc["id"] = "has space"
    assert any(f == "id" for f, _ in problems_of(doc))


def test_not_a_document_at_all():
    for bad in (None, [], "text", 42):
        with pytest.raises(ScenarioError):
            scenario_from_dict(bad, "bad.yaml")


# --- bugs found while writing these tests --------------------------------------------------


@pytest.mark.parametrize(
    "case", ["unknown_driver", "unknown_move_state", "unknown_event_path", "single_problem"]
)
def test_every_problem_names_a_real_field(case):
    doc = minimal_doc()
    if case == "single_problem":
        # one consistency problem alone comes back with an empty field and the path in the text
        doc["end"] = "1999-12"
    elif case == "unknown_driver":
        doc["drivers"]["oil_price"] = copy.deepcopy(doc["drivers"]["us_pressure"])
    elif case == "unknown_move_state":
        doc["events"] = [
            {
                "date": "2001-01",
                "label": "x",
                "source": "t",
                "moves": [{"state": "C", "issue": "money", "share": 0.5}],
            }
        ]
    else:
        doc["events"] = [
            {
                "date": "2001-01",
                "label": "x",
                "source": "t",
                "changes": [{"path": "states.A.nope", "add": 0.1}],
            }
        ]
    problems = problems_of(doc)
    for field, message in problems:
        head = field.split(".")[0].split("[")[0]
        assert head in TOP_LEVEL_FIELDS, f"bogus or empty field {field!r} in {problems}"
        assert message.strip(), f"empty message for {field!r}"


def test_hold_from_timestamp_is_read_as_its_month(tmp_path):
    """A YAML timestamp in hold_from is read as its date, and holds from that month."""

    def with_hold(value: str) -> Path:
        text = SCENARIO_1965.read_text(encoding="utf-8").replace(
            "  us_pressure:\n    scale:", f"  us_pressure:\n    hold_from: {value}\n    scale:"
        )
        assert f"hold_from: {value}" in text
        path = tmp_path / f"hold_{len(value)}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    stamped = load_scenario(with_hold("1963-12-01 10:00:00"))
    assert stamped.drivers["us_pressure"].hold_from == "1963-12-01"
    month = load_scenario(with_hold("1963-12"))
    free = load_scenario(SCENARIO_1965)
    seeds = np.array([0])
    held = run_batch(stamped, seeds, record=True).gap_trace
    np.testing.assert_array_equal(held, run_batch(month, seeds, record=True).gap_trace)
    assert not np.array_equal(held, run_batch(free, seeds, record=True).gap_trace)  # it acts


def test_start_timestamp_is_read_as_its_date():
    doc = minimal_doc()
    doc["start"] = dt.datetime(2000, 1, 1, 10, 0)
    assert validate(doc).start == "2000-01-01"


# --- YAML safety -----------------------------------------------------------------------------


def test_alias_bomb_is_refused_quickly(tmp_path):
    text = billion_laughs()
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "bomb.yaml")
    assert time.perf_counter() - t0 < 1.0
    assert "alias" in str(info.value).lower()
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert time.perf_counter() - t0 < 1.0


def test_single_alias_is_refused():
    with pytest.raises(ScenarioError, match="aliases"):
        parse_yaml("a: &x 1\nb: *x\n", "alias.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "id: x\ntitle: [unclosed\n",
        "a: !!python/object/apply:os.system ['echo pwned']\n",
        "- just\n- a list\n",
        "",
        "a: 1\n---\nb: 2\n",
        "x: " + "[" * 3000,
        "\t- tab",
    ],
)
def test_bad_yaml_text_gives_scenario_error(text):
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "t.yaml")
    assert str(info.value).startswith("t.yaml: ")


def test_malformed_yaml_names_line():
    with pytest.raises(ScenarioError) as info:
        parse_yaml("id: x\ntitle: [unclosed\n", "t.yaml")
    assert "line 3" in str(info.value)
    assert "malformed YAML" in str(info.value)


def test_read_yaml_refuses_huge_missing_and_binary_files(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (MAX_FILE_BYTES + 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match="at most"):
        read_yaml(big)
    with pytest.raises(ScenarioError, match="cannot read"):
        read_yaml(tmp_path / "missing.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError, match="UTF-8"):
        read_yaml(binary)


def test_roundtrip_through_yaml_file(tmp_path):
    path = write_yaml(tmp_path / "mini.yaml", minimal_doc())
    s = load_scenario(path)
    assert s.id == "mini"
    assert s == validate(minimal_doc())


# --- dotted parameter paths and overrides ---------------------------------------------------


def test_valid_paths_cover_every_parameter(mini):
    paths = valid_paths(mini)
    assert len(paths) == len(set(paths))
    for sid in ("A", "B"):
        for m in MOTIVATION_NAMES:
            assert f"states.{sid}.{m}" in paths
        for iid in mini.issues:
            assert f"issues.{iid}.salience.{sid}" in paths
            assert f"issues.{iid}.ideal.{sid}" in paths
    for d in DRIVER_NAMES:  # the drivers the scenario has: the others would change nothing
        assert (f"drivers.{d}.scale" in paths) == (d in mini.drivers)
        assert (f"drivers.{d}.hold_from" in paths) == (d in mini.drivers)
    assert "shocks.drive_sd" in paths
    event_paths = valid_paths(mini, for_event=True)
    assert set(event_paths) < set(paths)
    assert not any(p.endswith("hold_from") for p in event_paths)
    assert any(".ideal." in p for p in event_paths)  # a new government's new position


def test_unknown_path_lists_nearest(scenario_1965):
    with pytest.raises(ParameterPathError) as info:
        resolve_path(scenario_1965, "states.JPN.audience_cot")
    assert "states.JPN.audience_cost" in str(info.value)
    with pytest.raises(ParameterPathError, match="nearest valid"):
        resolve_path(scenario_1965, "zzzz")


@pytest.mark.parametrize(
    ("path", "value", "ok"),
    [
        ("states.JPN.audience_cost", 0.7, True),
        ("states.JPN.audience_cost", 1.5, False),
        ("states.JPN.audience_cost", -0.1, False),
        ("states.JPN.audience_cost", True, False),
        ("states.JPN.audience_cost", "high", False),
        ("states.JPN.audience_cost", float("nan"), False),
        ("drivers.us_pressure.scale", 9.0, True),
        ("drivers.us_pressure.scale", 25.0, False),
        ("drivers.us_pressure.scale", -1.0, False),
        ("drivers.us_pressure.hold_from", "1963-12", True),
        ("drivers.us_pressure.hold_from", "1963-13", False),
        ("drivers.us_pressure.hold_from", None, True),
        ("shocks.drive_sd", 0.0, True),
    ],
)
def test_check_value(scenario_1965, path, value, ok):
    ref = resolve_path(scenario_1965, path)
    if ok:
        check_value(ref, value)
    else:
        with pytest.raises(ParameterPathError, match=path.replace(".", r"\.")):
            check_value(ref, value)


def test_parse_assignment():
    assert parse_assignment("states.JPN.audience_cost=0.7") == ("states.JPN.audience_cost", 0.7)
    assert parse_assignment(" drivers.x.hold_from = 1963-12") == ("drivers.x.hold_from", "1963-12")
    assert parse_assignment("a=") == ("a", None)
    for bad in ("states.JPN.audience_cost", "=0.5"):
        with pytest.raises(ParameterPathError, match="PATH=VALUE"):
            parse_assignment(bad)


def test_apply_overrides_returns_a_copy_and_keeps_sources():
    doc = base_1965_doc()
    before = copy.deepcopy(doc)
    out = apply_overrides(doc, {"states.JPN.audience_cost": 0.9}, "f.yaml")
    assert doc == before
    assert out["states"]["JPN"]["audience_cost"]["value"] == 0.9
    assert "override" in out["states"]["JPN"]["audience_cost"]["source"]
    s = scenario_from_dict(out)
    assert s.states["JPN"].audience_cost.value == 0.9


def test_apply_overrides_collects_every_bad_override():
    with pytest.raises(ScenarioError) as info:
        apply_overrides(
            base_1965_doc(),
            ["states.JPN.audience_cost=1.5", "states.XX.audience_cost=0.1", "nonsense"],
            "f.yaml",
        )
    assert len(info.value.problems) == 3
    assert all(f == "--set" for f, _ in info.value.problems)


def test_apply_overrides_reports_file_problems_first():
    doc = base_1965_doc()
    doc["states"]["ROK"]["economic_ned"] = 0.1
    with pytest.raises(ScenarioError) as info:
        apply_overrides(doc, ["states.JPN.audience_cost=0.5"], "f.yaml")
    assert info.value.problems[0][0] == "states.ROK.economic_ned"


def test_salience_override_with_bare_numbers_and_extremes():
    doc = minimal_doc()
    out = apply_overrides(doc, ["issues.money.salience.A=1"], "m.yaml")
    s = scenario_from_dict(out)
    assert s.issues["money"].salience["A"].value == 1.0
    assert s.issues["history"].salience["A"].value == 0.0
    # the others had no weight left: they share what is freed equally, keeping the sum at 1
    lowered = scenario_from_dict(apply_overrides(out, ["issues.money.salience.A=0.5"], "m.yaml"))
    rest = [i.salience["A"].value for k, i in lowered.issues.items() if k != "money"]
    assert lowered.issues["money"].salience["A"].value == 0.5
    assert rest == pytest.approx([0.5 / len(rest)] * len(rest))


def test_override_of_a_driver_the_scenario_lacks_is_an_error():
    with pytest.raises(ScenarioError, match=r"no detente driver \(it has: us_pressure\), so this"):
        apply_overrides(minimal_doc(), ["drivers.detente.scale=2"], "m.yaml")


def test_the_same_override_path_twice_is_an_error():
    with pytest.raises(ScenarioError, match=r"states\.A\.audience_cost: given twice"):
        apply_overrides(
            minimal_doc(), ["states.A.audience_cost=0.2", "states.A.audience_cost=0.3"], "m"
        )


def test_ideal_override_moves_initial_demand():
    s = scenario_from_dict(apply_overrides(minimal_doc(), ["issues.money.ideal.A=0.2"], "m"))
    assert s.issues["money"].ideal["A"].value == 0.2
    result = run_batch(
        validate(minimal_doc()), np.array([0, 0]), values={"issues.money.ideal.A": [0.0, 0.2]}
    )
    assert result.concession_share.shape == (2, 2, 3)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"path": "states.A.audience_cost", "set": 5.0}, "out of range"),
        ({"path": "states.A.audience_cost", "add": 5.0}, "past its whole range"),
        ({"path": "states.B.leader_autonomy", "multiply": -1e300}, "factor must be between 0"),
        ({"path": "drivers.us_pressure.scale", "multiply": 11.0}, "factor must be between 0"),
    ],
)
def test_an_event_change_outside_the_fields_range_is_an_error(change, needle):
    doc = minimal_doc()
    doc["events"] = [{"date": "2000-03", "label": "e", "source": "t", "changes": [change]}]
    with pytest.raises(ScenarioError, match=needle) as caught:
        validate(doc)
    assert caught.value.problems[0][0].startswith("events[0].changes[0].")


@pytest.mark.parametrize(
    ("mutate", "field", "needle"),
    [
        (lambda d: d["issues"]["money"].update(units={"label": "x", "at_0": float("nan"),
                                                      "at_1": 1.0}), "at_0", "finite"),
        (lambda d: d["issues"]["money"].update(units={"label": "x", "at_0": 0.0,
                                                      "at_1": float("inf")}), "at_1", "finite"),
        (lambda d: d["drivers"]["us_pressure"]["series"]["all"][0].update(value=float("nan")),
         "value", "finite"),
        (lambda d: d.update(historical_outcome={"date": "2900-01", "label": "x",
                                                "concluded": True}), "historical_outcome.date",
         "after the run's end"),
        (lambda d: d["drivers"]["us_pressure"].update(hold_from="1990-01"), "hold_from",
         "outside the run"),
        (lambda d: d["states"].update(all=d["states"].pop("B")), "states", "reserved"),
    ],
)  # fmt: skip
def test_values_once_accepted_silently_are_errors(mutate, field, needle):
    doc = minimal_doc()
    mutate(doc)
    with pytest.raises(ScenarioError) as caught:
        validate(doc)
    assert any(field in f and needle in m for f, m in caught.value.problems), caught.value.problems
