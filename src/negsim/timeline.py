"""A scenario laid out in calendar months: driver series and the events of each month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from negsim.calendar import format_month, parse_month
from negsim.dynamics import DRIVER_NAMES
from negsim.parameters import ParameterRef, resolve_path
from negsim.scenario import Driver, Event, Scenario


@dataclass(frozen=True)
class CompiledEvent:
    """An event with its month and its changes resolved to array positions."""

    step: int
    event: Event
    talks: str | None
    changes: tuple[tuple[ParameterRef, str, float], ...]
    moves: tuple[tuple[int, int, float], ...]


@dataclass
class Timeline:
    """Driver series per month and state (unscaled), and the events of each step."""

    start: int
    months: int
    state_ids: list[str]
    issue_ids: list[str]
    historical: np.ndarray  # [I] bool: which issues are historical
    orientation: np.ndarray  # [I] +1 where side B's ideal lies above side A's
    drivers: np.ndarray  # [D, T, S] unscaled levels, in DRIVER_NAMES order
    events: dict[int, list[CompiledEvent]] = field(default_factory=dict)

    def month_label(self, step: int) -> str:
        """``YYYY-MM`` of a step (0 is the start month)."""
        return format_month(self.start + step)

    def step_of(self, date: str) -> int:
        """The step at which a date falls (may lie outside the run)."""
        return parse_month(date) - self.start


def driver_series(driver: Driver, state_ids: list[str], start: int, months: int) -> np.ndarray:
    """A driver's unscaled level for each month and state, shape [T, S]."""
    t = np.arange(months, dtype=float)
    out = np.zeros((months, len(state_ids)))
    for s, sid in enumerate(state_ids):
        points = driver.series.get(sid, driver.series.get("all"))
        if points is None:
            continue
        at = np.array([parse_month(p.date) - start for p in points], dtype=float)
        values = np.array([p.value for p in points])
        if driver.interpolation == "linear":
            out[:, s] = np.interp(t, at, values)
        else:
            idx = np.searchsorted(at, t, side="right") - 1
            out[:, s] = values[np.clip(idx, 0, len(values) - 1)]
    return out


def hold_step(driver: Driver | None, start: int, months: int) -> int:
    """The step after which a driver is held at its level (``months`` for never)."""
    if driver is None or driver.hold_from is None:
        return months
    return int(np.clip(parse_month(driver.hold_from) - start, 0, months))


def compile_timeline(s: Scenario) -> Timeline:
    """Lay a validated scenario out in months."""
    start = parse_month(s.start)
    months = s.months
    states, issues = s.state_ids, s.issue_ids
    a, b = states
    orientation = np.array(
        [np.sign(s.issues[i].ideal[b].value - s.issues[i].ideal[a].value) for i in issues]
    )
    historical = np.array([s.issues[i].kind == "historical" for i in issues])
    drivers = np.zeros((len(DRIVER_NAMES), months, len(states)))
    for d, name in enumerate(DRIVER_NAMES):
        if name in s.drivers:
            drivers[d] = driver_series(s.drivers[name], states, start, months)
    timeline = Timeline(start, months, states, issues, historical, orientation, drivers)
    for ev in s.events:
        step = parse_month(ev.date) - start
        changes = tuple(
            (resolve_path(s, ch.path, for_event=True), *ch.operation) for ch in ev.changes
        )
        moves = tuple((states.index(m.state), issues.index(m.issue), m.share) for m in ev.moves)
        timeline.events.setdefault(step, []).append(
            CompiledEvent(step, ev, ev.talks, changes, moves)
        )
    return timeline
