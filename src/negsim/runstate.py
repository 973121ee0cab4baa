"""The mutable state of one run, or of many runs at once, as arrays.

``RunState`` arrays carry optional leading batch dimensions: ``()`` for one Mesa
model, ``(R,)`` for the batch engine. Dated events and the drivers' levels are computed
by the compiled rules here (:func:`events_of`, :func:`levels_of`), which the Mesa model
calls for its run and the batch engine for each of its runs, so both engines change
parameters the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.compiled import rule
from negsim.dynamics import (
    DRIVER_NAMES,
    MOTIVATION_NAMES,
    DriverLevels,
    Motivations,
    changed_of,
    moved_ideal_of,
    salience_set_of,
    toward_partner_of,
)
from negsim.parameters import EVENT_KINDS
from negsim.scenario import Scenario
from negsim.timeline import MOVE, TALKS, Timeline, hold_step


@dataclass
class RunState:
    """Parameters and demands that evolve during a run (leading dims = runs)."""

    motivations: np.ndarray  # [*B, S, K] in MOTIVATION_NAMES order
    power_dependence: np.ndarray  # [*B, S, Q]: dependence on each named power other than the U.S.
    salience: np.ndarray  # [*B, S, I]
    ideal: np.ndarray  # [*B, S, I]: each state's position now (an event may move it)
    origin: np.ndarray  # [*B, S, I]: the ideals the run started from (concession shares)
    demand: np.ndarray  # [*B, S, I]
    driver_scale: np.ndarray  # [*B, D] in the timeline's channel order
    driver_hold: np.ndarray  # [*B, D] int: step after which the driver is frozen
    shock_sd: np.ndarray  # [*B]
    talks_active: np.ndarray  # [*B] bool
    signed_step: np.ndarray  # [*B] int: first month a signed deal failed ratification, or -1

    def motivations_of(self, s: int | slice = slice(None)) -> Motivations:
        """The motivations of state ``s`` (or all states) as named arrays."""
        m = self.motivations[..., s, :]
        return Motivations(*(m[..., k] for k in range(len(MOTIVATION_NAMES))))

    def drivers_at(self, timeline: Timeline, step: int) -> DriverLevels:
        """Scaled driver levels felt by each state this month, each [*B, S] (powers [*B, S, Q])."""
        batch = self.driver_scale.shape[:-1]
        states, powers = timeline.drivers.shape[2], len(timeline.power_ids)
        base = np.empty((*batch, states, len(DRIVER_NAMES)))
        pressure, inducement = (np.empty((*batch, states, powers)) for _ in range(2))
        for b in np.ndindex(batch):
            levels_of(
                timeline.drivers,
                self.driver_scale[b],
                self.driver_hold[b],
                step,
                base[b],
                pressure[b],
                inducement[b],
            )
        return DriverLevels(
            *np.moveaxis(base, -1, 0), power_pressure=pressure, power_inducement=inducement
        )


@rule
def levels_of(
    drivers: np.ndarray,
    scale: np.ndarray,
    hold: np.ndarray,
    step: int,
    base: np.ndarray,
    pressure: np.ndarray,
    inducement: np.ndarray,
) -> None:
    """Each state's driver levels this month: a channel's series at ``step`` (or where it is
    held) times its scale, into ``base`` ``[S, 6]`` and each named power's ``pressure`` and
    ``inducement`` ``[S, Q]`` (channels in :func:`~negsim.timeline.compile_timeline`'s order).
    """
    own = base.shape[1]
    for d in range(drivers.shape[0]):
        at = min(step, hold[d])
        for s in range(drivers.shape[2]):
            level = drivers[d, at, s] * scale[d]
            if d < own:
                base[s, d] = level
            elif (d - own) % 2 == 0:
                pressure[s, (d - own) // 2] = level
            else:
                inducement[s, (d - own) // 2] = level


def initial_state(s: Scenario, timeline: Timeline, batch: tuple[int, ...] = ()) -> RunState:
    """The state at the start of a run, broadcast to a batch shape."""
    states, issues = s.state_ids, s.issue_ids
    motivations = np.array(
        [[getattr(s.states[sid], m).value for m in MOTIVATION_NAMES] for sid in states]
    )
    dependence = np.array(
        [[s.powers[p].dependence_of(sid) for p in timeline.power_ids] for sid in states]
    ).reshape(len(states), len(timeline.power_ids))
    salience = np.array([[s.issues[i].salience[sid].value for i in issues] for sid in states])
    ideal = np.array([[s.issues[i].ideal[sid].value for i in issues] for sid in states])
    opening = np.array([[s.issues[i].opening_of(sid) for i in issues] for sid in states])
    drivers = [s.driver(name) for name in timeline.channels]
    scale = np.array([d.scale.value if d is not None else 1.0 for d in drivers])
    hold = np.array([hold_step(d, timeline.start, timeline.months) for d in drivers])

    def tile(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, batch + a.shape).copy()

    return RunState(
        motivations=tile(motivations),
        power_dependence=tile(dependence),
        salience=tile(salience),
        ideal=tile(ideal),
        origin=tile(ideal),
        demand=tile(opening),
        driver_scale=tile(scale),
        driver_hold=tile(hold),
        shock_sd=np.full(batch, s.shocks.drive_sd.value),
        talks_active=np.full(batch, s.talks_active_at_start),
        signed_step=np.full(batch, -1),
    )


MOTIVATION, DEPENDENCE, SALIENCE, IDEAL, DRIVER_SCALE = (
    EVENT_KINDS.index(kind)
    for kind in ("motivation", "dependence", "salience", "ideal", "driver_scale")
)
"""What a change may target: its code, the position of its kind in ``EVENT_KINDS`` (by name,
so a reordered ``EVENT_KINDS`` cannot send a change to the wrong kind)."""


@rule
def events_of(
    codes: np.ndarray,
    values: np.ndarray,
    first: int,
    last: int,
    motivations: np.ndarray,
    dependence: np.ndarray,
    salience: np.ndarray,
    ideal: np.ndarray,
    origin: np.ndarray,
    demand: np.ndarray,
    scale: np.ndarray,
    talks_active: bool,
) -> tuple[bool, bool]:
    """Apply one run's dated actions ``first .. last - 1`` (a month's, in file order), in place.

    An action (:attr:`~negsim.timeline.Timeline.actions`) suspends or resumes the talks,
    changes a parameter (set, add or multiply, kept within its range; a salience rescales
    the state's others, an ideal never passes the partner's), or moves a demand part of
    the way to the partner's (a summit concession). Returns whether the talks are active
    and whether any demand moved.
    """
    moved = False
    for a in range(first, last):
        action, target, s, index, operation = (
            codes[a, 0],
            codes[a, 1],
            codes[a, 2],
            codes[a, 3],
            codes[a, 4],
        )
        value, low, high = values[a, 0], values[a, 1], values[a, 2]
        if action == TALKS:
            talks_active = value > 0.0
        elif action == MOVE:
            demand[s, index] = toward_partner_of(demand[s, index], demand[1 - s, index], value)
            moved = True
        elif target == SALIENCE:
            changed = changed_of(salience[s, index], operation, value)
            salience_set_of(salience[s], index, changed, salience[s])
        elif target == IDEAL:
            ideal[s, index] = moved_ideal_of(
                ideal[s, index], ideal[1 - s, index], origin[s, index], operation, value
            )
        else:
            if target == MOTIVATION:
                row = motivations[s]
            elif target == DEPENDENCE:
                row = dependence[s]
            else:
                row = scale
            row[index] = min(max(changed_of(row[index], operation, value), low), high)
    return talks_active, moved


def apply_events(state: RunState, timeline: Timeline, step: int) -> bool:
    """Apply the month's dated events to one run (in place); True if a demand moved."""
    first, last = timeline.action_start[step], timeline.action_start[step + 1]
    if first == last:
        return False
    active, moved = events_of(
        timeline.actions,
        timeline.action_values,
        first,
        last,
        state.motivations,
        state.power_dependence,
        state.salience,
        state.ideal,
        state.origin,
        state.demand,
        state.driver_scale,
        bool(state.talks_active),
    )
    state.talks_active[...] = active
    return moved
