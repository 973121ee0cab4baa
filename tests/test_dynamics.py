"""The pure monthly rules in negsim.dynamics, checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.dynamics import (
    MOTIVATION_NAMES,
    DriverLevels,
    Motivations,
    adjust_demands,
    apply_change,
    assess,
    concession_share,
    concession_targets,
    domestic_resistance,
    drive_to_settle,
    effective_salience,
    issue_gaps,
    leader_override,
    move_toward_partner,
    reciprocity_cap,
    set_salience,
    settled,
    settlement_point,
)

C = DEFAULT_CONSTANTS


def mot(**kw: float) -> Motivations:
    return Motivations(**{m: kw.get(m, 0.0) for m in MOTIVATION_NAMES})


def drivers(p: float = 0.0, r: float = 0.0, d: float = 0.0, w: float = 0.0) -> DriverLevels:
    return DriverLevels(us_pressure=p, us_retrenchment=r, detente=d, normalization_wave=w)


def test_effective_salience_shrinks_only_historical_issues():
    sal = np.array([0.2, 0.3, 0.5])
    hist = np.array([True, False, True])
    out = effective_salience(sal, hist, 0.5, C)
    damping = 1 - C.recede_rate * 0.5
    np.testing.assert_allclose(out, [0.2 * damping, 0.3, 0.5 * damping])
    # the freed weight is not handed to other issues
    assert out.sum() < sal.sum()
    # never below zero, however strong the pressure
    np.testing.assert_allclose(effective_salience(sal, hist, 100.0, C), [0.0, 0.3, 0.0])
    # no pressure leaves everything as it was
    np.testing.assert_allclose(effective_salience(sal, hist, 0.0, C), sal)


def test_effective_salience_broadcasts_over_batch():
    sal = np.array([[0.2, 0.8], [0.6, 0.4]])
    hist = np.array([True, False])
    pressure = np.array([0.0, 1.0])
    out = effective_salience(sal, hist, pressure, C)
    for k in range(2):
        np.testing.assert_allclose(out[k], effective_salience(sal[k], hist, pressure[k], C))


def test_drive_to_settle_formula():
    m = mot(
        economic_need=0.8,
        regime_security_need=0.4,
        us_dependence=0.5,
        abandonment_fear=0.6,
        fear_of_exclusion=0.7,
        leader_disposition=0.9,
        outside_options=0.2,
    )
    d = drivers(p=0.6, r=0.5, d=0.1, w=0.4)
    expected = (
        C.need_weight * 0.6
        + C.us_pressure_weight * 0.5 * 0.6
        + C.abandonment_weight * 0.6 * 0.5
        + C.exclusion_weight * 0.7 * 0.4  # the larger of detente and the wave
        + C.disposition_weight * (0.9 - 0.5)
        - C.outside_option_weight * 0.2
    )
    assert drive_to_settle(m, d, C) == pytest.approx(expected)


def test_drive_rises_with_us_pressure_only_through_dependence():
    dependent = mot(us_dependence=0.8)
    independent = mot(us_dependence=0.0)
    assert drive_to_settle(dependent, drivers(p=1.0), C) > drive_to_settle(
        dependent, drivers(p=0.0), C
    )
    assert drive_to_settle(independent, drivers(p=1.0), C) == drive_to_settle(
        independent, drivers(p=0.0), C
    )


def test_hostile_leader_subtracts_from_drive():
    assert drive_to_settle(mot(leader_disposition=0.0), drivers(), C) < 0
    assert drive_to_settle(mot(leader_disposition=1.0), drivers(), C) > 0
    assert drive_to_settle(mot(leader_disposition=0.5), drivers(), C) == pytest.approx(0.0)


def test_domestic_resistance_formula():
    m = mot(audience_cost=0.8, leader_autonomy=0.25)
    assert domestic_resistance(m, 0.5, C) == pytest.approx(C.resistance_weight * 0.8 * 0.75 * 1.5)
    assert domestic_resistance(mot(audience_cost=0.8, leader_autonomy=1.0), 0.5, C) == 0.0


def test_assess_willingness_is_drive_minus_resistance_plus_shock():
    m = mot(economic_need=1.0, regime_security_need=1.0, audience_cost=0.5, us_dependence=1.0)
    sal = np.array([0.4, 0.6])
    hist = np.array([True, False])
    gaps = np.array([0.5, 0.9])
    out = assess(m, drivers(p=0.5), sal, hist, gaps, 0.1, C)
    assert out.willingness == pytest.approx(out.drive - out.resistance + 0.1)
    eff_hist = 0.4 * (1 - C.recede_rate * 0.5)
    np.testing.assert_allclose(out.effective_salience, [eff_hist, 0.6])
    # the historical burden: weight still given to historical issues times their open gap
    assert out.resistance == pytest.approx(domestic_resistance(m, eff_hist * 0.5, C))


def test_closed_historical_gap_relieves_resistance():
    m = mot(audience_cost=0.8, leader_autonomy=0.2)
    sal = np.array([0.5, 0.5])
    hist = np.array([True, False])
    open_ = assess(m, drivers(), sal, hist, np.array([1.0, 1.0]), 0.0, C)
    closed = assess(m, drivers(), sal, hist, np.array([0.0, 1.0]), 0.0, C)
    assert closed.resistance == pytest.approx(domestic_resistance(m, 0.0, C))
    assert open_.resistance > closed.resistance
    # the practical issue's gap does not matter
    practical = assess(m, drivers(), sal, hist, np.array([1.0, 0.0]), 0.0, C)
    assert practical.resistance == pytest.approx(open_.resistance)


def test_assess_broadcasts_gaps_over_both_states():
    """Batch form: motivations [R, S], gaps [R, I] shared by the two states."""
    m = Motivations(*(np.full((3, 2), 0.5) for _ in MOTIVATION_NAMES))
    levels = DriverLevels(*(np.full((3, 2), 0.3) for _ in range(4)))
    sal = np.full((3, 2, 2), 0.5)
    hist = np.array([True, False])
    gaps = np.array([[1.0, 1.0], [0.5, 1.0], [0.0, 1.0]])
    out = assess(m, levels, sal, hist, gaps, np.zeros((3, 2)), C)
    assert out.resistance.shape == (3, 2)
    assert out.resistance[0, 0] > out.resistance[1, 0] > out.resistance[2, 0]
    single = assess(
        Motivations(*(0.5 for _ in MOTIVATION_NAMES)),
        drivers(0.3, 0.3, 0.3, 0.3),
        sal[1, 0],
        hist,
        gaps[1],
        0.0,
        C,
    )
    assert out.willingness[1, 0] == pytest.approx(single.willingness)


def test_no_positive_willingness_means_target_is_ideal():
    ideal = np.array([0.0, 1.0, 0.3])
    partner = np.array([1.0, 0.0, 0.8])
    sal = np.array([0.2, 0.3, 0.5])
    for w in (0.0, -0.5, -10.0):
        np.testing.assert_array_equal(
            concession_targets(ideal, partner, w, sal, 1.0, 0.0, C), ideal
        )


def test_concession_targets_yield_most_where_salience_is_least():
    ideal = np.zeros(3)
    partner = np.ones(3)
    sal = np.array([0.1, 0.3, 0.6])
    target = concession_targets(ideal, partner, 5.0, sal, 10.0, 0.0, C)
    readiness = 1 - np.exp(-C.reach * 5.0)
    np.testing.assert_allclose(target, (1 - sal) * readiness)
    assert target[0] > target[1] > target[2]
    # the reciprocity cap binds
    capped = concession_targets(ideal, partner, 5.0, sal, 0.2, 0.0, C)
    np.testing.assert_allclose(capped, np.minimum((1 - sal) * readiness, 0.2))
    # a leader's override loosens salience's hold: flexibility 1 - salience * (1 - override)
    loosened = concession_targets(ideal, partner, 5.0, sal, 10.0, 0.5, C)
    np.testing.assert_allclose(loosened, (1 - 0.5 * sal) * readiness)
    full = concession_targets(ideal, partner, 5.0, sal, 10.0, 1.0, C)
    np.testing.assert_allclose(full, readiness)


def test_concession_targets_on_reversed_axis_move_down():
    target = concession_targets(np.array([0.9]), np.array([0.1]), 1.0, np.array([0.0]), 1.0, 0.0, C)
    assert 0.1 < target[0] < 0.9


@pytest.mark.parametrize("disposition", [0.0, 0.25, 0.5, 1.0])
def test_reciprocity_cap_is_partner_mean_concession_plus_margin(disposition):
    ideal = np.array([0.0, 0.0])
    partner_ideal = np.array([1.0, 1.0])
    partner_demand = np.array([0.6, 1.0])  # conceded 0.4 and 0.0 of the way
    margin = C.reciprocity_margin * 2 * disposition  # the margin at neutral (0.5) is the constant
    cap = reciprocity_cap(partner_demand, partner_ideal, ideal, disposition, C)
    assert cap == pytest.approx(0.2 + margin)
    # a partner who overshot counts as at most full concession
    over = np.array([-0.5, -0.5])
    assert reciprocity_cap(over, partner_ideal, ideal, disposition, C) == pytest.approx(
        1.0 + margin
    )


@pytest.mark.parametrize(
    ("autonomy", "disposition", "expected"),
    [(1.0, 0.5, 0.0), (1.0, 0.2, 0.0), (1.0, 1.0, 1.0), (0.6, 0.75, 0.3), (0.0, 1.0, 0.0)],
)
def test_leader_override(autonomy, disposition, expected):
    m = mot(leader_autonomy=autonomy, leader_disposition=disposition)
    assert leader_override(m) == pytest.approx(expected)


def test_adjust_demands_moves_part_way_and_not_when_suspended():
    demand = np.array([0.0, 1.0])
    target = np.array([1.0, 0.0])
    moved = adjust_demands(demand, target, True, C)
    np.testing.assert_allclose(moved, [C.adjustment_rate, 1 - C.adjustment_rate])
    np.testing.assert_array_equal(adjust_demands(demand, target, False, C), demand)
    talks = np.array([[True], [False]])
    batch = adjust_demands(np.stack([demand, demand]), np.stack([target, target]), talks, C)
    np.testing.assert_allclose(batch[0], moved)
    np.testing.assert_array_equal(batch[1], demand)


def test_move_toward_partner_closes_share_of_gap():
    assert move_toward_partner(0.2, 0.8, 0.5) == pytest.approx(0.5)
    assert move_toward_partner(0.2, 0.8, 0.0) == pytest.approx(0.2)
    assert move_toward_partner(0.2, 0.8, 1.0) == pytest.approx(0.8)


def test_issue_gaps_respect_orientation_and_clamp_at_zero():
    a = np.array([0.1, 0.7, 0.6])
    b = np.array([0.8, 0.2, 0.4])
    orientation = np.array([1.0, -1.0, 1.0])
    np.testing.assert_allclose(issue_gaps(a, b, orientation), [0.7, 0.5, 0.0])


def test_settled_needs_talks_and_every_gap_within_tolerance():
    tol = C.agreement_tolerance
    assert settled(np.array([tol, 0.0]), True, C)
    assert not settled(np.array([tol, 0.0]), False, C)
    assert not settled(np.array([tol * 1.01, 0.0]), True, C)
    out = settled(np.array([[0.0, 0.0], [0.0, 0.5]]), np.array([True, True]), C)
    np.testing.assert_array_equal(out, [True, False])


def test_settlement_point_and_concession_share():
    np.testing.assert_allclose(settlement_point(np.array([0.4]), np.array([0.6])), [0.5])
    assert concession_share(0.0, 1.0, 0.25) == pytest.approx(0.25)
    assert concession_share(1.0, 0.0, 0.25) == pytest.approx(0.75)
    assert concession_share(0.9, 0.1, 0.9) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [("set", 0.7, [0.7, 0.7]), ("add", 0.1, [0.3, 0.5]), ("multiply", 2.0, [0.4, 0.8])],
)
def test_apply_change(op, value, expected):
    np.testing.assert_allclose(apply_change(np.array([0.2, 0.4]), op, value), expected)


def test_apply_change_rejects_unknown_operation():
    with pytest.raises(ValueError, match="unknown operation"):
        apply_change(0.2, "divide", 2.0)


def test_set_salience_rescales_others_to_sum_one():
    sal = np.array([0.1, 0.15, 0.2, 0.55])
    out = set_salience(sal, 3, 0.4)
    assert out[3] == pytest.approx(0.4)
    assert out.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(out[:3], sal[:3] * 0.6 / 0.45)
    # batch form, values clipped into [0, 1]
    batch = set_salience(np.stack([sal, sal]), 0, np.array([1.5, -1.0]))
    np.testing.assert_allclose(batch.sum(axis=-1), [1.0, 1.0])
    assert batch[0, 0] == 1.0 and batch[1, 0] == 0.0


def test_constants_scaled_and_names():
    c = Constants().scaled("reach", 2.0)
    assert c.reach == 2 * DEFAULT_CONSTANTS.reach
    assert DEFAULT_CONSTANTS.reach == 3.0  # the default is untouched (frozen)
    with pytest.raises(KeyError):
        Constants().scaled("no_such_constant", 2.0)
    assert set(Constants().as_dict()) == set(Constants.names())
