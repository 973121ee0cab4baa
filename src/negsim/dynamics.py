"""The negotiation's monthly rules, as pure functions over arrays.

Every function broadcasts over leading dimensions, so the same code serves one
Mesa agent (arrays over issues), a whole model (states x issues) and the batch
engine (runs x states x issues). Nothing here knows about Mesa, files or dates.
The equations are written out in ``docs/model.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    """Exogenous drivers felt by a state this month, already scaled."""

    us_pressure: ArrayLike
    us_retrenchment: ArrayLike
    detente: ArrayLike
    normalization_wave: ArrayLike


DRIVER_NAMES: tuple[str, ...] = DriverLevels._fields


class Assessment(NamedTuple):
    """What a state makes of its situation this month."""

    drive: Array
    resistance: Array
    willingness: Array
    effective_salience: Array


def effective_salience(
    salience: ArrayLike, historical: ArrayLike, us_pressure: ArrayLike, c: Constants
) -> Array:
    """Salience after U.S. pressure has pushed historical issues into the background.

    Historical issues' weights shrink by ``1 - recede_rate * pressure`` (never
    below zero); practical issues keep theirs. The freed weight is not handed to
    other issues, so pressure never makes a state cling harder to anything.
    """
    damping = np.clip(1.0 - c.recede_rate * np.asarray(us_pressure, dtype=float), 0.0, 1.0)
    salience = np.asarray(salience, dtype=float)
    return np.where(historical, salience * damping[..., None], salience)


def drive_to_settle(m: Motivations, d: DriverLevels, c: Constants) -> Array:
    """A state's drive to settle: need, U.S. levers, fear of exclusion, its leader.

    Leader disposition is centred on 0.5: a hostile leader (below 0.5) subtracts
    from the drive, an eager one adds to it.
    """
    need = 0.5 * (np.asarray(m.economic_need) + np.asarray(m.regime_security_need))
    exclusion = np.maximum(d.detente, d.normalization_wave)
    return (
        c.need_weight * need
        + c.us_pressure_weight * np.asarray(m.us_dependence) * d.us_pressure
        + c.abandonment_weight * np.asarray(m.abandonment_fear) * d.us_retrenchment
        + c.exclusion_weight * np.asarray(m.fear_of_exclusion) * exclusion
        + c.disposition_weight * (np.asarray(m.leader_disposition) - 0.5)
        - c.outside_option_weight * np.asarray(m.outside_options)
    )


def domestic_resistance(m: Motivations, historical_burden: ArrayLike, c: Constants) -> Array:
    """Resistance to concessions: audience cost, damped by leader autonomy.

    The historical burden (the weight the state still gives historical issues,
    times how far apart the sides remain on them) amplifies it: emotional issues
    left open are what a domestic audience punishes a leader for yielding on, and a
    partner's gesture on them (an apology, an admission) relieves it.
    """
    return (
        c.resistance_weight
        * np.asarray(m.audience_cost)
        * (1.0 - np.asarray(m.leader_autonomy))
        * (1.0 + np.asarray(historical_burden))
    )


def assess(
    m: Motivations,
    d: DriverLevels,
    salience: ArrayLike,
    historical: ArrayLike,
    gaps: ArrayLike,
    shock: ArrayLike,
    c: Constants,
) -> Assessment:
    """Drive, resistance and their balance (willingness) for one month.

    ``gaps`` are the issue gaps as the month opens (after its events).
    """
    eff = effective_salience(salience, historical, d.us_pressure, c)
    open_gaps = np.asarray(gaps)[..., None, :] if np.ndim(eff) > np.ndim(gaps) else gaps
    burden = np.sum(np.where(historical, eff * open_gaps, 0.0), axis=-1)
    drive = drive_to_settle(m, d, c)
    resistance = domestic_resistance(m, burden, c)
    return Assessment(drive, resistance, drive - resistance + shock, eff)


def reciprocity_cap(
    partner_demand: ArrayLike,
    partner_ideal: ArrayLike,
    ideal: ArrayLike,
    leader_disposition: ArrayLike,
    c: Constants,
) -> Array:
    """The furthest a state will go on any issue: its partner's mean concession plus a margin.

    No one bargains against itself: a state's concessions run at most a margin
    ahead of what its partner has conceded overall, so an eager state cannot close
    a deal alone, and a partner's retreat pulls it back. The margin grows with the
    leader's disposition (``reciprocity_margin`` at 0.5, twice that at 1): a leader
    bent on a deal goes out on a limb, as Kim Jong-il did in 2002.
    """
    partner_levels = np.clip(concession_share(partner_ideal, ideal, partner_demand), 0.0, 1.0)
    margin = c.reciprocity_margin * 2.0 * np.asarray(leader_disposition)
    return np.mean(partner_levels, axis=-1) + margin


def leader_override(m: Motivations) -> Array:
    """How far a leader can set aside even salient issues: autonomy x eagerness above neutral.

    Zero for a neutral or reluctant leader; up to ``leader_autonomy`` for one wholly
    bent on a deal. "Kim Jong-il's single comment on the abduction issue seemed to
    have immediately solved the issue" (article, Scenario 2).
    """
    eagerness = np.clip(2.0 * np.asarray(m.leader_disposition) - 1.0, 0.0, 1.0)
    return np.asarray(m.leader_autonomy) * eagerness


def concession_targets(
    ideal: ArrayLike,
    partner_ideal: ArrayLike,
    willingness: ArrayLike,
    effective_salience: ArrayLike,
    cap: ArrayLike,
    override: ArrayLike,
    c: Constants,
) -> Array:
    """Where a state would settle on each issue, given its willingness.

    Readiness ``1 - exp(-reach * willingness)`` rises from 0 toward 1 with positive
    willingness; on each issue a state goes at most ``1 - salience * (1 - override)``
    of the way (it yields most where it cares least), and never beyond its
    reciprocity cap. With no
    positive willingness its target is its ideal, so its demands drift back home.
    A personalist leader's ``override`` (see :func:`leader_override`) loosens the
    hold salience has on him.
    """
    flexibility = 1.0 - np.asarray(effective_salience) * (1.0 - np.asarray(override)[..., None])
    readiness = -np.expm1(-c.reach * np.maximum(np.asarray(willingness, dtype=float), 0.0))
    reach = np.minimum(flexibility * readiness[..., None], np.asarray(cap)[..., None])
    ideal = np.asarray(ideal, dtype=float)
    return ideal + reach * (np.asarray(partner_ideal) - ideal)


def adjust_demands(
    demand: ArrayLike, target: ArrayLike, talks_active: ArrayLike, c: Constants
) -> Array:
    """Move demands part of the way to their targets; suspended talks move nothing."""
    demand = np.asarray(demand, dtype=float)
    moved = demand + c.adjustment_rate * (np.asarray(target) - demand)
    return np.where(talks_active, moved, demand)


def move_toward_partner(demand: ArrayLike, partner_demand: ArrayLike, share: ArrayLike) -> Array:
    """A dated concession (a summit gesture): close ``share`` of the current gap."""
    demand = np.asarray(demand, dtype=float)
    return demand + np.asarray(share) * (np.asarray(partner_demand) - demand)


def issue_gaps(demand_a: ArrayLike, demand_b: ArrayLike, orientation: ArrayLike) -> Array:
    """Distance between the two sides' demands per issue (zero once they cross)."""
    return np.maximum((np.asarray(demand_b) - np.asarray(demand_a)) * orientation, 0.0)


def settled(gaps: ArrayLike, talks_active: ArrayLike, c: Constants) -> NDArray[np.bool_]:
    """The agreement rule: talks in session and every issue's gap within tolerance."""
    return np.asarray(talks_active) & np.all(np.asarray(gaps) <= c.agreement_tolerance, axis=-1)


def settlement_point(demand_a: ArrayLike, demand_b: ArrayLike) -> Array:
    """The package on each issue: halfway between the two final demands."""
    return 0.5 * (np.asarray(demand_a) + np.asarray(demand_b))


def concession_share(ideal: ArrayLike, partner_ideal: ArrayLike, point: ArrayLike) -> Array:
    """How far a state moved from its ideal, as a share of the initial gap."""
    span = np.asarray(partner_ideal, dtype=float) - np.asarray(ideal, dtype=float)
    return (np.asarray(point) - np.asarray(ideal)) / span


def apply_change(current: ArrayLike, operation: str, value: ArrayLike) -> Array:
    """Apply a dated event's ``set``, ``add`` or ``multiply`` to a parameter."""
    current = np.asarray(current, dtype=float)
    if operation == "set":
        return np.broadcast_to(np.asarray(value, dtype=float), current.shape).copy()
    if operation == "add":
        return current + value
    if operation == "multiply":
        return current * value
    raise ValueError(f"unknown operation {operation!r}")


def set_salience(salience: ArrayLike, index: int, value: ArrayLike) -> Array:
    """Give one issue a new salience and rescale the others so they still sum to 1.

    A lone issue keeps salience 1: there is nothing to trade it against.
    """
    salience = np.array(salience, dtype=float)
    if salience.shape[-1] == 1:
        return np.ones_like(salience)
    value = np.clip(np.asarray(value, dtype=float), 0.0, 1.0)
    rest = salience.sum(axis=-1) - salience[..., index]
    factor = np.where(rest > 0, (1.0 - value) / np.where(rest > 0, rest, 1.0), 0.0)
    out = salience * factor[..., None]
    # Where the other issues had no weight at all, they share what is left equally.
    others = salience.shape[-1] - 1
    if others:
        share = np.where(rest > 0, 0.0, (1.0 - value) / others)
        out = out + share[..., None]
    out[..., index] = value
    return out
