"""A scenario laid out in calendar months: driver series, the events of each month, fixed rules.

Driver *channels* are the series a scenario can give: the global drivers
(``drivers.us_pressure`` ...) and, for each named outside power, its pressure and
inducement (``powers.CHN.pressure`` is the channel ``CHN.pressure``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from negsim.calendar import format_month, parse_month
from negsim.dynamics import (
    DRIVER_NAMES,
    MOTIVATION_NAMES,
    OPERATIONS,
    POWER_DRIVER_NAMES,
    RATIFICATION_KINDS,
)
from negsim.parameters import EVENT_KINDS, ParameterRef, resolve_path
from negsim.scenario import Driver, Event, Scenario

DEFAULT_LEVEL = {"talks_intensity": 1.0}
"""A driver's level where the scenario gives none (regular rounds, otherwise nothing)."""

TALKS, CHANGE, MOVE = range(3)
"""What an action of a dated event does: set the talks, change a parameter, move a demand."""


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
    """Driver series per month and state (unscaled), the events of each step, the fixed rules."""

    start: int
    months: int
    state_ids: list[str]
    issue_ids: list[str]
    historical: np.ndarray  # [I] bool: which issues are historical
    orientation: np.ndarray  # [I] +1 where side B's ideal lies above side A's
    drivers: np.ndarray  # [D, T, S] unscaled levels, in ``channels`` order
    channels: list[str] = field(default_factory=lambda: list(DRIVER_NAMES))
    power_ids: list[str] = field(default_factory=list)  # named powers other than the U.S.
    summit: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # [T] bool
    deferrable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # [I] bool
    red_line: np.ndarray = field(default_factory=lambda: np.ones((2, 0)))  # [S, I] share caps
    ratification: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))  # [S, 2]
    if_not_ratified: str = "end"
    events: dict[int, list[CompiledEvent]] = field(default_factory=dict)
    # The events as the compiled rules read them (runstate.events_of): one row per action,
    # in the order they apply; step t's rows are action_start[t] .. action_start[t + 1] - 1.
    actions: np.ndarray = field(default_factory=lambda: np.zeros((0, 5), np.int64))  # [N, 5]
    action_values: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # [N, 3]
    action_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))  # [T + 1]

    def month_label(self, step: int) -> str:
        """``YYYY-MM`` of a step (0 is the start month)."""
        return format_month(self.start + step)

    def step_of(self, date: str) -> int:
        """The step at which a date falls (may lie outside the run)."""
        return parse_month(date) - self.start

    @property
    def needs_ratification(self) -> bool:
        """Whether any state has a domestic step a signed deal must pass."""
        return bool(np.any(self.ratification[:, 0] > 0))


def channel_index(timeline: Timeline, name: str) -> int:
    """The position of a driver channel (``us_pressure``, ``CHN.pressure``)."""
    return timeline.channels.index(name)


def driver_series(
    driver: Driver, state_ids: list[str], start: int, months: int, default: float = 0.0
) -> np.ndarray:
    """A driver's unscaled level for each month and state, shape [T, S]."""
    t = np.arange(months, dtype=float)
    out = np.full((months, len(state_ids)), default)
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
    powers = [p for p in s.powers if p != "US"]
    channels = list(DRIVER_NAMES) + [f"{p}.{kind}" for p in powers for kind in POWER_DRIVER_NAMES]
    drivers = np.zeros((len(channels), months, len(states)))
    for d, name in enumerate(channels):
        default = DEFAULT_LEVEL.get(name, 0.0)
        driver = s.driver(name)
        if driver is not None:
            drivers[d] = driver_series(driver, states, start, months, default)
        else:
            drivers[d] = default
    summit = np.zeros(months, bool)
    for ev in s.events:
        if ev.summit:
            summit[parse_month(ev.date) - start] = True
    red_line = np.ones((2, len(issues)))
    for i, iid in enumerate(issues):
        issue = s.issues[iid]
        for k, sid in enumerate(states):
            if sid in issue.red_line:
                own, other = issue.ideal[sid].value, issue.ideal[states[1 - k]].value
                red_line[k, i] = (issue.red_line[sid].value - own) / (other - own)
    ratification = np.array(
        [RATIFICATION_KINDS[s.states[sid].ratification_kind] for sid in states], dtype=float
    )
    timeline = Timeline(
        start,
        months,
        states,
        issues,
        historical,
        orientation,
        drivers,
        channels=channels,
        power_ids=powers,
        summit=summit,
        deferrable=np.array([s.issues[i].deferrable for i in issues], dtype=bool),
        red_line=red_line,
        ratification=ratification,
        if_not_ratified=s.if_not_ratified,
    )
    for ev in s.events:
        step = parse_month(ev.date) - start
        changes = tuple(
            (resolve_path(s, ch.path, for_event=True), *ch.operation) for ch in ev.changes
        )
        moves = tuple((states.index(m.state), issues.index(m.issue), m.share) for m in ev.moves)
        timeline.events.setdefault(step, []).append(
            CompiledEvent(step, ev, ev.talks, changes, moves)
        )
    timeline.actions, timeline.action_values, timeline.action_start = event_actions(timeline)
    return timeline


def event_actions(timeline: Timeline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The events as rows of actions, by month: codes ``[N, 5]`` (what, target, state, index,
    operation), numbers ``[N, 3]`` (value, lowest, highest) and each month's first row."""
    codes, numbers, start = [], [], [0]
    for step in range(timeline.months):
        for event in timeline.events.get(step, []):
            if event.talks is not None:
                codes.append((TALKS, 0, 0, 0, 0))
                numbers.append((1.0 if event.talks == "resume" else 0.0, 0.0, 0.0))
            for ref, operation, value in event.changes:
                s = timeline.state_ids.index(ref.state) if ref.state else 0
                if ref.kind == "motivation":
                    index = MOTIVATION_NAMES.index(ref.name)
                elif ref.kind == "dependence":
                    index = timeline.power_ids.index(ref.name)
                elif ref.kind == "driver_scale":
                    index = channel_index(timeline, ref.name)
                else:  # salience, ideal
                    index = timeline.issue_ids.index(ref.issue)
                target = EVENT_KINDS.index(ref.kind)
                codes.append((CHANGE, target, s, index, OPERATIONS.index(operation)))
                numbers.append((value, ref.low, ref.high))
            for s, i, share in event.moves:
                codes.append((MOVE, 0, s, i, 0))
                numbers.append((share, 0.0, 1.0))
        start.append(len(codes))
    return (
        np.array(codes, dtype=np.int64).reshape(-1, 5),
        np.array(numbers, dtype=np.float64).reshape(-1, 3),
        np.array(start, dtype=np.int64),
    )
