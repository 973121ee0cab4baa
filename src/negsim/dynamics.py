"""The negotiation's monthly rules, as pure functions over arrays.

Every function broadcasts over leading dimensions, so the same code serves one
Mesa agent (arrays over issues), a whole model (states x issues) and the batch
engine (runs x states x issues). Nothing here knows about Mesa, files or dates;
the order in which the rules run each month is in :mod:`negsim.month`. The
equations are written out in ``docs/model.md``.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from negsim.compiled import elementwise_rule, row_rule, rule
from negsim.constants import Constants

Array = NDArray[np.float64]


class Motivations(NamedTuple):
    """A state's domestic motivations, each in [0, 1] (arrays over leading dims)."""

    economic_need: ArrayLike
    regime_security_need: ArrayLike
    audience_cost: ArrayLike
    leader_autonomy: ArrayLike
    leader_disposition: ArrayLike
    outside_options: ArrayLike
    us_dependence: ArrayLike
    abandonment_fear: ArrayLike
    fear_of_exclusion: ArrayLike


MOTIVATION_NAMES: tuple[str, ...] = Motivations._fields


class DriverLevels(NamedTuple):
    """Exogenous drivers felt by a state this month, already scaled.

    ``power_pressure`` and ``power_inducement`` hold the named outside powers other
    than the United States, along a last axis (one entry per power, in file order).
    """

    us_pressure: ArrayLike
    us_retrenchment: ArrayLike
    detente: ArrayLike
    normalization_wave: ArrayLike
    us_inducement: ArrayLike = 0.0
    talks_intensity: ArrayLike = 1.0
    power_pressure: ArrayLike = 0.0
    power_inducement: ArrayLike = 0.0


DRIVER_NAMES: tuple[str, ...] = DriverLevels._fields[:6]
"""The drivers every scenario may give (``drivers.<name>``); named powers add their own."""

POWER_DRIVER_NAMES: tuple[str, ...] = ("pressure", "inducement")
"""The series a named outside power may carry (``powers.<P>.<name>``)."""


class Assessment(NamedTuple):
    """What a state makes of its situation this month."""

    drive: Array
    resistance: Array
    willingness: Array
    effective_salience: Array


RULE_CONSTANTS: tuple[str, ...] = (
    "need_weight",
    "us_pressure_weight",
    "abandonment_weight",
    "exclusion_weight",
    "disposition_weight",
    "outside_option_weight",
    "inducement_weight",
    "resistance_weight",
    "recede_rate",
    "reach",
    "exchange_elasticity",
    "hold_exponent",
    "reciprocity_margin",
    "override_margin",
    "agreement_tolerance",
    "adjustment_rate",
    "summit_intensity",
    "ratification_weight",
    "ratification_backlash",
)
"""The constants the compiled rules read, in the order of :func:`rule_constants`' array.

Every constant of :class:`~negsim.constants.Constants`: the batch engine reads them from
this array, one row per set, so each run may carry its own set."""

# Positions in that array and in a state's motivations and drivers, fixed when the rules are
# compiled (kept in this file, so a change here also renews the compiled cache).
(
    K_NEED,
    K_US_PRESSURE,
    K_ABANDONMENT,
    K_EXCLUSION,
    K_DISPOSITION,
    K_OUTSIDE_OPTION,
    K_INDUCEMENT,
    K_RESISTANCE,
    K_RECEDE,
    K_REACH,
    K_ELASTICITY,
    K_HOLD,
    K_RECIPROCITY,
    K_OVERRIDE_MARGIN,
    K_TOLERANCE,
    K_ADJUSTMENT,
    K_SUMMIT,
    K_RATIFICATION_WEIGHT,
    K_BACKLASH,
) = range(len(RULE_CONSTANTS))
(
    M_ECONOMIC_NEED,
    M_REGIME_SECURITY,
    M_AUDIENCE_COST,
    M_AUTONOMY,
    M_DISPOSITION,
    M_OUTSIDE_OPTIONS,
    M_US_DEPENDENCE,
    M_ABANDONMENT,
    M_EXCLUSION,
) = range(len(MOTIVATION_NAMES))
(
    D_US_PRESSURE,
    D_US_RETRENCHMENT,
    D_DETENTE,
    D_WAVE,
    D_US_INDUCEMENT,
    D_TALKS_INTENSITY,
) = range(len(DRIVER_NAMES))


@functools.cache
def rule_constants(c: Constants) -> Array:
    """The constants as the compiled rules read them (one array per set of constants)."""
    return np.array([getattr(c, name) for name in RULE_CONSTANTS], dtype=np.float64)


@rule
def effective_weight_of(salience: float, historical: bool, drive: float, recede: float) -> float:
    """One issue's salience after the drive to settle (see :func:`effective_salience`)."""
    if not historical:
        return salience
    return salience * min(max(1.0 - recede * max(drive, 0.0), 0.0), 1.0)


@elementwise_rule("float64(float64, boolean, float64, float64)")
def _effective_weights(salience: float, historical: bool, drive: float, recede: float) -> float:
    return effective_weight_of(salience, historical, drive, recede)


def effective_salience(
    salience: ArrayLike, historical: ArrayLike, drive: ArrayLike, c: Constants
) -> Array:
    """Salience after a state's drive to settle has pushed historical issues into the background.

    Historical issues' weights shrink by ``1 - recede_rate * max(drive, 0)`` (never
    below zero); practical issues keep theirs. "The issues were addressed when domestic
    and international factors compelled the two parties to converge" (article): need,
    outside pressure, fear of exclusion and an eager leader all enter the drive. The
    freed weight is not handed to other issues, so the drive never makes a state cling
    harder to anything.
    """
    historical = np.asarray(historical, dtype=bool)
    drive = _floats(drive)[..., None]
    return _effective_weights(_floats(salience), historical, drive, c.recede_rate)


@rule
def leader_weight_of(leader_autonomy: float) -> float:
    """How much the leader's own disposition counts (see :func:`leader_weight`)."""
    return 0.5 + leader_autonomy


@elementwise_rule("float64(float64)")
def _leader_weights(leader_autonomy: float) -> float:
    return leader_weight_of(leader_autonomy)


def leader_weight(m: Motivations) -> Array:
    """How much the leader's own disposition counts: more for an autonomous leader.

    The two-level game (Putnam 1988): the more autonomous the leader, the more his own
    disposition decides, for or against, and the less his audience does. 1 at autonomy
    0.5 (the neutral reference), 1.5 for an autocrat, 0.5 for a leader with no room.
    """
    return _leader_weights(_floats(m.leader_autonomy))


@rule
def drive_of(
    m: Array, level: Array, pressure: Array, inducement: Array, dependence: Array, k: Array
) -> float:
    """One state's drive to settle (see :func:`drive_to_settle`), ``m`` and ``level`` in order."""
    need = 0.5 * (m[M_ECONOMIC_NEED] + m[M_REGIME_SECURITY])
    exclusion = max(level[D_DETENTE], level[D_WAVE])
    powers, offered = 0.0, 0.0
    for q in range(pressure.shape[0]):
        powers += dependence[q] * pressure[q]
        offered += inducement[q]
    leader = leader_weight_of(m[M_AUTONOMY]) * (m[M_DISPOSITION] - 0.5)
    return (
        k[K_NEED] * need
        + k[K_US_PRESSURE] * (m[M_US_DEPENDENCE] * level[D_US_PRESSURE] + powers)
        + k[K_ABANDONMENT] * m[M_ABANDONMENT] * level[D_US_RETRENCHMENT]
        + k[K_EXCLUSION] * m[M_EXCLUSION] * exclusion
        + k[K_INDUCEMENT] * (level[D_US_INDUCEMENT] + offered)
        + k[K_DISPOSITION] * leader
        - k[K_OUTSIDE_OPTION] * m[M_OUTSIDE_OPTIONS]
    )


@rule
def resistance_of(m: Array, burden: float, k: Array) -> float:
    """One state's domestic resistance (see :func:`domestic_resistance`)."""
    return k[K_RESISTANCE] * m[M_AUDIENCE_COST] * (1.0 - m[M_AUTONOMY]) * (1.0 + burden)


@rule
def assess_of(
    m: Array,
    level: Array,
    pressure: Array,
    inducement: Array,
    dependence: Array,
    salience: Array,
    historical: Array,
    gaps: Array,
    shock: float,
    deferrable: Array,
    k: Array,
    effective: Array,
) -> tuple[float, float, float]:
    """One state's drive, resistance and willingness (see :func:`assess`); fills ``effective``."""
    drive = drive_of(m, level, pressure, inducement, dependence, k)
    burden = 0.0
    for i in range(salience.shape[0]):
        effective[i] = effective_weight_of(salience[i], historical[i], drive, k[K_RECEDE])
        if historical[i] and not deferrable[i]:
            burden += effective[i] * gaps[i]
    resistance = resistance_of(m, burden, k)
    return drive, resistance, drive - resistance + shock


@row_rule("void(f8[:], f8[:], f8[:], f8[:], f8[:], f8[:], f8[:])", "(m),(d),(q),(q),(q),(k)->()")
def _drives(
    m: Array,
    level: Array,
    pressure: Array,
    inducement: Array,
    dependence: Array,
    k: Array,
    out: Array,
) -> None:
    out[0] = drive_of(m, level, pressure, inducement, dependence, k)


@row_rule("void(f8[:], f8, f8[:], f8[:])", "(m),(),(k)->()")
def _resistances(m: Array, burden: float, k: Array, out: Array) -> None:
    out[0] = resistance_of(m, burden, k)


@row_rule(
    "void(f8[:], f8[:], f8[:], f8[:], f8[:], f8[:], b1[:], f8[:], f8, b1[:], f8[:],"
    " f8[:], f8[:], f8[:], f8[:])",
    "(m),(d),(q),(q),(q),(i),(i),(i),(),(i),(k)->(),(),(),(i)",
)
def _assessments(
    m: Array,
    level: Array,
    pressure: Array,
    inducement: Array,
    dependence: Array,
    salience: Array,
    historical: Array,
    gaps: Array,
    shock: float,
    deferrable: Array,
    k: Array,
    drive: Array,
    resistance: Array,
    willingness: Array,
    effective: Array,
) -> None:
    drive[0], resistance[0], willingness[0] = assess_of(
        m,
        level,
        pressure,
        inducement,
        dependence,
        salience,
        historical,
        gaps,
        shock,
        deferrable,
        k,
        effective,
    )


def _motivation_rows(m: Motivations) -> Array:
    """A state's (or states') motivations as rows in file order, ``[..., 9]``."""
    return np.stack(np.broadcast_arrays(*(_floats(x) for x in m)), axis=-1)


def _driver_rows(d: DriverLevels, dependence: ArrayLike) -> tuple[Array, Array, Array, Array]:
    """Drivers as the compiled rules read them: levels ``[..., 6]`` and powers ``[..., Q]``."""
    levels = np.stack(np.broadcast_arrays(*(_floats(x) for x in d[:6])), axis=-1)
    powers = [np.atleast_1d(_floats(x)) for x in (d.power_pressure, d.power_inducement, dependence)]
    return (levels, *np.broadcast_arrays(*powers))


def drive_to_settle(
    m: Motivations, d: DriverLevels, c: Constants, power_dependence: ArrayLike = 0.0
) -> Array:
    """A state's drive to settle: need, outside powers, fear of exclusion, its leader.

    Outside pressure is the U.S. push times U.S. dependence plus each named power's push
    times the dependence on it; a push may be negative (a patron warning its ally off a
    deal). Inducements (aid, debt relief, arms offered for a deal) add to it. Leader
    disposition is centred on 0.5, weighted by the leader's autonomy: a hostile autocrat
    subtracts a lot, an eager one adds a lot.
    """
    return _drives(_motivation_rows(m), *_driver_rows(d, power_dependence), rule_constants(c))


def domestic_resistance(m: Motivations, historical_burden: ArrayLike, c: Constants) -> Array:
    """Resistance to concessions: audience cost, damped by leader autonomy.

    The historical burden (the weight the state still gives historical issues,
    times how far apart the sides remain on them) amplifies it: emotional issues
    left open are what a domestic audience punishes a leader for yielding on, and a
    partner's gesture on them (an apology, an admission) relieves it.
    """
    return _resistances(_motivation_rows(m), _floats(historical_burden), rule_constants(c))


def assess(
    m: Motivations,
    d: DriverLevels,
    salience: ArrayLike,
    historical: ArrayLike,
    gaps: ArrayLike,
    shock: ArrayLike,
    c: Constants,
    power_dependence: ArrayLike = 0.0,
    deferrable: ArrayLike = False,
) -> Assessment:
    """Drive, resistance and their balance (willingness) for one month.

    ``gaps`` are the issue gaps as the month opens (after its events), the same for both
    states: ``[*B, I]`` against saliences ``[*B, S, I]``. A ``deferrable`` issue is off the
    table (see :func:`concession_targets`): nothing is conceded on it, so it adds nothing
    to the historical burden.
    """
    salience = _floats(salience)
    gaps = _floats(gaps)
    if salience.ndim > gaps.ndim:
        gaps = gaps[..., None, :]
    issues = salience.shape[-1:]
    historical = np.broadcast_to(np.asarray(historical, dtype=bool), issues)
    deferrable = np.broadcast_to(np.asarray(deferrable, dtype=bool), issues)
    rows = (_motivation_rows(m), *_driver_rows(d, power_dependence))
    drive, resistance, willingness, effective = _assessments(
        *rows, salience, historical, gaps, _floats(shock), deferrable, rule_constants(c)
    )
    return Assessment(drive, resistance, willingness, effective)


@rule
def readiness_of(willingness: float, reach: float) -> float:
    """How far a state is ready to go on one issue, 0 to 1: ``1 - exp(-reach * max(w, 0))``."""
    return -math.expm1(-reach * max(willingness, 0.0))


@elementwise_rule("float64(float64, float64)")
def _readiness(willingness: float, reach: float) -> float:
    return readiness_of(willingness, reach)


def readiness(willingness: ArrayLike, c: Constants) -> Array:
    """How far a state is ready to go, 0 (not at all) to 1 (all the way): 1 - exp(-k w+)."""
    return _readiness(np.asarray(willingness, dtype=float), c.reach)


@rule
def eagerness_of(leader_disposition: float) -> float:
    """A leader's eagerness for a deal above neutral: 0 at disposition 0.5 or below, 1 at 1."""
    return min(max(2.0 * leader_disposition - 1.0, 0.0), 1.0)


@elementwise_rule("float64(float64)")
def _eagerness(leader_disposition: float) -> float:
    return eagerness_of(leader_disposition)


def eagerness(leader_disposition: ArrayLike) -> Array:
    """A leader's eagerness for a deal above neutral: 0 at disposition 0.5 or below, 1 at 1."""
    return _eagerness(np.asarray(leader_disposition, dtype=float))


@rule
def override_of(leader_autonomy: float, leader_disposition: float) -> float:
    """A leader's override (see :func:`leader_override`)."""
    return leader_autonomy * eagerness_of(leader_disposition)


@elementwise_rule("float64(float64, float64)")
def _overrides(leader_autonomy: float, leader_disposition: float) -> float:
    return override_of(leader_autonomy, leader_disposition)


def leader_override(m: Motivations) -> Array:
    """How far a leader can set aside even salient issues: autonomy x eagerness above neutral.

    Zero for a neutral or reluctant leader; up to ``leader_autonomy`` for one wholly
    bent on a deal. "Kim Jong-il's single comment on the abduction issue seemed to
    have immediately solved the issue" (article, Scenario 2).
    """
    return _overrides(_floats(m.leader_autonomy), _floats(m.leader_disposition))


def _shares(weights: ArrayLike) -> Array:
    """Weights scaled to sum to 1 over issues (all zero stays all zero)."""
    weights = np.asarray(weights, dtype=float)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


@rule
def _share_of(weight: float, total: float) -> float:
    """One issue's weight as a share of the total (0 where there is no weight at all)."""
    return weight / total if total > 0.0 else 0.0


MAX_LEVERAGE = 20.0
"""Cap on an issue's exchange ratio (a side that gives an issue no weight yields it at once)."""


@rule
def exchange_ratio_of(own_share: float, partner_share: float, override: float) -> float:
    """One issue's exchange ratio from the two sides' shares (see :func:`issue_exchange_ratio`)."""
    if partner_share >= MAX_LEVERAGE * own_share:  # capped (no division by a share near 0)
        ratio = MAX_LEVERAGE if partner_share > 0.0 else 1.0
    else:
        ratio = partner_share / own_share
    if ratio < 1.0:
        ratio = ratio + (1.0 - ratio) * override
    return ratio


@rule
def hold_of(own_share: float, override: float) -> float:
    """How freely a state moves on one issue whatever its partner (see :func:`issue_hold`)."""
    return 1.0 - own_share * (1.0 - override)


@row_rule("void(f8[:], f8[:], f8, f8[:])", "(i),(i),()->(i)")
def _exchange_ratios(own: Array, partner: Array, override: float, out: Array) -> None:
    own_total, partner_total = own.sum(), partner.sum()
    for i in range(own.shape[0]):
        out[i] = exchange_ratio_of(
            _share_of(own[i], own_total), _share_of(partner[i], partner_total), override
        )


@row_rule("void(f8[:], f8, f8[:])", "(i),()->(i)")
def _holds(own: Array, override: float, out: Array) -> None:
    own_total = own.sum()
    for i in range(own.shape[0]):
        out[i] = hold_of(_share_of(own[i], own_total), override)


def issue_exchange_ratio(
    own_salience: ArrayLike, partner_salience: ArrayLike, override: ArrayLike
) -> Array:
    """How cheaply a state can yield each issue: the partner's weight on it over its own.

    Issue linkage (logrolling; the exchange model of Stokman and van Oosten): each side
    yields most where it cares least relative to its partner, and holds where it cares
    more. Weights are each side's effective saliences as shares of its total, so the
    number of issues in a file does not change the ratio. A personalist leader's
    ``override`` lifts a ratio below 1 toward 1: he can set aside even what his state
    cares about most.
    """
    return _exchange_ratios(_floats(own_salience), _floats(partner_salience), _floats(override))


def issue_hold(own_salience: ArrayLike, override: ArrayLike) -> Array:
    """How freely a state moves on each issue whatever its partner: ``1 - share * (1 - override)``.

    An issue that carries much of a state's whole concern is hard to move on, even against
    a partner who cares as much (a mutually salient issue is a hard one); a personalist
    leader's override loosens that hold.
    """
    return _holds(_floats(own_salience), _floats(override))


@rule
def concession_level_of(ideal: float, partner_ideal: float, demand: float) -> float:
    """How far along one issue's axis a demand stands from the state's ideal (0..1)."""
    span = partner_ideal - ideal
    share = (demand - ideal) / span if span != 0.0 else 1.0
    return min(max(share, 0.0), 1.0)


@elementwise_rule("float64(float64, float64, float64)")
def _concession_levels(ideal: float, partner_ideal: float, demand: float) -> float:
    return concession_level_of(ideal, partner_ideal, demand)


def concession_levels(ideal: ArrayLike, partner_ideal: ArrayLike, demand: ArrayLike) -> Array:
    """How far along each issue's axis a demand stands from the state's ideal (0..1).

    Where an event has moved the two ideals together, the issue counts as wholly conceded.
    """
    return _concession_levels(_floats(ideal), _floats(partner_ideal), _floats(demand))


RECIPROCITY_STEPS = 60
"""Most steps that find the effort a reciprocity cap allows (it converges in a few)."""


@rule
def _value_and_slope(
    effort: float, ratio: Array, weights: Array, limit: Array, reach: float, levels: Array
) -> tuple[float, float]:
    """What an effort concedes, ``sum_i w_i min(readiness(effort r_i), limit_i)``, and its slope.

    Each issue's level, ``min(readiness(effort r_i), limit_i)``, is left in ``levels``.
    """
    value, slope = 0.0, 0.0
    for i in range(ratio.shape[0]):
        level = readiness_of(effort * ratio[i], reach)
        if level < limit[i]:
            value += weights[i] * level
            slope += weights[i] * reach * ratio[i] * (1.0 - level)
        else:
            level = limit[i]
            value += weights[i] * level
        levels[i] = level
    return value, slope


@rule
def effort_of(
    willingness: float,
    ratio: Array,
    weights: Array,
    allowed: float,
    reach: float,
    limit: Array,
    levels: Array,
) -> tuple[float, bool]:
    """The largest effort, at most ``willingness``, whose concessions stay within ``allowed``.

    Also says whether ``levels`` holds each issue's level at that effort (see
    :func:`_value_and_slope`): it does unless the last Newton step was taken unevaluated.
    """
    value, slope = _value_and_slope(willingness, ratio, weights, limit, reach, levels)
    if value <= allowed:
        return willingness, True
    # Newton's method on the value's saturation, -log(1 - value / most): for one issue that is
    # linear in the effort (one step finds the root), for several nearly so. The root stays
    # bracketed in [low, high]; a step that leaves the bracket is replaced by a bisection.
    most = 0.0
    for i in range(ratio.shape[0]):
        if ratio[i] > 0.0:
            most += weights[i] * min(limit[i], 1.0)
    goal = -math.log1p(-allowed / most)
    # At no effort nothing is conceded and the slope needs no exponential: the first step
    # is taken from there without evaluating it.
    low, high, effort, value, slope = 0.0, willingness, 0.0, 0.0, 0.0
    for i in range(ratio.shape[0]):
        if limit[i] > 0.0:
            slope += weights[i] * reach * ratio[i]
    for _ in range(RECIPROCITY_STEPS):
        if value > allowed:
            high = effort
        else:
            low = effort
        if abs(value - allowed) <= 1e-12 * allowed:  # the cap, to within rounding
            return effort, effort > 0.0
        step = -1.0
        if value < most and slope > 0.0:
            step = effort + (goal + math.log1p(-value / most)) * (most - value) / slope
        following = step if low < step < high else 0.5 * (low + high)
        change = abs(following - effort)
        # Newton converges quadratically: after a Newton step of a millionth of the effort the
        # next is within about 1e-12 of the root (relative), so it is taken without evaluating it.
        if change <= 1e-13 * following or (following == step and change <= 1e-6 * following):
            return following, False
        effort = following
        value, slope = _value_and_slope(effort, ratio, weights, limit, reach, levels)
    return low, False


@row_rule("void(f8, f8[:], f8[:], f8, f8, f8[:], f8[:])", "(),(i),(i),(),(),(i)->()")
def _efforts(
    willingness: float,
    ratio: Array,
    weights: Array,
    allowed: float,
    reach: float,
    limit: Array,
    out: Array,
) -> None:
    out[0] = effort_of(willingness, ratio, weights, allowed, reach, limit, np.empty_like(ratio))[0]


def reciprocal_effort(
    willingness: ArrayLike,
    ratio: ArrayLike,
    weights: ArrayLike,
    allowed: ArrayLike,
    c: Constants,
    limit: ArrayLike = 1.0,
) -> Array:
    """The largest effort, at most ``willingness``, whose concessions stay within ``allowed`` value.

    The value given is ``sum_i w_i min(1 - exp(-reach * effort * ratio_i), limit_i)``
    (``limit``: what is asked and the red line), which rises with the effort; where the
    full willingness would give more than the cap allows, Newton's method finds the effort
    that gives exactly the cap (to machine precision). Cutting the effort cuts most where
    the ratio is low, so a capped state still yields what is cheap to it and holds what it
    values (a budget spent cheapest first).
    """
    ratio = _floats(ratio)
    limit = np.broadcast_to(_floats(limit), np.broadcast_shapes(np.shape(limit), ratio.shape[-1:]))
    return _efforts(_floats(willingness), ratio, _floats(weights), _floats(allowed), c.reach, limit)


@rule
def targets_of(
    ideal: Array,
    partner_ideal: Array,
    partner_demand: Array,
    willingness: float,
    own_salience: Array,
    partner_salience: Array,
    override: float,
    leader_disposition: float,
    red_line: Array,
    deferrable: Array,
    k: Array,
    out: Array,
    work: Array,
) -> None:
    """One state's targets on its issues into ``out`` (see :func:`concession_targets`).

    ``work`` is scratch space, ``[4, I]``, so that a batch of runs allocates it once.
    """
    n = ideal.shape[0]
    if willingness <= 0.0:  # no effort: every issue's level is 0, the target is the ideal
        for i in range(n):
            out[i] = ideal[i]
        return
    reach, elasticity, hold_exponent = k[K_REACH], k[K_ELASTICITY], k[K_HOLD]
    reciprocity, override_margin = k[K_RECIPROCITY], k[K_OVERRIDE_MARGIN]
    own_total, partner_total = own_salience.sum(), partner_salience.sum()
    ratio, weights, limit, levels = work[0], work[1], work[2], work[3]
    received = 0.0
    for i in range(n):
        own, partner = (
            _share_of(own_salience[i], own_total),
            _share_of(partner_salience[i], partner_total),
        )
        # ratio ** elasticity * hold ** hold_exponent, as one exponential (no log of zero: an
        # issue held entirely, or one the partner gives no weight, is not moved at all)
        exchange, hold = exchange_ratio_of(own, partner, override), hold_of(own, override)
        ratio[i] = 0.0
        if exchange > 0.0 and hold > 0.0:
            ratio[i] = math.exp(elasticity * math.log(exchange) + hold_exponent * math.log(hold))
        weights[i] = own
        got = concession_level_of(partner_ideal[i], ideal[i], partner_demand[i])
        received += own * got
        limit[i] = 0.0 if deferrable[i] else min(1.0 - got, red_line[i])
    allowed = (
        received
        + reciprocity * 2.0 * leader_disposition
        + override_margin * override * eagerness_of(leader_disposition)
    )
    effort, known = effort_of(willingness, ratio, weights, allowed, reach, limit, levels)
    for i in range(n):
        level = levels[i] if known else min(readiness_of(effort * ratio[i], reach), limit[i])
        out[i] = ideal[i] + level * (partner_ideal[i] - ideal[i])


@row_rule(
    "void(f8[:], f8[:], f8[:], f8, f8[:], f8[:], f8, f8, f8[:], b1[:], f8[:], f8[:])",
    "(i),(i),(i),(),(i),(i),(),(),(i),(i),(k)->(i)",
)
def _targets(
    ideal: Array,
    partner_ideal: Array,
    partner_demand: Array,
    willingness: float,
    own_salience: Array,
    partner_salience: Array,
    override: float,
    leader_disposition: float,
    red_line: Array,
    deferrable: Array,
    k: Array,
    out: Array,
) -> None:
    targets_of(
        ideal,
        partner_ideal,
        partner_demand,
        willingness,
        own_salience,
        partner_salience,
        override,
        leader_disposition,
        red_line,
        deferrable,
        k,
        out,
        np.empty((4, ideal.shape[0])),
    )


def concession_targets(
    ideal: ArrayLike,
    partner_ideal: ArrayLike,
    partner_demand: ArrayLike,
    willingness: ArrayLike,
    own_salience: ArrayLike,
    partner_salience: ArrayLike,
    override: ArrayLike,
    leader_disposition: ArrayLike,
    red_line: ArrayLike,
    c: Constants,
    deferrable: ArrayLike = False,
) -> Array:
    """Where a state would now settle on each issue: readiness, logroll, reciprocity, limits.

    1. On each issue it would concede ``1 - exp(-reach * willingness * ratio)`` of the way
       from its ideal to its partner's, where ``ratio`` is the issue's exchange ratio
       (:func:`issue_exchange_ratio`) raised to ``exchange_elasticity``, times its hold
       (:func:`issue_hold`) raised to ``hold_exponent``: an issue the partner values more
       is given up fast, one the state values more is held.
    2. Reciprocity in value: what it gives, weighted by its own saliences, runs at most a
       margin ahead of what it has received (its partner's concessions, weighted by the
       same saliences). No one bargains against itself, and a partner's gesture on what a
       state cares about buys more than one on what it does not. The margin is
       ``2 * reciprocity_margin * leader_disposition``: a leader bent on a deal goes out on
       a limb, as Kim Jong-il did in 2002. Over the cap the state lowers its effort
       (:func:`reciprocal_effort`), which keeps what is cheap to it and holds what it values.
    3. Never past the partner's current demand (no one concedes more than is asked), and
       never past the state's red line (``red_line``: the largest share it will ever
       concede on each issue, 1 where it has none).
    4. Nothing on a ``deferrable`` issue. Where both sides know an issue can be set aside
       (a sovereignty "umbrella", a dispute sent to arbitration or to another forum), each
       reserves its position: no one spends concessions on it, it weighs on no audience
       (it adds nothing to the historical burden, :func:`assess`), and the signing rule
       shelves it (:func:`signed_at_table`). Its salience still counts in the shares: the
       state still cares about it, it just is not traded.

    With no positive willingness the target is the ideal, so demands drift back home. The
    arithmetic is one compiled pass over each state's issues (:mod:`negsim.compiled`), the
    same for one Mesa agent and for every run of the batch engine.
    """
    ideal = _floats(ideal)
    shape = ideal.shape[-1:]
    return _targets(
        ideal,
        _floats(partner_ideal),
        _floats(partner_demand),
        _floats(willingness),
        _floats(own_salience),
        _floats(partner_salience),
        _floats(override),
        _floats(leader_disposition),
        np.broadcast_to(_floats(red_line), np.broadcast_shapes(np.shape(red_line), shape)),
        np.broadcast_to(
            np.asarray(deferrable, dtype=bool), np.broadcast_shapes(np.shape(deferrable), shape)
        ),
        rule_constants(c),
    )


def _floats(x: ArrayLike) -> Array:
    """A float64 array (the compiled rules take no other type)."""
    return np.asarray(x, dtype=np.float64)


SUMMIT_EXCHANGE_ROUNDS = 12
"""Rounds of offer and counter-offer a summit's simultaneous exchange runs (it converges fast)."""


@rule
def offers_of(
    ideal: Array,
    demand: Array,
    willingness: Array,
    salience: Array,
    override: Array,
    leader_disposition: Array,
    red_line: Array,
    deferrable: Array,
    pinned: Array,
    k: Array,
    out: Array,
) -> None:
    """Both sides' offers at a summit into ``out`` (``[2, I]``; see :func:`simultaneous_offers`)."""
    offers, work = demand.copy(), np.empty((4, demand.shape[1]))
    for _ in range(SUMMIT_EXCHANGE_ROUNDS):
        for s in range(2):
            if pinned[s]:
                out[s] = demand[s]
            else:
                targets_of(
                    ideal[s],
                    ideal[1 - s],
                    offers[1 - s],
                    willingness[s],
                    salience[s],
                    salience[1 - s],
                    override[s],
                    leader_disposition[s],
                    red_line[s],
                    deferrable,
                    k,
                    out[s],
                    work,
                )
        offers[:] = out


@row_rule(
    "void(f8[:, :], f8[:, :], f8[:], f8[:, :], f8[:], f8[:], f8[:, :], b1[:], b1[:], f8[:],"
    " f8[:, :])",
    "(s,i),(s,i),(s),(s,i),(s),(s),(s,i),(i),(s),(k)->(s,i)",
)
def _offers(
    ideal: Array,
    demand: Array,
    willingness: Array,
    salience: Array,
    override: Array,
    leader_disposition: Array,
    red_line: Array,
    deferrable: Array,
    pinned: Array,
    k: Array,
    out: Array,
) -> None:
    offers_of(
        ideal,
        demand,
        willingness,
        salience,
        override,
        leader_disposition,
        red_line,
        deferrable,
        pinned,
        k,
        out,
    )


def simultaneous_offers(
    ideal: ArrayLike,
    demand: ArrayLike,
    willingness: ArrayLike,
    salience: ArrayLike,
    override: ArrayLike,
    leader_disposition: ArrayLike,
    red_line: ArrayLike,
    c: Constants,
    deferrable: ArrayLike = False,
    pinned: ArrayLike | None = None,
) -> Array:
    """What each side offers at a summit, where both commit to a package at once.

    In regular rounds reciprocity is built month by month: each side gives at most a margin
    more than it has already received (:func:`concession_targets`), so even two willing
    sides need years to close a wide gap. At a summit the package is exchanged as a whole,
    so each side's concessions are judged against what the other *offers* there, not against
    what it had conceded before. Starting from the demands as the summit opens, each side's
    offer is its target given the other's offer; after :data:`SUMMIT_EXCHANGE_ROUNDS` rounds
    the offers have met, or settled where a side's readiness (not reciprocity) binds. A side
    with no willingness offers its ideal, at a summit as in any month. All arrays carry both
    states on axis -2 (``[*B, 2, I]``; per-state scalars ``[*B, 2]``); ``red_line`` is
    ``[2, I]``. ``pinned`` (``[*B, 2]`` bool) marks a side whose offer is its demand as
    given, whatever the other offers: a human delegate's move in the role-play.
    """
    given = _floats(demand)
    issues = given.shape[-1:]
    fixed = np.zeros(2, bool) if pinned is None else np.asarray(pinned, dtype=bool)
    return _offers(
        _floats(ideal),
        given,
        _floats(willingness),
        _floats(salience),
        _floats(override),
        _floats(leader_disposition),
        _floats(red_line),
        np.broadcast_to(np.asarray(deferrable, dtype=bool), issues),
        fixed,
        rule_constants(c),
    )


@rule
def pace_of(talks_intensity: float, adjustment_rate: float) -> float:
    """The share of the way to target a month's talks cover (see :func:`pace`)."""
    return -math.expm1(max(talks_intensity, 0.0) * math.log1p(-adjustment_rate))


@elementwise_rule("float64(float64, float64)")
def _paces(talks_intensity: float, adjustment_rate: float) -> float:
    return pace_of(talks_intensity, adjustment_rate)


def pace(talks_intensity: ArrayLike, c: Constants) -> Array:
    """Share of the way to target a month's talks cover: ``1 - (1 - rate) ** intensity``.

    Intensity counts rounds' worth of talks in the month (1 = the regular rounds the rate
    was set for; a leaders' summit is worth ``summit_intensity``), so a summit between
    willing leaders can close a gap within its month, and a month of no rounds moves
    nothing.
    """
    return _paces(_floats(talks_intensity), c.adjustment_rate)


@rule
def adjusted_of(demand: float, target: float, talks_active: bool, rate: float) -> float:
    """One demand after a month's talks (see :func:`adjust_demands`)."""
    return demand + rate * (target - demand) if talks_active else demand


@elementwise_rule("float64(float64, float64, boolean, float64)")
def _adjusted(demand: float, target: float, talks_active: bool, rate: float) -> float:
    return adjusted_of(demand, target, talks_active, rate)


def adjust_demands(
    demand: ArrayLike, target: ArrayLike, talks_active: ArrayLike, rate: ArrayLike
) -> Array:
    """Move demands part of the way (``rate``) to their targets; suspended talks move nothing."""
    active = np.asarray(talks_active, dtype=bool)
    return _adjusted(_floats(demand), _floats(target), active, _floats(rate)[..., None])


@rule
def gap_of(demand_a: float, demand_b: float, orientation: float) -> float:
    """One issue's gap between the two demands (see :func:`issue_gaps`)."""
    return max((demand_b - demand_a) * orientation, 0.0)


@elementwise_rule("float64(float64, float64, float64)")
def _gaps(demand_a: float, demand_b: float, orientation: float) -> float:
    return gap_of(demand_a, demand_b, orientation)


def issue_gaps(demand_a: ArrayLike, demand_b: ArrayLike, orientation: ArrayLike) -> Array:
    """Distance between the two sides' demands per issue (zero once they cross)."""
    return _gaps(_floats(demand_a), _floats(demand_b), _floats(orientation))


class TableResult(NamedTuple):
    """What the table agreed this month: a package signed, and which issues it shelved."""

    signed: NDArray[np.bool_]
    shelved: NDArray[np.bool_]


@rule
def signed_of(
    gaps: Array,
    talks_active: bool,
    deferrable: Array,
    willingness: Array,
    tolerance: float,
    shelved: Array,
) -> bool:
    """Whether a package is signed this month (see :func:`signed_at_table`); fills ``shelved``."""
    core, any_closed, whole = True, False, True
    for i in range(gaps.shape[0]):
        closed = gaps[i] <= tolerance
        core = core and (closed or deferrable[i])
        any_closed = any_closed or closed
        whole = whole and closed
    both_want = True
    for s in range(willingness.shape[0]):
        both_want = both_want and willingness[s] > 0.0
    signed = talks_active and core and any_closed and (whole or both_want)
    for i in range(gaps.shape[0]):
        shelved[i] = signed and not gaps[i] <= tolerance
    return signed


@row_rule("void(f8[:], b1, b1[:], f8[:], f8[:], b1[:], b1[:])", "(i),(),(i),(s),(k)->(),(i)")
def _signed(
    gaps: Array,
    talks_active: bool,
    deferrable: Array,
    willingness: Array,
    k: Array,
    signed: Array,
    shelved: Array,
) -> None:
    signed[0] = signed_of(gaps, talks_active, deferrable, willingness, k[K_TOLERANCE], shelved)


def signed_at_table(
    gaps: ArrayLike,
    talks_active: ArrayLike,
    deferrable: ArrayLike,
    willingness: ArrayLike,
    c: Constants,
) -> TableResult:
    """The agreement rule: talks in session and every issue's gap within tolerance, or shelved.

    An issue marked deferrable may be left open (set aside under an "umbrella", a
    territorial dispute deferred by a joint declaration) when every other issue is
    settled, at least one issue is, and both states still want a deal (positive
    willingness): each prefers the deal without it to no deal.
    """
    gaps = _floats(gaps)
    deferrable = np.broadcast_to(np.asarray(deferrable, dtype=bool), gaps.shape[-1:])
    signed, shelved = _signed(
        gaps,
        np.asarray(talks_active, dtype=bool),
        deferrable,
        np.atleast_1d(_floats(willingness)),
        rule_constants(c),
    )
    return TableResult(signed, shelved)


def audience_backlash(
    salience: ArrayLike,
    opened: ArrayLike,
    tolerated: ArrayLike,
    conceded: ArrayLike,
    c: Constants,
) -> Array:
    """Audience cost a concession beyond what the audience tolerates adds (a human's move).

    Levels are concession levels on each issue (0 = the ideal, 1 = the partner's ideal):
    as the month opened, what the audience tolerates this month (the state's own target)
    and what was conceded. Only new ground beyond both counts, weighted by the state's own
    saliences as ratification weighs a package: ``ratification_backlash * sum_i sigma_i *
    max(conceded_i - max(opened_i, tolerated_i), 0)``. Conceding a whole issue the state
    cares about entirely hardens the audience as much as a failed ratification does.
    """
    floor = np.maximum(np.asarray(opened, dtype=float), np.asarray(tolerated, dtype=float))
    excess = np.maximum(np.asarray(conceded, dtype=float) - floor, 0.0)
    return c.ratification_backlash * np.sum(_shares(salience) * excess, axis=-1)


RATIFICATION_KINDS: dict[str, tuple[float, float]] = {
    # kind: (how much the audience's opposition weighs, how much the leader's hold counts)
    "none": (0.0, 1.0),
    "court": (0.5, 1.0),
    "legislature": (1.0, 1.0),
    "referendum": (1.0, 0.5),
}
"""The domestic steps a signed deal may need, as one table (read by schema and rules)."""


@rule
def ratification_chance_of(
    opposition_weight: float,
    hold_weight: float,
    audience_cost: float,
    leader_autonomy: float,
    conceded_value: float,
    weight: float,
) -> float:
    """One state's chance that a signed package passes at home (see :func:`ratification_chance`)."""
    hold = hold_weight * leader_autonomy
    doubt = weight * opposition_weight * audience_cost * conceded_value * (1.0 - hold)
    return min(max(1.0 - doubt, 0.0), 1.0)


@elementwise_rule("float64(float64, float64, float64, float64, float64, float64)")
def _ratification_chances(
    opposition_weight: float,
    hold_weight: float,
    audience_cost: float,
    leader_autonomy: float,
    conceded_value: float,
    weight: float,
) -> float:
    return ratification_chance_of(
        opposition_weight, hold_weight, audience_cost, leader_autonomy, conceded_value, weight
    )


def ratification_chance(
    opposition_weight: ArrayLike,
    hold_weight: ArrayLike,
    audience_cost: ArrayLike,
    leader_autonomy: ArrayLike,
    conceded_value: ArrayLike,
    c: Constants,
) -> Array:
    """The chance a signed package passes a state's domestic step (Putnam's level II).

    ``1 - ratification_weight * kind * audience_cost * conceded_value * (1 - hold * autonomy)``,
    clipped to [0, 1]: it falls with audience cost and with how much of what the audience
    cares about the package gives away (``conceded_value``, the state's own saliences
    times its concession shares, :func:`ratify_of`), and rises with the leader's hold; in a
    referendum the leader's hold counts half.
    """
    return _ratification_chances(
        _floats(opposition_weight),
        _floats(hold_weight),
        _floats(audience_cost),
        _floats(leader_autonomy),
        _floats(conceded_value),
        c.ratification_weight,
    )


@rule
def passes_at_home_of(
    s: int,
    demand: Array,
    origin: Array,
    salience: Array,
    motivations: Array,
    shelved: Array,
    ratification: Array,
    draw: float,
    k: Array,
) -> bool:
    """Whether state ``s`` ratifies the package its demands settle at, given its uniform draw.

    It weighs the package by its own saliences times its concession share of each issue
    settled (a shelved issue concedes nothing), as :func:`ratification_chance_of` reads it.
    """
    conceded = 0.0
    for i in range(demand.shape[1]):
        share = 0.0
        if not shelved[i]:
            point = 0.5 * (demand[0, i] + demand[1, i])
            share = (point - origin[s, i]) / (origin[1 - s, i] - origin[s, i])
        conceded += salience[s, i] * min(max(share, 0.0), 1.0)
    chance = ratification_chance_of(
        ratification[s, 0],
        ratification[s, 1],
        motivations[s, M_AUDIENCE_COST],
        motivations[s, M_AUTONOMY],
        conceded,
        k[K_RATIFICATION_WEIGHT],
    )
    return draw < chance


@rule
def ratify_of(
    demand: Array,
    origin: Array,
    salience: Array,
    motivations: Array,
    shelved: Array,
    ratification: Array,
    draws: Array,
    end_if_failed: bool,
    talks_active: bool,
    step: int,
    signed_step: int,
    k: Array,
) -> tuple[bool, bool, int]:
    """Whether a package signed this month passes both states' domestic steps.

    Each state passes it by :func:`passes_at_home_of` against its own uniform ``draws[s]``.
    A deal that fails is recorded (the first such month, ``signed_step``) and is no
    normalization; then, by the scenario's ``if_not_ratified``, the talks end
    (``end_if_failed``) or go on with each failing side's audience hardened by
    ``ratification_backlash`` (``motivations`` changed in place). Returns (ratified, talks
    still active, signed_step).
    """
    first = passes_at_home_of(
        0, demand, origin, salience, motivations, shelved, ratification, draws[0], k
    )
    second = passes_at_home_of(
        1, demand, origin, salience, motivations, shelved, ratification, draws[1], k
    )
    if first and second:
        return True, talks_active, signed_step
    if signed_step < 0:
        signed_step = step
    if end_if_failed:
        return False, False, signed_step
    for s, passed in ((0, first), (1, second)):
        if not passed:
            hardened = motivations[s, M_AUDIENCE_COST] + k[K_BACKLASH]
            motivations[s, M_AUDIENCE_COST] = min(max(hardened, 0.0), 1.0)
    return False, talks_active, signed_step


def settlement_point(demand_a: ArrayLike, demand_b: ArrayLike) -> Array:
    """The package on each issue: halfway between the two final demands (within tolerance)."""
    return 0.5 * (np.asarray(demand_a) + np.asarray(demand_b))


def concession_share(ideal: ArrayLike, partner_ideal: ArrayLike, point: ArrayLike) -> Array:
    """How far a state moved from its ideal, as a share of the initial gap."""
    span = np.asarray(partner_ideal, dtype=float) - np.asarray(ideal, dtype=float)
    return (np.asarray(point) - np.asarray(ideal)) / span


OPERATIONS: tuple[str, ...] = ("set", "add", "multiply")
"""What a dated event may do to a parameter, in the order of the codes :func:`changed_of` reads."""


@rule
def changed_of(current: float, operation: int, value: float) -> float:
    """A parameter after a dated event's change (``operation``: its code in :data:`OPERATIONS`)."""
    if operation == 0:
        return value
    if operation == 1:
        return current + value
    return current * value


@elementwise_rule("float64(float64, int64, float64)")
def _changed(current: float, operation: int, value: float) -> float:
    return changed_of(current, operation, value)


def apply_change(current: ArrayLike, operation: str, value: ArrayLike) -> Array:
    """Apply a dated event's ``set``, ``add`` or ``multiply`` to a parameter."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
    return _changed(_floats(current), OPERATIONS.index(operation), _floats(value))


@rule
def moved_ideal_of(
    own: float, partner: float, origin: float, operation: int, value: float
) -> float:
    """A new government's new position on an issue: within [0, 1], never past the partner's."""
    new = min(max(changed_of(own, operation, value), 0.0), 1.0)
    return min(new, partner) if origin < partner else max(new, partner)


@rule
def toward_partner_of(demand: float, partner_demand: float, share: float) -> float:
    """A demand after a dated concession that closes ``share`` of the gap."""
    return demand + share * (partner_demand - demand)


@elementwise_rule("float64(float64, float64, float64)")
def _toward_partner(demand: float, partner_demand: float, share: float) -> float:
    return toward_partner_of(demand, partner_demand, share)


def move_toward_partner(demand: ArrayLike, partner_demand: ArrayLike, share: ArrayLike) -> Array:
    """A dated concession (a summit gesture): close ``share`` of the current gap."""
    return _toward_partner(_floats(demand), _floats(partner_demand), _floats(share))


@rule
def salience_set_of(salience: Array, index: int, value: float, out: Array) -> None:
    """One state's saliences with issue ``index`` at ``value`` (see :func:`set_salience`)."""
    n = salience.shape[0]
    if n == 1:
        out[0] = 1.0
        return
    value = min(max(value, 0.0), 1.0)
    total = 0.0
    for i in range(n):
        total += salience[i]
    rest = total - salience[index]
    factor = (1.0 - value) / rest if rest > 0.0 else 0.0
    share = 0.0 if rest > 0.0 else (1.0 - value) / (n - 1)
    for i in range(n):
        out[i] = salience[i] * factor + share
    out[index] = value


@row_rule("void(f8[:], i8, f8, f8[:])", "(i),(),()->(i)")
def _salience_set(salience: Array, index: int, value: float, out: Array) -> None:
    salience_set_of(salience, index, value, out)


def set_salience(salience: ArrayLike, index: int, value: ArrayLike) -> Array:
    """Give one issue a new salience and rescale the others so they still sum to 1.

    A lone issue keeps salience 1: there is nothing to trade it against. Where the other
    issues had no weight at all, they share what is left equally.
    """
    return _salience_set(_floats(salience), index, _floats(value))
