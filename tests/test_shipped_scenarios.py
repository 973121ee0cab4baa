"""Every shipped scenario is valid, sourced and runs; the list command shows them all."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from negsim.catalog import shipped_scenarios
from negsim.cli import app
from negsim.scenario import load_scenario, unsourced_values
from negsim.simulation import simulate

SHIPPED = shipped_scenarios()
EXPECTED = {
    "rok_japan_1951_1965",
    "dprk_japan_1991_2006",
    "dprk_japan_future_us_alignment",
    "dprk_japan_future_opening",
    "dprk_japan_future_denuclearized",
}


def test_the_five_scenarios_are_shipped():
    assert {p.stem for p in SHIPPED} >= EXPECTED


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_calibrated_value_carries_a_source(path):
    assert unsourced_values(load_scenario(path)) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_scenario_runs_and_its_events_fall_in_order(path):
    spec = load_scenario(path)
    dates = [e.date[:7] for e in spec.events]
    assert dates == sorted(dates)
    series, summary = simulate(spec, seed=3)
    assert series["date"].iloc[0] == spec.start[:7]
    assert set(summary["final_gap"]) == set(spec.issues)


def test_list_names_every_shipped_scenario():
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0
    for name in EXPECTED:
        assert name in result.output
