"""The role-play: a student's move substitutes for the model's in the month's own pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import validate

from negsim.constants import Constants
from negsim.dynamics import audience_backlash
from negsim.roleplay import MOVES, Move, RolePlayModel, checked_move, moves_csv

AUDIENCE = 2  # audience_cost in MOTIVATION_NAMES


@pytest.fixture
def mini_game(mini) -> RolePlayModel:
    return RolePlayModel(mini, seat=1, rng=5)


def test_a_move_within_what_the_audience_tolerates_costs_nothing_beyond_it_costs():
    salience = np.array([0.5, 0.3, 0.2])
    opened, tolerated = np.zeros(3), np.array([0.2, 0.0, 0.5])
    c = Constants()
    assert audience_backlash(salience, opened, tolerated, tolerated, c) == 0.0
    assert audience_backlash(salience, opened, tolerated, opened, c) == 0.0  # holding
    beyond = audience_backlash(salience, opened, tolerated, np.array([0.6, 0.0, 0.5]), c)
    assert beyond == pytest.approx(c.ratification_backlash * 0.5 * 0.4)
    # ground already held before the month is not conceded again
    assert audience_backlash(salience, np.full(3, 0.6), tolerated, np.full(3, 0.6), c) == 0.0
    none = Constants().scaled("ratification_backlash", 0.0)
    assert audience_backlash(salience, opened, tolerated, np.ones(3), none) == 0.0


def test_the_table_is_read_without_changing_the_run(mini):
    looked, plain = RolePlayModel(mini, 1, rng=3), RolePlayModel(mini, 1, rng=3)
    for _ in range(12):
        table = looked.table()
        assert table.date == looked.timeline.month_label(looked.steps)
        looked.play(Move("hold"), "month")
        plain.play(Move("hold"), "month")
    assert looked.log == plain.log
    assert (looked.run_state.demand == plain.run_state.demand).all()


def test_holding_keeps_the_students_demands_while_the_partner_plays_by_its_rules(mini_game):
    start = mini_game.run_state.demand.copy()
    mini_game.play(Move("hold"), "year")
    demand = mini_game.run_state.demand
    assert (demand[1] == start[1]).all()  # the student held (no event moves in this file)
    assert not (demand[0] == start[0]).all()  # the model's state moved by its own rules
    assert mini_game.delegate.backlash == 0.0


def test_same_seed_and_moves_give_the_same_game(mini):
    logs = []
    for _ in range(2):
        game = RolePlayModel(mini, 0, rng=11)
        game.play(Move("demand", (0.3, 0.1, 0.2)), "month")
        game.play(Move("walk_out"), "month")
        game.play(Move("hold"), "year")
        logs.append(moves_csv(game))
    assert logs[0] == logs[1]


def test_conceding_beyond_tolerance_hardens_the_audience(mini):
    game = RolePlayModel(mini, 1, rng=2)
    table = game.table()
    within = RolePlayModel(mini, 1, rng=2)
    within.play(Move("demand", tuple(float(x) for x in table.tolerated_level)), "month")
    assert within.delegate.backlash == pytest.approx(0.0, abs=1e-12)
    game.play(Move("demand", (1.0, 1.0, 1.0)), "month")
    assert game.delegate.backlash > 0
    assert game.run_state.motivations[1, AUDIENCE] > within.run_state.motivations[1, AUDIENCE]
    assert game.log[-1]["backlash"] > 0


def test_accepting_the_partners_offer_signs_while_talks_are_in_session(mini_game):
    played = mini_game.play(Move("accept"), "year")
    assert played == 1 and mini_game.agreement_step == 0  # agreed in the first month
    shares = mini_game.summary()["concession_share"]
    # the student moved to the partner's opening demands: at least half of every gap
    assert all(x >= 0.5 for x in shares["B"].values())
    assert mini_game.delegate.backlash > 0  # the model's B would not have gone so far at once


def test_walking_out_suspends_the_talks_for_the_round_only(mini_game):
    before = mini_game.run_state.demand.copy()
    mini_game.play(Move("walk_out"), "month")
    assert mini_game.log[-1]["talks"] == "walked out"
    assert not mini_game.datacollector.model_vars["talks_active"][-1]
    assert (mini_game.run_state.demand == before).all()  # nothing moves away from the table
    assert mini_game.run_state.talks_active  # the scenario's talks are back for the next round
    mini_game.play(Move("hold"), "month")
    assert mini_game.datacollector.model_vars["talks_active"][-1]


def test_the_students_deal_faces_its_ratification_step(mini_doc):
    mini_doc["states"]["B"].update(audience_cost=1.0, leader_autonomy=0.0)
    mini_doc["states"]["B"]["ratification"] = {"kind": "referendum"}
    game = RolePlayModel(validate(mini_doc), 1, rng=1)
    game.play(Move("accept"), "month")
    summary = game.summary()
    assert summary["signed_not_ratified"] == game.spec.start[:7]  # signed, then voted down
    assert not summary["agreement"]


def test_a_round_lasts_to_the_next_event_at_most_a_year(scenario_1965):
    game = RolePlayModel(scenario_1965, 1, rng=0)
    assert game.round_months("month") == 1 and game.round_months("year") == 12
    first = min(s for s in game.timeline.events if s > 0)
    assert game.round_months("event") == min(first, 12)
    with pytest.raises(ValueError, match="round must be one of"):
        game.round_months("decade")


@pytest.mark.parametrize(
    ("kind", "levels", "match"),
    [
        ("surrender", None, "move must be one of"),
        ("demand", None, "one level per issue"),
        ("demand", [0.1, 0.2], "one level per issue"),
        ("demand", [0.1, float("nan"), 0.2], "from 0 to 1"),
        ("demand", [0.1, 2.0, 0.2], "from 0 to 1"),
        ("demand", [0.1, True, 0.2], "from 0 to 1"),
    ],
)
def test_moves_a_page_sends_are_checked(kind, levels, match):
    with pytest.raises(ValueError, match=match):
        checked_move(kind, levels, 3)
    assert checked_move("demand", [0, 0.5, 1], 3) == Move("demand", (0.0, 0.5, 1.0))
    assert set(MOVES) == {"demand", "hold", "walk_out", "accept"}


def test_until_the_student_takes_the_seat_the_model_plays_it_as_its_own(scenario_1965):
    from negsim.model import NegotiationModel

    game = RolePlayModel(scenario_1965, 1, rng=9)
    months = game.hand_over("1964-12")
    own = NegotiationModel(scenario_1965, rng=9)
    own.run_for(months)
    assert game.table().date == "1964-12"
    assert (game.run_state.demand == own.run_state.demand).all()  # bit for bit
    assert (game.run_state.motivations == own.run_state.motivations).all()
    assert all(row["round"] == 0 and row["backlash"] == 0 for row in game.log)
    with pytest.raises(ValueError, match="outside the run"):
        RolePlayModel(scenario_1965, 1).hand_over("1999-01")
