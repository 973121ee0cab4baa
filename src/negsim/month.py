"""One month at the table: its stages, in the order both engines run them.

A month opens (its events, the drivers, the opening gaps and demands), each state
*assesses* its situation, at a summit the table settles what each side offers, each
state *negotiates* (moves its demands toward where it would now settle), and the month
closes (a package signed, ratified, or not). The Mesa model runs the stages one by one:
:func:`open_month`, its agents' :func:`assess_side`, :func:`exchange_at_summit`, its
agents' :func:`negotiate_side`, :func:`close_month`. The batch engine runs the same stages
for each of its runs in one compiled loop (:func:`runs_of`), calling the same compiled
rules (:mod:`negsim.dynamics`, :mod:`negsim.runstate`, :mod:`negsim.draws`) with the same
numbers in the same order, so a run's outcome is bit for bit the same in both. A new
mechanism is a rule in :mod:`negsim.dynamics`, called from its stage here and from
:func:`runs_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from negsim.compiled import kernel, unowned
from negsim.constants import Constants
from negsim.draws import STREAMS, draw_key_of, month_draw_of
from negsim.dynamics import (
    D_TALKS_INTENSITY,
    DRIVER_NAMES,
    K_ADJUSTMENT,
    K_SUMMIT,
    K_TOLERANCE,
    M_AUTONOMY,
    M_DISPOSITION,
    MOTIVATION_NAMES,
    Assessment,
    DriverLevels,
    adjust_demands,
    adjusted_of,
    assess,
    assess_of,
    audience_backlash,
    concession_levels,
    concession_targets,
    gap_of,
    issue_gaps,
    leader_override,
    offers_of,
    override_of,
    pace,
    pace_of,
    ratify_of,
    rule_constants,
    signed_at_table,
    signed_of,
    simultaneous_offers,
    targets_of,
)
from negsim.runstate import RunState, apply_events, events_of, levels_of
from negsim.timeline import Timeline


@dataclass
class Opening:
    """The table as a month opens, after its events: what every state's decision reads."""

    step: int
    levels: DriverLevels  # each [S] (named powers [S, Q])
    gaps: np.ndarray  # [I]
    demand: np.ndarray  # [S, I], a copy: moves this month do not change it
    rate: np.ndarray  # [S]: the share of the way to target this month's talks cover
    summit: bool = False  # a leaders' summit this month: packages are exchanged at once
    offers: np.ndarray | None = None  # [S, I]: what each side puts on the table, if a summit


@dataclass
class Closing:
    """How a month ends: the closing gaps and what the table and the capitals decided."""

    gaps: np.ndarray  # [I]
    signed: np.ndarray  # bool: a package was signed at the table this month
    ratified: np.ndarray  # bool: ... and passed every domestic step (a normalization)
    shelved: np.ndarray  # [I] bool: issues the signed package set aside


def open_month(state: RunState, timeline: Timeline, step: int, c: Constants) -> Opening:
    """Apply the month's events to the run and read the table as it opens."""
    apply_events(state, timeline, step)
    gaps = issue_gaps(state.demand[0], state.demand[1], timeline.orientation)
    levels = state.drivers_at(timeline, step)
    intensity = levels.talks_intensity
    summit = bool(timeline.summit[step])
    if summit:
        intensity = np.maximum(intensity, c.summit_intensity)
    return Opening(step, levels, gaps, state.demand.copy(), pace(intensity, c), summit)


def assess_side(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    who: int,
    shock: float,
    c: Constants,
) -> Assessment:
    """State ``who``'s drive, resistance, willingness and effective saliences this month."""
    levels = DriverLevels(*(np.asarray(x)[who] for x in opening.levels))
    return assess(
        state.motivations_of(who),
        levels,
        state.salience[who],
        timeline.historical,
        opening.gaps,
        shock,
        c,
        state.power_dependence[who],
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

    ``judged`` holds both states' assessments (``[S]``, saliences ``[S, I]``). The table,
    not one side, runs this stage: the Mesa model calls it between its agents' assessments
    and their moves. In other months it does nothing and each side reads the other's
    demands as the month opened. ``human`` (a seat and its demand on each issue) is a
    student's move in the role-play: that side offers exactly it, and the model's side
    answers it.
    """
    if not opening.summit:
        return
    m = state.motivations_of()
    demand, pinned = opening.demand, None
    if human is not None:
        seat, move = human
        demand = demand.copy()
        demand[seat] = move
        pinned = np.arange(demand.shape[0]) == seat
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
    who: int,
    own: Assessment,
    partner: Assessment,
    c: Constants,
) -> np.ndarray:
    """Where state ``who`` would now settle on each issue: its own rules' target this month.

    Targets read the demands as the month opened (at a summit, what the partner offers
    there: :func:`exchange_at_summit`), so the order in which the two states move does not
    matter. For a human delegate in the role-play it is also what the domestic audience
    tolerates: the furthest the state's own drive, resistance, reciprocity and red lines
    would go.
    """
    m = state.motivations_of(who)
    on_table = opening.demand if opening.offers is None else opening.offers
    return concession_targets(
        state.ideal[who],
        state.ideal[1 - who],
        on_table[1 - who],
        own.willingness,
        own.effective_salience,
        partner.effective_salience,
        leader_override(m),
        m.leader_disposition,
        timeline.red_line[who],
        c,
        timeline.deferrable,
    )


def negotiate_side(
    state: RunState,
    timeline: Timeline,
    opening: Opening,
    who: int,
    own: Assessment,
    partner: Assessment,
    c: Constants,
    move: np.ndarray | None = None,
) -> None:
    """Move state ``who``'s demands toward where it would now settle (in place; none if suspended).

    Targets read the demands as the month opened, so the order in which the two
    states move does not matter.

    ``move`` is a human delegate's demand on each issue this month, in place of the
    state's own target. A delegation states its demand at the table at once (the month's
    pace is for a state's own gradual adjustment), and only while talks are in session.
    A concession beyond what the audience tolerates (the state's own target) hardens the
    audience (:func:`~negsim.dynamics.audience_backlash`).
    """
    target = side_target(state, timeline, opening, who, own, partner, c)
    active = state.talks_active[..., None]
    demand = opening.demand[who]
    if move is None:
        state.demand[who] = adjust_demands(demand, target, active, opening.rate[who])
        return
    moved = adjust_demands(demand, move, active, 1.0)
    ideal, other = state.ideal[who], state.ideal[1 - who]
    backlash = audience_backlash(
        state.salience[who],
        concession_levels(ideal, other, demand),
        concession_levels(ideal, other, target),
        concession_levels(ideal, other, moved),
        c,
    )
    k = MOTIVATION_NAMES.index("audience_cost")
    hardened = state.motivations[who, k] + np.where(state.talks_active, backlash, 0.0)
    state.motivations[who, k] = np.clip(hardened, 0.0, 1.0)
    state.demand[who] = moved


def close_month(
    state: RunState,
    timeline: Timeline,
    step: int,
    willingness: np.ndarray,
    ratification_draw: np.ndarray,
    c: Constants,
) -> Closing:
    """One run's closing gaps, and whether a package was signed and ratified this month.

    ``willingness`` is [S]; ``ratification_draw`` is [S] uniforms, one per state and month,
    drawn up front from the run's seed. A signed package must pass both states' domestic
    steps (:func:`~negsim.dynamics.ratify_of`, which also applies what a failure does).
    """
    demand = state.demand
    gaps = issue_gaps(demand[0], demand[1], timeline.orientation)
    table = signed_at_table(gaps, state.talks_active, timeline.deferrable, willingness, c)
    signed = bool(table.signed)
    ratified = signed
    if signed and timeline.needs_ratification:
        ratified, active, signed_step = ratify_of(
            demand,
            state.origin,
            state.salience,
            state.motivations,
            table.shelved,
            timeline.ratification,
            np.ascontiguousarray(ratification_draw, dtype=float),
            timeline.if_not_ratified == "end",
            bool(state.talks_active),
            step,
            int(state.signed_step),
            rule_constants(c),
        )
        state.talks_active[...] = active
        state.signed_step[...] = signed_step
    return Closing(gaps, np.asarray(signed), np.asarray(ratified), table.shelved & ratified)


class TimelineArrays(NamedTuple):
    """A timeline as the batch engine's compiled loop reads it (:func:`timeline_arrays`)."""

    drivers: np.ndarray  # [D, T, S]
    historical: np.ndarray  # [I] bool
    orientation: np.ndarray  # [I]
    deferrable: np.ndarray  # [I] bool
    red_line: np.ndarray  # [S, I]
    summit: np.ndarray  # [T] bool
    ratification: np.ndarray  # [S, 2]
    needs_ratification: bool
    end_if_not_ratified: bool
    actions: np.ndarray  # [N, 5] int
    action_values: np.ndarray  # [N, 3]
    action_start: np.ndarray  # [T + 1] int


def timeline_arrays(timeline: Timeline) -> TimelineArrays:
    """The timeline's arrays, typed as the compiled loop takes them."""
    return TimelineArrays(
        np.ascontiguousarray(timeline.drivers, dtype=float),
        np.asarray(timeline.historical, dtype=bool),
        np.asarray(timeline.orientation, dtype=float),
        np.asarray(timeline.deferrable, dtype=bool),
        np.ascontiguousarray(timeline.red_line, dtype=float),
        np.asarray(timeline.summit, dtype=bool),
        np.ascontiguousarray(timeline.ratification, dtype=float),
        timeline.needs_ratification,
        timeline.if_not_ratified == "end",
        timeline.actions,
        timeline.action_values,
        timeline.action_start,
    )


class RunTraces(NamedTuple):
    """Monthly traces the compiled loop fills when asked (``[R, T, ...]``; else empty)."""

    gaps: np.ndarray  # [R, T, I]
    drive: np.ndarray  # [R, T, S]
    willingness: np.ndarray  # [R, T, S]
    effective_historical: np.ndarray  # [R, T, S]: the effective salience of historical issues


class Workspace(NamedTuple):
    """The compiled loop's working rows for one run's month (a state's row ``[S, ...]``)."""

    base: np.ndarray  # [S, 6]: the drivers each state feels
    pressure: np.ndarray  # [S, Q]: each named power's push
    inducement: np.ndarray  # [S, Q]: ... and what it offers
    effective: np.ndarray  # [S, I]: effective saliences
    offers: np.ndarray  # [S, I]: what each side puts on the table
    opening: np.ndarray  # [S, I]: the demands as the month opened
    target: np.ndarray  # [I]
    scratch: np.ndarray  # [4, I]: the concession rule's scratch rows
    drive: np.ndarray  # [S]
    willingness: np.ndarray  # [S]
    rate: np.ndarray  # [S]: the pace of this month's talks
    paced: np.ndarray  # [S]: the talks' intensity that pace was computed for
    override: np.ndarray  # [S]
    disposition: np.ndarray  # [S]
    unpinned: np.ndarray  # [S] bool: no seat is a student's
    closed: np.ndarray  # [I] bool: issues the package leaves open (shelved) if signed
    draw: np.ndarray  # [4]: the month's draws


def workspace(states: int, issues: int, powers: int) -> Workspace:
    """The working rows :func:`runs_of` needs (allocated by its caller, who holds them)."""
    by_issue = (states, issues)
    return Workspace(
        np.empty((states, len(DRIVER_NAMES))),
        np.empty((states, powers)),
        np.empty((states, powers)),
        *(np.empty(by_issue) for _ in range(3)),
        np.empty(issues),
        np.empty((4, issues)),
        *(np.empty(states) for _ in range(6)),
        np.zeros(states, bool),
        np.zeros(issues, bool),
        np.empty(STREAMS),
    )


@kernel
def runs_of(
    state: tuple,
    seeds: np.ndarray,
    constants: np.ndarray,
    table: TimelineArrays,
    last: int,
    agreement_step: np.ndarray,
    gaps: np.ndarray,
    shelved: np.ndarray,
    traces: RunTraces,
    work: Workspace,
) -> None:
    """Every run of a batch, month by month to agreement or month ``last``, in place.

    ``state`` holds the runs' :class:`~negsim.runstate.RunState` arrays (in its field
    order), which end as the runs end; ``constants`` is one row of
    :func:`~negsim.dynamics.rule_constants` for every run, or one for all. Each month runs
    the stages of :func:`open_month`, :func:`assess_side`, :func:`exchange_at_summit`,
    :func:`negotiate_side` and :func:`close_month`, in that order, through the same
    compiled rules: the Mesa model's month, for one run at a time. Fills each run's
    agreement month (-1: none), closing gaps and shelved issues. ``work`` is
    :func:`workspace`'s: every array here is held by the caller for the whole call, so the
    loop may view them without reference counts (:func:`~negsim.compiled.unowned`).
    """
    state, seeds, constants, table, agreement_step, gaps, shelved, traces, work = unowned(
        (state, seeds, constants, table, agreement_step, gaps, shelved, traces, work)
    )
    motivations, dependence, salience, ideal, origin, demand = state[:6]
    scale, hold, shock_sd, talks_active, signed_step = state[6:]
    base, pressure, inducement, effective, offers, opening, target = work[:7]
    scratch, drive, willingness, rate, paced, override, disposition = work[7:14]
    unpinned, closed, draw = work[14:]
    runs, states, issues = ideal.shape
    record = traces.gaps.shape[0] > 0
    for r in range(runs):
        m, dep, sal, own_ideal = motivations[r], dependence[r], salience[r], ideal[r]
        dem, run_gaps = demand[r], gaps[r]
        k = constants[r if constants.shape[0] > 1 else 0]
        key = draw_key_of(seeds[r])
        active, signed_at = talks_active[r], signed_step[r]
        agreement_step[r] = -1
        paced[:] = np.nan  # the intensity each state's pace was computed for (none yet)
        for t in range(last):
            # The month opens: its events and the gaps they leave.
            moved = False
            if table.action_start[t] < table.action_start[t + 1]:
                active, moved = events_of(
                    table.actions,
                    table.action_values,
                    table.action_start[t],
                    table.action_start[t + 1],
                    m,
                    dep,
                    sal,
                    own_ideal,
                    origin[r],
                    dem,
                    scale[r],
                    active,
                )
            if t == 0 or moved:
                for i in range(issues):
                    run_gaps[i] = gap_of(dem[0, i], dem[1, i], table.orientation[i])
            # Each state assesses its situation. Suspended talks neither move nor sign, and the
            # month's draws are a function of its number: unless traced, no one need assess.
            if active or record:
                levels_of(table.drivers, scale[r], hold[r], t, base, pressure, inducement)
                for s in range(states):
                    intensity = base[s, D_TALKS_INTENSITY]
                    if table.summit[t]:
                        intensity = max(intensity, k[K_SUMMIT])
                    if intensity != paced[s]:  # the pace changes only with the intensity
                        paced[s], rate[s] = intensity, pace_of(intensity, k[K_ADJUSTMENT])
                month_draw_of(key, t, draw)
                for s in range(states):
                    drive[s], _, willingness[s] = assess_of(
                        m[s],
                        base[s],
                        pressure[s],
                        inducement[s],
                        dep[s],
                        sal[s],
                        table.historical,
                        run_gaps,
                        shock_sd[r] * draw[s],
                        table.deferrable,
                        k,
                        effective[s],
                    )
                    override[s] = override_of(m[s, M_AUTONOMY], m[s, M_DISPOSITION])
                    disposition[s] = m[s, M_DISPOSITION]
            # At a summit the table settles both offers; then each state moves (if in session).
            if active:
                opening[:] = dem
                if table.summit[t]:
                    offers_of(
                        own_ideal,
                        opening,
                        willingness,
                        effective,
                        override,
                        disposition,
                        table.red_line,
                        table.deferrable,
                        unpinned,
                        k,
                        offers,
                    )
                else:
                    offers[:] = opening
                for s in range(states):
                    targets_of(
                        own_ideal[s],
                        own_ideal[1 - s],
                        offers[1 - s],
                        willingness[s],
                        effective[s],
                        effective[1 - s],
                        override[s],
                        disposition[s],
                        table.red_line[s],
                        table.deferrable,
                        k,
                        target,
                        scratch,
                    )
                    for i in range(issues):
                        dem[s, i] = adjusted_of(opening[s, i], target[i], True, rate[s])
            # The month closes: a package signed, and ratified at home, or not.
            for i in range(issues):
                run_gaps[i] = gap_of(dem[0, i], dem[1, i], table.orientation[i])
            signed = signed_of(
                run_gaps, active, table.deferrable, willingness, k[K_TOLERANCE], closed
            )
            ratified = signed
            if signed and table.needs_ratification:
                ratified, active, signed_at = ratify_of(
                    dem,
                    origin[r],
                    sal,
                    m,
                    closed,
                    table.ratification,
                    draw[2:],
                    table.end_if_not_ratified,
                    active,
                    t,
                    signed_at,
                    k,
                )
            if record:
                traces.gaps[r, t] = run_gaps
                for s in range(states):
                    traces.drive[r, t, s] = drive[s]
                    traces.willingness[r, t, s] = willingness[s]
                    weight = 0.0
                    for i in range(issues):
                        if table.historical[i]:
                            weight += effective[s, i]
                    traces.effective_historical[r, t, s] = weight
            if ratified:
                agreement_step[r] = t
                shelved[r] = closed
                break
        talks_active[r], signed_step[r] = active, signed_at
