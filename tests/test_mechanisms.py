"""The v2 mechanisms in whole runs: shelving, red lines, ratification, powers, pace, positions.

Each test builds on the small synthetic scenario of conftest and checks that a mechanism
changes a run the way docs/model.md says, in both engines alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import minimal_doc, motivations, validate

from negsim import run_batch, simulate
from negsim.scenario import ScenarioError
from negsim.simulation import replication_seeds


def both_engines(scenario, seeds=(11, 12, 13)):
    """Mesa summaries and the batch result for the same seeds; asserts they agree."""
    seeds = np.array(seeds, dtype=np.uint64)
    batch = run_batch(scenario, seeds)
    summaries = [simulate(scenario, seed=int(s))[1] for s in seeds]
    for k, summary in enumerate(summaries):
        assert summary["agreement"] == bool(batch.agreed[k])
        shares = np.array([list(v.values()) for v in summary["concession_share"].values()])
        np.testing.assert_allclose(shares, batch.concession_share[k], atol=1e-9)
    return summaries, batch


def test_a_deferrable_issue_is_shelved_and_listed_apart():
    doc = minimal_doc()
    # B will never move on the border: without shelving there is no deal.
    doc["issues"]["border"]["red_line"] = {"B": 0.1}
    blocked = run_batch(validate(doc), replication_seeds(0, 4))
    assert not blocked.agreed.any()
    doc["issues"]["border"]["deferrable"] = True
    summaries, batch = both_engines(validate(doc))
    assert batch.agreed.all()
    assert batch.shelved[:, 2].all() and not batch.shelved[:, :2].any()
    assert np.isnan(batch.package[:, 2]).all()
    assert summaries[0]["shelved"] == ["border"]
    assert "border" not in summaries[0]["package"]


def test_a_deferrable_issue_is_off_the_table():
    doc = minimal_doc()
    doc["issues"]["border"]["kind"] = "historical"  # sovereignty, an audience's issue
    open_border, _ = simulate(validate(doc), seed=3)
    doc["issues"]["border"]["deferrable"] = True
    umbrella, summary = simulate(validate(doc), seed=3)
    # no one concedes on an issue under the umbrella: both demands stay at their ideals
    np.testing.assert_allclose(umbrella["demand_A_border"], 0.9)
    np.testing.assert_allclose(umbrella["demand_B_border"], 0.1)
    # set aside, it weighs on no audience: less resistance from the first month
    assert (umbrella["resistance_A"].iloc[:12] < open_border["resistance_A"].iloc[:12]).all()
    assert summary["agreement"] and summary["shelved"] == ["border"]


def test_a_red_line_is_never_passed():
    doc = minimal_doc(pressure=[("2000-01", 1.0), ("2004-12", 3.0)])
    doc["issues"]["money"]["red_line"] = {"A": 0.3}  # A takes at least the 0.3 point
    series, summary = simulate(validate(doc), seed=1)
    assert series["demand_A_money"].max() <= 0.3 + 1e-12
    assert not summary["agreement"] or summary["package"]["money"]["point"] <= 0.3 + 0.05


def test_red_line_must_lie_between_the_ideals():
    doc = minimal_doc()
    doc["issues"]["border"]["red_line"] = {"A": 0.95}  # A's ideal is 0.9, B's 0.1
    with pytest.raises(ScenarioError, match=r"issues.border.red_line.A: must lie between"):
        validate(doc)


def test_a_referendum_can_kill_a_signed_deal():
    doc = minimal_doc(pressure=[("2000-01", 0.5), ("2002-12", 2.0)])
    doc["states"]["A"]["audience_cost"] = 1.0
    doc["states"]["A"]["leader_autonomy"] = 0.0
    doc["states"]["A"]["ratification"] = {"kind": "referendum", "source": "test"}
    seeds = replication_seeds(5, 40)
    result = run_batch(validate(doc), seeds)
    signed_only = (result.signed_step >= 0) & ~result.agreed
    assert signed_only.any(), "a hostile electorate should reject some signed packages"
    summaries, _ = both_engines(validate(doc), seeds[:6])
    for k, summary in enumerate(summaries):
        expected = result.signed_step[k]
        assert (summary["signed_not_ratified"] is not None) == (expected >= 0)


def test_ratification_kind_none_changes_nothing():
    doc = minimal_doc()
    plain = run_batch(validate(doc), replication_seeds(0, 5))
    for sid in ("A", "B"):
        doc["states"][sid]["ratification"] = {"kind": "none", "source": "test"}
    same = run_batch(validate(doc), replication_seeds(0, 5))
    np.testing.assert_array_equal(plain.agreement_step, same.agreement_step)


def test_a_named_power_pressing_against_a_deal_delays_or_blocks_it():
    doc = minimal_doc()
    base = run_batch(validate(doc), replication_seeds(0, 8))
    doc["powers"] = {
        "SPOILER": {
            "label": "A spoiler state",
            "pressure": {"series": {"A": [{"date": "2000-01", "value": -1.0, "source": "t"}]}},
            "dependence": {"A": 0.8},
        }
    }
    against = run_batch(validate(doc), replication_seeds(0, 8))
    later = np.where(against.agreed, against.agreement_step, 10**6)
    assert (later >= np.where(base.agreed, base.agreement_step, 10**6)).all()
    assert (later > base.agreement_step).any()
    both_engines(validate(doc))


def test_inducement_and_a_second_power_push_toward_a_deal():
    doc = minimal_doc(pressure=[("2000-01", 0.2), ("2004-12", 0.8)])
    base = run_batch(validate(doc), replication_seeds(0, 8))
    doc["drivers"]["us_inducement"] = {
        "series": {"all": [{"date": "2000-01", "value": 0.5, "source": "t"}]}
    }
    doc["powers"] = {
        "EU": {
            "label": "European Union",
            "pressure": {"series": {"all": [{"date": "2000-01", "value": 0.5, "source": "t"}]}},
            "dependence": {"A": 0.5, "B": 0.5},
        }
    }
    helped = run_batch(validate(doc), replication_seeds(0, 8))
    assert helped.agreed.sum() >= base.agreed.sum()
    first = lambda r: np.where(r.agreed, r.agreement_step, 10**6)  # noqa: E731
    assert (first(helped) <= first(base)).all() and (first(helped) < first(base)).any()
    both_engines(validate(doc))


def test_a_party_that_is_the_power_does_not_press_itself():
    doc = minimal_doc()
    doc["powers"] = {"US": {"label": "United States", "party": "A"}}
    with pytest.raises(ScenarioError) as info:
        validate(doc)
    text = str(info.value)
    assert "drivers.us_pressure.series" in text and "does not press" in text
    assert "states.A.us_dependence" in text
    doc["drivers"]["us_pressure"]["series"] = {
        "B": [{"date": "2000-01", "value": 0.2}, {"date": "2004-12", "value": 1.5}]
    }
    doc["states"]["A"]["us_dependence"] = 0.0
    validate(doc)  # now says plainly that A is the power and presses only B


def test_a_summit_closes_more_of_the_gap_in_its_month():
    doc = minimal_doc(pressure=[("2000-01", 1.5), ("2004-12", 1.5)])
    doc["events"] = [{"date": "2000-03", "label": "Summit", "source": "t", "summit": True}]
    with_summit, _ = simulate(validate(doc), seed=0)
    doc["events"][0]["summit"] = False
    without, _ = simulate(validate(doc), seed=0)
    gap = [c for c in with_summit.columns if c.startswith("gap_")]
    assert with_summit[gap].iloc[2].sum() < without[gap].iloc[2].sum()
    np.testing.assert_allclose(with_summit[gap].iloc[1], without[gap].iloc[1])


def test_opening_demands_and_an_event_that_moves_an_ideal():
    from negsim import NegotiationModel

    doc = minimal_doc()
    doc["issues"]["history"]["opening"] = {"A": 0.4}
    opened = NegotiationModel(validate(doc), rng=0)
    assert opened.run_state.demand[0, 0] == pytest.approx(0.4)
    assert opened.run_state.origin[0, 0] == 0.0  # shares are measured from the ideal
    series, _ = simulate(validate(doc), until="2000-01")
    # an unwilling state drifts back home from its opening demand (§3.3.2)
    assert 0.0 < series["demand_A_history"].iloc[0] < 0.4
    doc = minimal_doc()
    doc["events"] = [
        {
            "date": "2000-02",
            "label": "New government",
            "source": "t",
            "changes": [{"path": "issues.history.ideal.B", "set": 0.0}],
        }
    ]
    scenario = validate(doc)
    model = NegotiationModel(scenario, rng=0)
    model.run_for(2)
    # B's new position may not pass A's ideal (0): it stops there
    assert model.run_state.ideal[1, 0] == pytest.approx(0.0)
    both_engines(scenario)


def test_a_summit_between_willing_leaders_closes_within_its_month():
    # At a summit the packages are exchanged at once (no month-by-month reciprocity), so
    # eager leaders free of their audiences close the deal in the summit's month.
    keen = motivations(leader_disposition=0.9, leader_autonomy=0.8, audience_cost=0.2)
    doc = minimal_doc(a=keen, b=keen, pressure=[("2000-01", 1.0), ("2004-12", 1.0)])
    doc["events"] = [{"date": "2000-04", "label": "Summit", "source": "t", "summit": True}]
    _, at_summit = both_engines(validate(doc))
    doc["events"][0]["summit"] = False
    _, in_rounds = both_engines(validate(doc))
    assert (at_summit.agreement_step == 3).all()  # April 2000, the summit's month
    assert (in_rounds.agreement_step > 3).all()


def test_a_summit_cannot_move_a_side_with_no_will():
    hostile = motivations(leader_disposition=0.05, leader_autonomy=0.9, economic_need=0.1)
    doc = minimal_doc(b=hostile, pressure=[("2000-01", 0.0), ("2004-12", 0.0)])
    doc["events"] = [{"date": "2000-02", "label": "Summit", "source": "t", "summit": True}]
    series, summary = simulate(validate(doc), seed=0)
    assert not summary["agreement"]
    assert (series["willingness_B"] if "willingness_B" in series else series["drive_B"]).iloc[1] < 0
    # B offers nothing at the summit: its demands stay at its ideals
    np.testing.assert_allclose(series["demand_B_history"].iloc[:3], 1.0)
    np.testing.assert_allclose(series["demand_B_money"].iloc[:3], 1.0)
