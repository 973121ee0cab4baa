"""The command line: bad input exits 2 with a message naming file and field; runs write results."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    SCENARIO_1965,
    SCENARIO_NAME,
    base_1965_doc,
    billion_laughs,
    invoke,
    minimal_doc,
    write_yaml,
)
from typer.testing import CliRunner

from negsim.cli import app

runner = CliRunner()
NEGSIM = Path(sys.executable).with_name("negsim")


def assert_bad_input(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, f"{needle!r} not in {result.output!r}"


# --- bad input, one case each --------------------------------------------------------------


def _mutated(mutate) -> dict:
    doc = base_1965_doc()
    mutate(doc)
    return doc


def _del(path: list[str]):
    def go(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return go


def _set(path: list, value):
    def go(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return go


BAD_FILES = {
    "missing_field": (_del(["issues"]), ["issues", "required field is missing"]),
    "unknown_key": (
        _set(["states", "ROK", "economic_ned"], 0.4),
        ["states.ROK.economic_ned", "unknown field"],
    ),
    "out_of_range": (
        _set(["states", "ROK", "audience_cost"], 1.5),
        ["states.ROK.audience_cost", "between 0 and 1", "1.5"],
    ),
    "event_outside_run": (
        _set(["events", 0, "date"], "1980-01"),
        ["events[0].date", "outside the run"],
    ),
    "no_position": (_del(["issues", "amount", "positions", "JPN"]), ["issues.amount.positions"]),
    "no_ideal": (_del(["issues", "sovereignty", "ideal", "ROK"]), ["issues.sovereignty.ideal"]),
    "no_salience": (_del(["issues", "amount", "salience", "ROK"]), ["issues.amount.salience"]),
    "saliences_sum": (
        _set(["issues", "amount", "salience", "ROK"], 0.3),
        ["issues.*.salience.ROK", "sum to 1"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_exits_2(tmp_path, case):
    mutate, needles = BAD_FILES[case]
    path = write_yaml(tmp_path / f"{case}.yaml", _mutated(mutate))
    for command in ("check", "run"):
        result = invoke(command, str(path))
        assert_bad_input(result, str(path), *needles)
        assert result.output.startswith("error: ")


@pytest.mark.parametrize(
    ("case", "text", "needles"),
    [
        ("malformed", "id: x\ntitle: [unclosed\nstart: '1951-10'\n", ["malformed YAML", "line"]),
        ("alias", "id: &x abc\ntitle: *x\n", ["aliases", "line 2"]),
        ("not_mapping", "- a\n- b\n", ["mapping"]),
    ],
)
def test_bad_yaml_text_exits_2(tmp_path, case, text, needles):
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    assert_bad_input(invoke("check", str(path)), str(path), *needles)


def test_alias_bomb_exits_2_quickly(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    assert_bad_input(invoke("run", str(path)), str(path), "aliases")


def test_missing_file_exits_2(tmp_path):
    path = tmp_path / "nope.yaml"
    assert_bad_input(invoke("check", str(path)), str(path), "cannot read")


def test_unknown_set_path_lists_nearest():
    result = invoke("run", SCENARIO_NAME, "--set", "states.JPN.audience_cot=0.5")
    assert_bad_input(
        result, str(SCENARIO_1965.name), "--set", "states.JPN.audience_cot", "nearest valid"
    )
    assert "states.JPN.audience_cost" in result.output


@pytest.mark.parametrize(
    ("assignment", "needles"),
    [
        ("states.JPN.audience_cost=1.5", ["states.JPN.audience_cost", "out of range"]),
        ("drivers.us_pressure.scale=-1", ["drivers.us_pressure.scale", "out of range"]),
        ("states.JPN.audience_cost=high", ["states.JPN.audience_cost", "must be a number"]),
        ("drivers.us_pressure.hold_from=1963-14", ["drivers.us_pressure.hold_from", "month"]),
        ("states.JPN.audience_cost", ["PATH=VALUE"]),
    ],
)
def test_bad_set_value_exits_2(assignment, needles):
    result = invoke("run", SCENARIO_NAME, "--set", assignment)
    assert_bad_input(result, SCENARIO_1965.name, "--set", *needles)


@pytest.mark.parametrize("until", ["1940-01", "1965-13", "soon"])
def test_bad_until_exits_2(until):
    assert_bad_input(invoke("run", SCENARIO_NAME, "--until", until), "--until", until)


def test_real_entry_point_exits_2_without_traceback(tmp_path):
    path = write_yaml(tmp_path / "bad.yaml", _mutated(_set(["states", "ROK", "audience_cost"], 2)))
    proc = subprocess.run(
        [str(NEGSIM), "check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert str(path) in proc.stderr
    assert "states.ROK.audience_cost" in proc.stderr


# --- check and list ----------------------------------------------------------------------------


def test_check_shipped_scenario_exits_0():
    result = invoke("check", SCENARIO_NAME)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "1951-10 .. 1970-12" in result.output


def test_check_reports_unsourced_values(tmp_path):
    path = write_yaml(tmp_path / "mini.yaml", minimal_doc())
    result = invoke("check", str(path))
    assert result.exit_code == 0, result.output
    assert "carry no source" in result.output
    assert "states.A.economic_need" in result.output


def test_list_lists_shipped_scenario():
    result = invoke("list")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith(SCENARIO_NAME))
    assert "1951-10..1970-12" in line
    assert "INVALID" not in line


# --- run ---------------------------------------------------------------------------------------


def test_run_json_and_output_files(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", SCENARIO_NAME, "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    for key in ("scenario", "agreement", "agreement_date", "package", "concession_share"):
        assert key in summary
    assert "final_gap" in summary
    assert "agreement_probability" not in summary
    assert summary["scenario"] == SCENARIO_NAME
    assert summary["agreement"] is True
    assert re.fullmatch(r"\d{4}-\d{2}", summary["agreement_date"])
    assert set(summary["package"]) == {"sovereignty", "treaty_validity", "money_name", "amount"}
    for item in summary["package"].values():
        assert 0.0 <= item["point"] <= 1.0
    assert 70 < summary["package"]["amount"]["value"] < 800
    assert set(summary["concession_share"]) == {"ROK", "JPN"}

    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written["agreement_date"] == summary["agreement_date"]
    series = pd.read_parquet(out / "timeseries.parquet")
    assert "date" in series.columns
    gaps = [c for c in series.columns if c.startswith("gap_")]
    assert len(gaps) == 4
    assert series["date"].iloc[0] == "1951-10"
    assert series["date"].iloc[-1] == summary["agreement_date"]
    png = (out / "convergence.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 20_000
    assert not list(out.glob(".*.tmp"))


def test_run_replications_adds_agreement_probability(tmp_path):
    result = invoke("run", SCENARIO_NAME, "--replications", "20", "--json", "--seed", "3")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["replications"] == 20
    assert 0.0 <= summary["agreement_probability"] <= 1.0
    assert summary["agreement_probability"] == 1.0
    assert summary["master_seed"] == 3
    for key in ("scenario", "agreement", "agreement_date", "package", "concession_share"):
        assert key in summary


def test_run_without_us_pressure_has_null_date():
    result = invoke("run", SCENARIO_NAME, "--set", "drivers.us_pressure.scale=0", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["agreement"] is False
    assert summary["agreement_date"] is None
    assert summary["package"] is None
    assert all(g > 0.05 for g in summary["final_gap"].values())


def test_run_same_seed_same_json():
    first = invoke("run", SCENARIO_NAME, "--json", "--seed", "9")
    second = invoke("run", SCENARIO_NAME, "--json", "--seed", "9")
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output


def test_run_text_output():
    result = invoke("run", SCENARIO_NAME)
    assert result.exit_code == 0, result.output
    assert "Agreement: yes" in result.output
    assert "Concession share" in result.output
    result = invoke("run", SCENARIO_NAME, "--until", "1955-01")
    assert result.exit_code == 0, result.output
    assert "Agreement: no" in result.output


def test_run_salience_override_via_cli():
    result = invoke("run", SCENARIO_NAME, "--set", "issues.amount.salience.ROK=0.4", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scenario"] == SCENARIO_NAME


def test_valid_scenario_never_crashes_run(tmp_path):
    doc = minimal_doc(pressure=[("0000-01", 0.2), ("0005-12", 1.0)])
    doc["start"], doc["end"] = "0000-01", "0005-12"
    path = write_yaml(tmp_path / "year0.yaml", doc)
    check = runner.invoke(app, ["check", str(path)])
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    if check.exit_code == 0:
        assert result.exit_code == 0, repr(result.exception)
    else:
        assert result.exit_code == 2


def test_the_printed_seed_is_the_one_to_pass_back():
    first = invoke("run", SCENARIO_NAME, "--seed", "7")
    (printed,) = re.findall(r"--seed (\d+)\)", first.output)
    assert printed == "7"
    again = invoke("run", SCENARIO_NAME, "--seed", printed)
    assert again.output == first.output
    other = invoke("run", SCENARIO_NAME, "--seed", "8")
    assert "--seed 8)" in other.output


def test_an_unknown_scenario_name_suggests_the_nearest_shipped_ones():
    assert_bad_input(
        invoke("run", "rok_japan_1965"),
        "rok_japan_1965: no such file and no shipped scenario of that name",
        "did you mean rok_japan_1951_1965",
    )


def test_the_python_api_takes_a_shipped_name_as_the_cli_does():
    import negsim

    by_name = negsim.load_scenario(SCENARIO_NAME, {"drivers.us_pressure.scale": 0.5})
    by_path = negsim.load_scenario(SCENARIO_1965, {"drivers.us_pressure.scale": 0.5})
    assert by_name == by_path
    with pytest.raises(negsim.ScenarioError, match="did you mean rok_japan_1951_1965"):
        negsim.load_scenario("rok_japan_1951")


def test_concession_shares_add_up_where_demands_crossed_and_one_mean_summarizes_them():
    import numpy as np

    from negsim.outcome import concession_shares

    # Demands that crossed (a summit move can carry one past the other) are read at the
    # point between them, so the two shares add up to 1 there; elsewhere they are their own.
    ideal = np.array([[0.0, 0.0], [1.0, 1.0]])
    demand = np.array([[0.7, 0.2], [0.5, 0.9]])  # crossed on the first issue only
    out = concession_shares(ideal, demand)
    assert out[0, 0] + out[1, 0] == pytest.approx(1.0)
    np.testing.assert_allclose(out[:, 1], [0.2, 0.1])
    summary = json.loads(invoke("run", "dprk_japan_future_opening", "--json").output)
    assert not summary["agreement"]
    shares, (a, b) = summary["concession_share"], list(summary["concession_share"])
    for iid in shares[a]:
        assert shares[a][iid] + shares[b][iid] <= 1.0 + 1e-9, iid
    for sid in (a, b):
        mean = sum(shares[sid].values()) / len(shares[sid])
        assert summary["mean_concession"][sid] == pytest.approx(mean)
    assert "total_concession" not in summary


def test_shares_never_print_as_minus_zero():
    from negsim.cli.run import share_text

    assert share_text(-0.001) == "0.00"
    assert share_text(-0.01) == "-0.01"
    text = invoke("run", SCENARIO_NAME, "--set", "drivers.us_pressure.scale=0").output
    assert "-0.00" not in text
