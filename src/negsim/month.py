"""One month at the table, written once: both engines run these stages in this order.

A month opens (its events, the drivers, the opening gaps and demands), each state
*assesses* its situation, at a summit the table settles what each side offers, each
state *negotiates* (moves its demands toward where it would now settle), and the month
closes (a package signed, ratified, or not). The Mesa
agents call :func:`assess_side` and :func:`negotiate_side` for their own row; the
batch engine calls them for every state and run at once (``who=None``). The
arithmetic is in :mod:`negsim.dynamics`; a new mechanism is added there and wired
here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.compiled import rule
from negsim.constants import Constants
from negsim.dynamics import (
    K_TOLERANCE,
    M_AUTONOMY,
    M_DISPOSITION,
    MOTIVATION_NAMES,
    Assessment,
    DriverLevels,
    TableResult,
    adjust_demands,
    adjusted_of,
    assess,
    assess_of,
    audience_backlash,
    concession_levels,
    concession_share,
    concession_targets,
    gap_of,
    issue_gaps,
    leader_override,
    offers_of,
    override_of,
    pace,
    ratification_chance,
    rule_constants,
    settlement_point,
    signed_at_table,
    signed_of,
    simultaneous_offers,
    targets_of,
)
from negsim.runstate import RunState, apply_event
from negsim.timeline import Timeline

ALL = None
"""``who`` for every state at once (the batch engine); an int picks one state's row."""


@dataclass
class Opening:
    """The table as a month opens, after its events: what every state's decision reads."""

    step: int
    levels: DriverLevels  # each [*B, S] (named powers [*B, S, Q])
    gaps: np.ndarray  # [*B, I]
    demand: np.ndarray  # [*B, S, I], a copy: moves this month do not change it
    rate: np.ndarray  # [*B, S]: the share of the way to target this month's talks cover
    summit: bool = False  # a leaders' summit this month: packages are exchanged at once
    offers: np.ndarray | None = None  # [*B, S, I]: what each side puts on the table, if a summit


@dataclass
class Closing:
    """How a month ends: the closing gaps and what the table and the capitals decided."""

    gaps: np.ndarray  # [*B, I]
    signed: np.ndarray  # [*B] bool: a package was signed at the table this month
    ratified: np.ndarray  # [*B] bool: ... and passed every domestic step (a normalization)
    shelved: np.ndarray  # [*B, I] bool: issues the signed package set aside


def _own(a: np.ndarray, who: int | None, axis: int) -> np.ndarray:
    """A state's rows of an array whose state axis is ``axis`` (from the end)."""
    if who is None:
        return a
    return np.take(a, who, axis=a.ndim + axis)


def _partner(a: np.ndarray, who: int | None, axis: int) -> np.ndarray:
    """The partner's rows (the other state, or both states swapped)."""
    if who is None:
        return np.flip(a, axis=a.ndim + axis)
    return np.take(a, 1 - who, axis=a.ndim + axis)


def open_month(
    state: RunState,
    timeline: Timeline,
    step: int,
    c: Constants,
    last_gaps: np.ndarray | None = None,
) -> Opening:
    """Apply the month's events and read the table as it opens.

    ``last_gaps``, the previous month's closing gaps, are reused as the opening gaps
    unless an event moved demands (the batch engine's shortcut; same numbers).
    """
    events = timeline.events.get(step, [])
    for event in events:
        apply_event(state, event, timeline)
    if last_gaps is None or any(event.moves for event in events):
        gaps = issue_gaps(state.demand[..., 0, :], state.demand[..., 1, :], timeline.orientation)
    else:
        gaps = last_gaps
    levels = state.drivers_at(timeline, step)
    intensity = levels.talks_intensity
    if timeline.summit[step]:
        intensity = np.maximum(intensity, c.summit_intensity)
    summit = bool(timeline.summit[step])
    return Opening(step, levels, gaps, state.demand.copy(), pace(intensity, c), summit)


def assess_side(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    who: int | None,
    shock: np.ndarray,
    c: Constants,
) -> Assessment:
    """A state's drive, resistance, willingness and effective saliences this month."""
    per_state, per_power = opening.levels[:6], opening.levels[6:]
    levels = DriverLevels(
        *(_own(np.asarray(x), who, -1) for x in per_state),
        *(_own(np.asarray(x), who, -2) for x in per_power),
    )
    return assess(
        state.motivations_of(slice(None) if who is None else who),
        levels,
        _own(state.salience, who, -2),
        timeline.historical,
        opening.gaps,
        shock,
        c,
        _own(state.power_dependence, who, -2),
        timeline.deferrable,
    )


def exchange_at_summit(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    judged: Assessment,
    c: Constants,
    human: tuple[int, np.ndarray] | None = None,
) -> None:
    """At a summit, settle what each side offers before either moves (:func:`simultaneous_offers`).

    ``judged`` holds both states' assessments (``[*B, S]``, saliences ``[*B, S, I]``). The
    table, not one side, runs this stage: the Mesa model calls it between its agents'
    assessments and their moves, the batch engine for every run at once. In other months
    it does nothing and each side reads the other's demands as the month opened. ``human``
    (a seat and its demand on each issue) is a student's move in the role-play: that side
    offers exactly it, and the model's side answers it.
    """
    if not opening.summit:
        return
    m = state.motivations_of()
    demand, pinned = opening.demand, None
    if human is not None:
        seat, move = human
        demand = demand.copy()
        demand[..., seat, :] = move
        pinned = np.arange(demand.shape[-2]) == seat
    opening.offers = simultaneous_offers(
        state.ideal,
        demand,
        judged.willingness,
        judged.effective_salience,
        leader_override(m),
        m.leader_disposition,
        timeline.red_line,
        c,
        timeline.deferrable,
        pinned,
    )


def side_target(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    who: int | None,
    own: Assessment,
    partner: Assessment,
    c: Constants,
) -> np.ndarray:
    """Where a state would now settle on each issue: its own rules' target this month.

    Targets read the demands as the month opened (at a summit, what the partner offers
    there: :func:`exchange_at_summit`), so the order in which the two states move does not
    matter. For a human delegate in the role-play it is also what the domestic audience
    tolerates: the furthest the state's own drive, resistance, reciprocity and red lines
    would go.
    """
    m = state.motivations_of(slice(None) if who is None else who)
    on_table = opening.demand if opening.offers is None else opening.offers
    return concession_targets(
        _own(state.ideal, who, -2),
        _partner(state.ideal, who, -2),
        _partner(on_table, who, -2),
        own.willingness,
        own.effective_salience,
        partner.effective_salience,
        leader_override(m),
        m.leader_disposition,
        _own(timeline.red_line, who, -2),
        c,
        timeline.deferrable,
    )


def negotiate_side(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    who: int | None,
    own: Assessment,
    partner: Assessment,
    c: Constants,
    move: np.ndarray | None = None,
) -> None:
    """Move a state's demands toward where it would now settle (in place; none if suspended).

    Targets read the demands as the month opened, so the order in which the two
    states move does not matter.

    ``move`` (one state's row only) is a human delegate's demand on each issue this month,
    in place of the state's own target. A delegation states its demand at the table at
    once (the month's pace is for a state's own gradual adjustment), and only while talks
    are in session. A concession beyond what the audience tolerates (the state's own
    target) hardens the audience (:func:`~negsim.dynamics.audience_backlash`).
    """
    target = side_target(state, timeline, opening, who, own, partner, c)
    active = state.talks_active if who is None else state.talks_active[..., None]
    held = active[..., None, None] if who is None else active
    demand = _own(opening.demand, who, -2)
    if move is None:
        moved = adjust_demands(demand, target, held, _own(opening.rate, who, -1))
    else:
        if who is None:
            raise ValueError("a human move is one state's row: give who")
        moved = adjust_demands(demand, move, held, 1.0)
        ideal, other = state.ideal[..., who, :], state.ideal[..., 1 - who, :]
        backlash = audience_backlash(
            state.salience[..., who, :],
            concession_levels(ideal, other, demand),
            concession_levels(ideal, other, target),
            concession_levels(ideal, other, moved),
            c,
        )
        k = MOTIVATION_NAMES.index("audience_cost")
        hardened = state.motivations[..., who, k] + np.where(state.talks_active, backlash, 0.0)
        state.motivations[..., who, k] = np.clip(hardened, 0.0, 1.0)
    if who is None:
        state.demand[...] = moved
    else:
        state.demand[..., who, :] = moved


def package_shares(state: RunState, point: np.ndarray) -> np.ndarray:
    """Each state's concession share per issue for a package ``point`` [*B, I] -> [*B, S, I]."""
    a, b = state.origin[..., 0, :], state.origin[..., 1, :]
    return np.stack([concession_share(a, b, point), concession_share(b, a, point)], axis=-2)


def close_month(
    state: RunState,
    timeline: Timeline,
    step: int,
    willingness: np.ndarray,
    ratification_draw: np.ndarray,
    c: Constants,
    table: tuple[np.ndarray, TableResult] | None = None,
) -> Closing:
    """The month's closing gaps, and whether a package was signed and ratified.

    ``willingness`` is [*B, S]; ``ratification_draw`` is [*B, S] uniforms, one per state
    and month, drawn up front from the run's seed. A deal that fails a state's domestic
    step is recorded (``signed_step``) and is no normalization; then, by the scenario's
    ``if_not_ratified``, the talks end or go on with the failing side's audience
    hardened by ``ratification_backlash``. ``table`` (the closing gaps and the table's
    result) is given when :func:`month_of_runs` has already computed them.
    """
    demand = state.demand
    if table is None:
        gaps = issue_gaps(demand[..., 0, :], demand[..., 1, :], timeline.orientation)
        table = signed_at_table(gaps, state.talks_active, timeline.deferrable, willingness, c)
    else:  # the batch engine's month (:func:`month_of_runs`) has computed them
        gaps, table = table
    ratified = table.signed
    if timeline.needs_ratification and np.any(table.signed):
        point = settlement_point(demand[..., 0, :], demand[..., 1, :])
        shares = np.where(table.shelved[..., None, :], 0.0, package_shares(state, point))
        conceded = np.sum(state.salience * np.clip(shares, 0.0, 1.0), axis=-1)
        m = state.motivations_of()
        chance = ratification_chance(
            timeline.ratification[:, 0],
            timeline.ratification[:, 1],
            m.audience_cost,
            m.leader_autonomy,
            conceded,
            c,
        )
        passes = np.asarray(ratification_draw) < chance
        ratified = table.signed & np.all(passes, axis=-1)
        failed = table.signed & ~ratified
        if np.any(failed):
            state.signed_step[...] = np.where(
                failed & (state.signed_step < 0), step, state.signed_step
            )
            if timeline.if_not_ratified == "end":
                state.talks_active[...] = np.where(failed, False, state.talks_active)
            else:
                k = MOTIVATION_NAMES.index("audience_cost")
                hit = failed[..., None] & ~passes
                state.motivations[..., k] = np.clip(
                    state.motivations[..., k] + np.where(hit, c.ratification_backlash, 0.0),
                    0.0,
                    1.0,
                )
    return Closing(gaps, table.signed, ratified, table.shelved & ratified[..., None])


@rule
def _table_month(
    motivations: np.ndarray,
    levels: np.ndarray,
    pressure: np.ndarray,
    inducement: np.ndarray,
    dependence: np.ndarray,
    salience: np.ndarray,
    historical: np.ndarray,
    opening_gaps: np.ndarray,
    shocks: np.ndarray,
    deferrable: np.ndarray,
    k: np.ndarray,
    ideal: np.ndarray,
    opening_demand: np.ndarray,
    red_line: np.ndarray,
    rate: np.ndarray,
    talks_active: np.ndarray,
    orientation: np.ndarray,
    summit: bool,
    demand: np.ndarray,
    drive: np.ndarray,
    resistance: np.ndarray,
    willingness: np.ndarray,
    effective: np.ndarray,
    gaps: np.ndarray,
    signed: np.ndarray,
    shelved: np.ndarray,
) -> None:
    """The month's assessment, summit exchange, moves and signing for every run, compiled.

    The same stages in the same order as the Mesa model's step (:func:`assess_side`,
    :func:`exchange_at_summit`, :func:`negotiate_side`, :func:`close_month`), calling the
    same compiled rules run by run, so no temporaries span the runs.
    """
    states, issues = ideal.shape[1], ideal.shape[2]
    offers, target, work = np.empty((states, issues)), np.empty(issues), np.empty((3, issues))
    override, disposition = np.empty(states), np.empty(states)
    unpinned = np.zeros(states, np.bool_)
    for r in range(ideal.shape[0]):
        for s in range(states):
            drive[r, s], resistance[r, s], willingness[r, s] = assess_of(
                motivations[r, s],
                levels[r, s],
                pressure[r, s],
                inducement[r, s],
                dependence[r, s],
                salience[r, s],
                historical,
                opening_gaps[r],
                shocks[r, s],
                deferrable,
                k,
                effective[r, s],
            )
            override[s] = override_of(
                motivations[r, s, M_AUTONOMY], motivations[r, s, M_DISPOSITION]
            )
            disposition[s] = motivations[r, s, M_DISPOSITION]
        if talks_active[r]:  # suspended talks move nothing, whatever the targets
            if summit:
                offers_of(
                    ideal[r],
                    opening_demand[r],
                    willingness[r],
                    effective[r],
                    override,
                    disposition,
                    red_line,
                    deferrable,
                    unpinned,
                    k,
                    offers,
                )
            else:
                offers[:] = opening_demand[r]
            for s in range(states):
                targets_of(
                    ideal[r, s],
                    ideal[r, 1 - s],
                    offers[1 - s],
                    willingness[r, s],
                    effective[r, s],
                    effective[r, 1 - s],
                    override[s],
                    disposition[s],
                    red_line[s],
                    deferrable,
                    k,
                    target,
                    work,
                )
                for i in range(issues):
                    demand[r, s, i] = adjusted_of(
                        opening_demand[r, s, i], target[i], True, rate[r, s]
                    )
        else:
            demand[r] = opening_demand[r]
        for i in range(issues):
            gaps[r, i] = gap_of(demand[r, 0, i], demand[r, 1, i], orientation[i])
        signed[r] = signed_of(
            gaps[r], talks_active[r], deferrable, willingness[r], k[K_TOLERANCE], shelved[r]
        )


def month_of_runs(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    shocks: np.ndarray,
    c: Constants,
) -> tuple[Assessment, tuple[np.ndarray, TableResult]]:
    """The batch engine's month after it opens: every run's stages in one compiled pass.

    Moves ``state.demand`` in place and returns both states' assessments (``[R, S]``,
    saliences ``[R, S, I]``) and the closing gaps with the table's result, for
    :func:`close_month`.
    """
    runs, states, issues = state.demand.shape
    lv = opening.levels
    levels = np.stack(np.broadcast_arrays(*(np.asarray(x, float) for x in lv[:6])), axis=-1)
    pressure, inducement = (np.asarray(x, float) for x in lv[6:])
    drive, resistance, willingness = (np.empty((runs, states)) for _ in range(3))
    effective = np.empty((runs, states, issues))
    gaps, signed = np.empty((runs, issues)), np.empty(runs, bool)
    shelved = np.empty((runs, issues), bool)
    _table_month(
        state.motivations,
        levels,
        pressure,
        inducement,
        state.power_dependence,
        state.salience,
        np.asarray(timeline.historical, bool),
        opening.gaps,
        np.ascontiguousarray(shocks),
        np.asarray(timeline.deferrable, bool),
        rule_constants(c),
        state.ideal,
        opening.demand,
        np.asarray(timeline.red_line, float),
        np.asarray(opening.rate, float),
        state.talks_active,
        np.asarray(timeline.orientation, float),
        opening.summit,
        state.demand,
        drive,
        resistance,
        willingness,
        effective,
        gaps,
        signed,
        shelved,
    )
    judged = Assessment(drive, resistance, willingness, effective)
    return judged, (gaps, TableResult(signed, shelved))
