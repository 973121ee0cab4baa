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
    issue_exchange_ratio,
    issue_gaps,
    issue_hold,
    leader_override,
    move_toward_partner,
    pace,
    ratification_chance,
    readiness,
    reciprocal_effort,
    set_salience,
    settlement_point,
    signed_at_table,
)

C = DEFAULT_CONSTANTS


def mot(**kw: float) -> Motivations:
    return Motivations(**{m: kw.get(m, 0.0) for m in MOTIVATION_NAMES})


def drivers(p: float = 0.0, r: float = 0.0, d: float = 0.0, w: float = 0.0) -> DriverLevels:
    return DriverLevels(us_pressure=p, us_retrenchment=r, detente=d, normalization_wave=w)


def test_effective_salience_shrinks_only_historical_issues_with_the_drive():
    sal = np.array([0.2, 0.3, 0.5])
    hist = np.array([True, False, True])
    out = effective_salience(sal, hist, 0.5, C)
    damping = 1 - C.recede_rate * 0.5
    np.testing.assert_allclose(out, [0.2 * damping, 0.3, 0.5 * damping])
    # the freed weight is not handed to other issues
    assert out.sum() < sal.sum()
    # never below zero, however strong the pressure
    np.testing.assert_allclose(effective_salience(sal, hist, 100.0, C), [0.0, 0.3, 0.0])
    # no drive, or a negative one, leaves everything as it was
    np.testing.assert_allclose(effective_salience(sal, hist, 0.0, C), sal)
    np.testing.assert_allclose(effective_salience(sal, hist, -2.0, C), sal)


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
        + C.disposition_weight * (0.5 + 0.0) * (0.9 - 0.5)  # leader weight 0.5 + autonomy
        - C.outside_option_weight * 0.2
    )
    assert drive_to_settle(m, d, C) == pytest.approx(expected)


def test_named_powers_press_through_dependence_and_may_press_against():
    m = mot(us_dependence=0.5, leader_disposition=0.5)
    with_powers = DriverLevels(0.6, 0.0, 0.0, 0.0, power_pressure=np.array([0.5, -1.0]))
    dependence = np.array([0.4, 0.3])
    expected = C.us_pressure_weight * (0.5 * 0.6 + 0.4 * 0.5 - 0.3 * 1.0)
    assert drive_to_settle(m, with_powers, C, dependence) == pytest.approx(expected)
    # inducements (aid, debt relief, arms offered for a deal) add to the drive
    paid = DriverLevels(0, 0, 0, 0, us_inducement=0.5, power_inducement=np.array([0.25]))
    neutral = mot(leader_disposition=0.5)
    assert drive_to_settle(neutral, paid, C) == pytest.approx(C.inducement_weight * 0.75)


def test_autonomy_makes_the_leaders_disposition_decide():
    """Two-level game: a hostile autocrat blocks harder, an eager one pushes harder."""
    hostile = [
        drive_to_settle(mot(leader_disposition=0.1, leader_autonomy=a), drivers(), C)
        for a in (0.0, 0.5, 1.0)
    ]
    eager = [
        drive_to_settle(mot(leader_disposition=0.9, leader_autonomy=a), drivers(), C)
        for a in (0.0, 0.5, 1.0)
    ]
    assert hostile[0] > hostile[1] > hostile[2]
    assert eager[0] < eager[1] < eager[2]


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
    eff_hist = 0.4 * (1 - C.recede_rate * out.drive)
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


def targets(ideal, partner, w, own, other, *, demand=None, override=0.0, disp=0.5, red=1.0):
    """concession_targets with the partner still at its ideal unless ``demand`` is given."""
    demand = partner if demand is None else demand
    return concession_targets(ideal, partner, demand, w, own, other, override, disp, red, C)


def test_no_positive_willingness_means_target_is_ideal():
    ideal = np.array([0.0, 1.0, 0.3])
    partner = np.array([1.0, 0.0, 0.8])
    sal = np.array([0.2, 0.3, 0.5])
    for w in (0.0, -0.5, -10.0):
        np.testing.assert_array_equal(targets(ideal, partner, w, sal, sal), ideal)


def test_exchange_ratio_is_the_partners_weight_over_ones_own():
    own = np.array([0.1, 0.3, 0.6])
    other = np.array([0.6, 0.3, 0.1])
    np.testing.assert_allclose(issue_exchange_ratio(own, other, 0.0), [6.0, 1.0, 1 / 6])
    # weights are shares of each side's total, so splitting the file's issues changes nothing
    np.testing.assert_allclose(issue_exchange_ratio(own / 2, other * 3, 0.0), [6.0, 1.0, 1 / 6])
    # an override lifts only the ratios below 1 toward 1
    np.testing.assert_allclose(issue_exchange_ratio(own, other, 0.5)[1:], [1.0, 0.5 + 0.5 / 6])
    np.testing.assert_allclose(issue_hold(own, 0.0), 1 - own)
    np.testing.assert_allclose(issue_hold(own, 1.0), 1.0)


def test_logroll_each_side_yields_where_it_cares_less():
    """The ROK (cares about the amount) and Japan (cares about history) trade."""
    ideal, partner = np.zeros(2), np.ones(2)
    korea = np.array([0.2, 0.8])  # history, amount
    japan = np.array([0.8, 0.2])
    rok = targets(ideal, partner, 1.0, korea, japan, disp=1.0)
    jpn = 1 - targets(1 - ideal, 1 - partner, 1.0, japan, korea, disp=1.0)
    assert rok[0] > rok[1]  # the ROK yields on history, holds the amount
    assert jpn[1] > jpn[0]  # Japan yields on the amount, holds history
    ratio = issue_exchange_ratio(korea, japan, 0.0) ** C.exchange_elasticity
    level = readiness(1.0 * ratio * issue_hold(korea, 0.0) ** C.hold_exponent, C)
    # nothing received yet: the reciprocity cap binds unless the margin covers the value
    given = np.sum(korea * level)
    allowed = C.reciprocity_margin * 2 + C.override_margin * 0.0
    if given <= allowed:
        np.testing.assert_allclose(rok, level)
    else:
        assert np.sum(korea * rok) == pytest.approx(allowed, rel=1e-6)


def test_reciprocal_effort_spends_the_cap_cheapest_first():
    weights = np.array([0.2, 0.8])
    ratio = np.array([4.0, 0.25])
    effort = reciprocal_effort(np.array(2.0), ratio, weights, np.array(0.25), C)
    level = readiness(effort * ratio, C)
    assert np.sum(weights * level) == pytest.approx(0.25, abs=1e-6)
    assert level[0] > 0.5 > level[1]
    # below the cap the full willingness is used
    assert reciprocal_effort(np.array(0.01), ratio, weights, np.array(0.9), C) == 0.01


def test_targets_never_pass_the_partners_demand_or_a_red_line():
    ideal, partner = np.zeros(2), np.ones(2)
    sal = np.array([0.5, 0.5])
    demand = np.array([0.3, 0.9])  # the partner has come a long way on the first issue
    out = targets(ideal, partner, 10.0, sal, sal, demand=demand, disp=1.0, override=1.0)
    assert out[0] <= 0.3 + 1e-12
    red = np.array([0.4, 0.2])
    held = targets(ideal, partner, 10.0, sal, sal, disp=1.0, override=1.0, red=red)
    assert np.all(held <= red + 1e-12)


def test_concession_targets_on_reversed_axis_move_down():
    target = targets(
        np.array([0.9]),
        np.array([0.1]),
        1.0,
        np.array([1.0]),
        np.array([1.0]),
        disp=1.0,
        override=1.0,
    )
    assert 0.1 < target[0] < 0.9


def test_pace_of_talks_and_summits():
    assert pace(1.0, C) == pytest.approx(C.adjustment_rate)
    assert pace(0.0, C) == 0.0
    assert pace(C.summit_intensity, C) == pytest.approx(1 - (1 - C.adjustment_rate) ** 6)
    assert pace(C.summit_intensity, C) > 0.8  # a summit can close a gap within its month


def test_signing_rule_with_deferrable_issues():
    tol = C.agreement_tolerance
    gaps = np.array([0.0, 0.4])
    deferrable = np.array([False, True])
    both = np.array([0.2, 0.1])
    out = signed_at_table(gaps, True, deferrable, both, C)
    assert out.signed and out.shelved.tolist() == [False, True]
    # one side no longer wants a deal: nothing is shelved, nothing signed
    assert not signed_at_table(gaps, True, deferrable, np.array([0.2, -0.1]), C).signed
    # an open issue that cannot be deferred blocks; suspended talks sign nothing
    assert not signed_at_table(gaps, True, np.array([False, False]), both, C).signed
    assert not signed_at_table(np.array([tol, 0.0]), False, deferrable, both, C).signed
    # shelving everything is no deal
    assert not signed_at_table(np.array([0.5, 0.5]), True, np.array([True, True]), both, C).signed


def test_ratification_chance_falls_with_audience_and_concession_rises_with_hold():
    base = dict(opposition_weight=1.0, hold_weight=1.0, c=C)
    p = ratification_chance(audience_cost=0.5, leader_autonomy=0.2, conceded_value=0.5, **base)
    assert p == pytest.approx(1 - C.ratification_weight * 0.5 * 0.5 * 0.8)
    assert (
        ratification_chance(audience_cost=0.8, leader_autonomy=0.2, conceded_value=0.5, **base) < p
    )
    assert (
        ratification_chance(audience_cost=0.5, leader_autonomy=0.9, conceded_value=0.5, **base) > p
    )
    none = ratification_chance(0.0, 1.0, 1.0, 0.0, 1.0, C)
    assert none == 1.0


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
    rate = C.adjustment_rate
    moved = adjust_demands(demand, target, True, rate)
    np.testing.assert_allclose(moved, [rate, 1 - rate])
    np.testing.assert_array_equal(adjust_demands(demand, target, False, rate), demand)
    talks = np.array([[True], [False]])
    batch = adjust_demands(
        np.stack([demand, demand]), np.stack([target, target]), talks, np.array([rate, rate])
    )
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


def test_signed_needs_talks_and_every_gap_within_tolerance():
    tol = C.agreement_tolerance
    none = np.array([False, False])
    w = np.array([0.1, 0.1])
    assert signed_at_table(np.array([tol, 0.0]), True, none, w, C).signed
    assert not signed_at_table(np.array([tol, 0.0]), False, none, w, C).signed
    assert not signed_at_table(np.array([tol * 1.01, 0.0]), True, none, w, C).signed
    out = signed_at_table(
        np.array([[0.0, 0.0], [0.0, 0.5]]), np.array([True, True]), none, np.stack([w, w]), C
    )
    np.testing.assert_array_equal(out.signed, [True, False])


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
