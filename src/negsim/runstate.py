"""The mutable state of one run, or of many runs at once, as arrays.

``RunState`` arrays carry optional leading batch dimensions: ``()`` for one Mesa
model, ``(R,)`` for the batch engine. Dated events are applied by the one
function here, so both engines change parameters the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.dynamics import (
    DRIVER_NAMES,
    MOTIVATION_NAMES,
    DriverLevels,
    Motivations,
    apply_change,
    move_toward_partner,
    set_salience,
)
from negsim.parameters import ParameterRef
from negsim.scenario import MAX_SCALE, Scenario
from negsim.timeline import CompiledEvent, Timeline, channel_index, hold_step


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
        levels = []
        for d in range(timeline.drivers.shape[0]):
            hold = self.driver_hold[..., d]
            # While no run's driver is held yet, one row serves all (no gather over runs).
            at = step if np.all(hold >= step) else np.minimum(step, hold)
            series = timeline.drivers[d]  # [T, S]
            levels.append(series[at] * self.driver_scale[..., d, None])
        base = levels[: len(DRIVER_NAMES)]
        powers = levels[len(DRIVER_NAMES) :]
        pressure = np.stack(powers[0::2], axis=-1) if powers else np.zeros((*base[0].shape, 0))
        inducement = np.stack(powers[1::2], axis=-1) if powers else pressure
        return DriverLevels(*base, power_pressure=pressure, power_inducement=inducement)


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


def change_parameter(
    state: RunState, ref: ParameterRef, operation: str, value: float, timeline: Timeline
) -> None:
    """Apply one event change to the run state (in place), kept within range."""
    if ref.kind == "motivation":
        s, k = timeline.state_ids.index(ref.state), MOTIVATION_NAMES.index(ref.name)
        new = apply_change(state.motivations[..., s, k], operation, value)
        state.motivations[..., s, k] = np.clip(new, 0.0, 1.0)
    elif ref.kind == "dependence":
        s, q = timeline.state_ids.index(ref.state), timeline.power_ids.index(ref.name)
        new = apply_change(state.power_dependence[..., s, q], operation, value)
        state.power_dependence[..., s, q] = np.clip(new, 0.0, 1.0)
    elif ref.kind == "salience":
        s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
        new = apply_change(state.salience[..., s, i], operation, value)
        state.salience[..., s, :] = set_salience(state.salience[..., s, :], i, new)
    elif ref.kind == "ideal":
        # A new government's new position; it never passes the partner's ideal.
        s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
        new = np.clip(apply_change(state.ideal[..., s, i], operation, value), 0.0, 1.0)
        partner = state.ideal[..., 1 - s, i]
        below = state.origin[..., s, i] < partner
        state.ideal[..., s, i] = np.where(below, np.minimum(new, partner), np.maximum(new, partner))
    elif ref.kind == "driver_scale":
        d = channel_index(timeline, ref.name)
        new = apply_change(state.driver_scale[..., d], operation, value)
        state.driver_scale[..., d] = np.clip(new, 0.0, MAX_SCALE)
    else:  # pragma: no cover - events are validated to use the kinds above
        raise ValueError(f"events cannot change {ref.path}")


def apply_event(state: RunState, event: CompiledEvent, timeline: Timeline) -> None:
    """Apply a dated event: talks, parameter changes, then summit concessions."""
    if event.talks == "suspend":
        state.talks_active[...] = False
    elif event.talks == "resume":
        state.talks_active[...] = True
    for ref, operation, value in event.changes:
        change_parameter(state, ref, operation, value, timeline)
    for s, i, share in event.moves:
        partner = state.demand[..., 1 - s, i]
        state.demand[..., s, i] = move_toward_partner(state.demand[..., s, i], partner, share)
