"""The role-play: a student holds one state's seat; the model plays the other by its own rules.

The month is the model's own (:mod:`negsim.month`). The student's state opens the month,
feels its drivers and events, and assesses its drive and resistance exactly as the model's
state would; only its move at the table is the student's: ``negotiate_side(..., move=...)``
for that state's row, through the same pipeline as every other move. The rules bind the
student: a concession beyond what the audience tolerates (the state's own target this
month) hardens the audience, a signed package faces the state's ratification step where the
scenario gives one, and walking out suspends the talks for the round.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from negsim.agents import StateAgent
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.dynamics import MOTIVATION_NAMES, Assessment, concession_levels
from negsim.model import NegotiationModel
from negsim.month import (
    assess_side,
    exchange_at_summit,
    negotiate_side,
    open_month,
    side_target,
)
from negsim.outcome import issue_value, summarize
from negsim.scenario import Event, Scenario

MOVES: dict[str, str] = {
    "demand": "put my demands on the table",
    "hold": "hold my position",
    "walk_out": "walk out (talks suspended this round)",
    "accept": "accept the partner's offer",
}
"""The moves a student may make each round, and how the page says them."""

MODEL_MOVE = "model"
"""The seat's kind of move before the student takes it: the model's own, by its rules."""

ROUNDS: dict[str, str] = {
    "month": "one month",
    "event": "to the next event (at most a year)",
    "year": "a year",
}
"""How long a round lasts: the student's move opens it, then the seat holds."""

ROUND_CAP = 12
"""The longest round, in months."""

_AUDIENCE = MOTIVATION_NAMES.index("audience_cost")


@dataclass(frozen=True)
class Move:
    """A student's move: its kind (:data:`MOVES`) and, to set demands, a level per issue.

    ``levels`` are shares of the way from the student's state's position to the partner's
    (0 = one's own ideal, 1 = the partner's), one per issue in file order.
    """

    kind: str = "hold"
    levels: tuple[float, ...] | None = None


def checked_move(kind: Any, levels: Any, issues: int) -> Move:
    """A move as a page sent it, checked: a known kind, and finite levels in [0, 1] per issue."""
    if kind not in MOVES:
        raise ValueError(f"move must be one of {', '.join(MOVES)} (got {kind!r:.40})")
    if kind != "demand":
        return Move(kind)
    if not isinstance(levels, list | tuple) or len(levels) != issues:
        raise ValueError(f"a demand gives one level per issue ({issues})")
    out = []
    for x in levels:
        number = isinstance(x, int | float) and not isinstance(x, bool)
        if not number or not np.isfinite(x) or not 0.0 <= x <= 1.0:
            raise ValueError(f"each level must be a number from 0 to 1 (got {x!r:.40})")
        out.append(float(x))
    return Move(kind, tuple(out))


@dataclass
class Table:
    """What the student's delegation sees as the next month opens (after its events)."""

    step: int
    date: str
    events: list[Event]
    talks_active: bool
    drive: float
    resistance: float
    audience_cost: float
    own_level: np.ndarray  # [I] how far the student's demand stands toward the partner
    partner_level: np.ndarray  # [I] how far the partner's demand has come toward the student
    tolerated_level: np.ndarray  # [I] how far the audience tolerates going this month
    partner_demand: np.ndarray  # [I] the partner's demand, on each issue's axis


class DelegateAgent(StateAgent):
    """A state whose seat a student holds: the model's assessment, the student's move."""

    tolerated: np.ndarray | None = None  # this month's target: what the audience tolerates
    backlash: float = 0.0  # audience cost this month's move added

    def assess(self) -> None:
        """As the model's state would; a walk-out then takes the delegation from the table."""
        super().assess()
        model = self.model
        if model.move.kind == "walk_out":
            model.left_table = bool(model.run_state.talks_active)
            model.run_state.talks_active[...] = False

    def negotiate(self) -> None:
        """Put the student's demands on the table (the model's stage, with the human's move)."""
        model = self.model
        if model.move.kind == MODEL_MOVE:  # before the student takes the seat
            self.tolerated, self.backlash = None, 0.0
            super().negotiate()
            return
        args = (model.run_state, model.timeline, model.opening, self.index)
        both = (self.assessment, self.partner.assessment, model.constants)
        self.tolerated = side_target(*args, *both)
        before = float(model.run_state.motivations[self.index, _AUDIENCE])
        negotiate_side(*args, *both, move=model.standing_demand())
        self.backlash = float(model.run_state.motivations[self.index, _AUDIENCE]) - before


class RolePlayModel(NegotiationModel):
    """The negotiation with a student in one seat (``seat``: 0 for side A, 1 for side B)."""

    def __init__(
        self,
        scenario: Scenario,
        seat: int,
        rng: int | None = None,
        constants: Constants = DEFAULT_CONSTANTS,
    ):
        if seat not in (0, 1):
            raise ValueError("seat must be 0 (side A) or 1 (side B)")
        self.seat = seat
        self.seed = rng
        self.move = Move()
        self.left_table: bool | None = None
        self.log: list[dict[str, Any]] = []
        self.rounds = 0
        super().__init__(scenario, rng=rng, constants=constants)

    def agent_class(self, index: int) -> type[StateAgent]:
        """The student's seat is a :class:`DelegateAgent`; the other state plays by the rules."""
        return DelegateAgent if index == self.seat else StateAgent

    @property
    def delegate(self) -> DelegateAgent:
        """The student's state."""
        return self.states[self.seat]

    @property
    def started(self) -> bool:
        """Whether a month has been played."""
        return self.steps > 0

    def standing_demand(self) -> np.ndarray:
        """The student's demand on each issue this month, on the issues' axes."""
        s, demand = self.seat, self.opening.demand
        if self.move.kind == "accept":
            return demand[1 - s].copy()
        if self.move.kind == "demand":
            ideal, other = self.run_state.ideal[s], self.run_state.ideal[1 - s]
            return ideal + np.asarray(self.move.levels) * (other - ideal)
        return demand[s].copy()  # hold, or walked out

    def human_move(self) -> tuple[int, np.ndarray] | None:
        """The student's demand this month, once the seat is theirs (a summit answers it)."""
        if self.move.kind == MODEL_MOVE:
            return None
        return self.seat, self.standing_demand()

    def step(self) -> None:
        """One month with the student's move; logged; a walk-out lasts the month only."""
        if not self.running:
            return
        before = float(self.run_state.motivations[self.seat, _AUDIENCE])
        super().step()
        self.log.append(self._log_row(before))
        if self.left_table is not None:  # back to what the scenario's calendar says
            self.run_state.talks_active[...] = self.left_table
            self.left_table = None

    def hand_over(self, month: str) -> int:
        """Let the model play the seat by its own rules until ``month`` opens; returns the months.

        The student then takes the seat at the table as that month opens (a seminar can start
        at the seventh round rather than in 1951).
        """
        step = self.timeline.step_of(month)
        if not 0 <= step < self.last_step:
            raise ValueError(
                f"{month!r:.40} is outside the run {self.spec.start} .. {self.spec.end}"
            )
        played = 0
        try:
            self.move = Move(MODEL_MOVE)
            while self.running and self.steps < step:
                self.step()
                played += 1
        finally:
            self.move = Move()
        return played

    def round_months(self, length: str) -> int:
        """Months in a round of ``length`` (:data:`ROUNDS`) from the next month."""
        if length not in ROUNDS:
            raise ValueError(f"round must be one of {', '.join(ROUNDS)} (got {length!r:.40})")
        left = self.last_step - self.steps
        if length == "month":
            months = 1
        elif length == "year":
            months = ROUND_CAP
        else:
            later = [s for s in self.timeline.events if s > self.steps]
            months = min(min(later, default=self.steps + ROUND_CAP) - self.steps, ROUND_CAP)
        return max(1, min(months, left))

    def play(self, move: Move, length: str = "event") -> int:
        """Play a round: the move in its first month, then hold (a walk-out lasts the round).

        Returns the months played (fewer if the run ended).
        """
        months, played = self.round_months(length), 0
        self.rounds += 1
        try:
            for k in range(months):
                if not self.running:
                    break
                self.move = move if k == 0 or move.kind == "walk_out" else Move("hold")
                self.step()
                played += 1
        finally:
            self.move = Move()
        return played

    def table(self) -> Table | None:
        """The table as the next month opens, as the student's delegation would see it.

        Read from a copy of the run (the same :func:`open_month` and :func:`assess_side`),
        so looking changes nothing. ``None`` once the run is over.
        """
        if not self.running:
            return None
        t, s = self.steps, self.seat
        state = copy.deepcopy(self.run_state)
        opening = open_month(state, self.timeline, t, self.constants)
        views = [
            assess_side(
                state,
                self.timeline,
                opening,
                k,
                state.shock_sd * self.shock_draws[t, k],
                self.constants,
            )
            for k in (0, 1)
        ]
        both = Assessment(*(np.stack(x) for x in zip(*views, strict=True)))
        exchange_at_summit(state, self.timeline, opening, both, self.constants)
        target = side_target(
            state, self.timeline, opening, s, views[s], views[1 - s], self.constants
        )
        ideal, other = state.ideal[s], state.ideal[1 - s]
        return Table(
            step=t,
            date=self.timeline.month_label(t),
            events=[e.event for e in self.timeline.events.get(t, [])],
            talks_active=bool(state.talks_active),
            drive=float(views[s].drive),
            resistance=float(views[s].resistance),
            audience_cost=float(state.motivations[s, _AUDIENCE]),
            own_level=concession_levels(ideal, other, opening.demand[s]),
            partner_level=concession_levels(other, ideal, opening.demand[1 - s]),
            tolerated_level=concession_levels(ideal, other, target),
            partner_demand=opening.demand[1 - s].copy(),
        )

    def summary(self) -> dict[str, Any]:
        """The game so far, summarized as ``negsim run`` summarizes a run."""
        return summarize(
            self.spec,
            self.timeline,
            self.agreement_step,
            self.run_state.origin,
            self.run_state.demand,
            self.gaps,
            self.seed,
            self.shelved,
            int(self.run_state.signed_step),
        )

    def _log_row(self, audience_before: float) -> dict[str, Any]:
        s, spec = self.seat, self.spec
        sid, pid = self.timeline.state_ids[s], self.timeline.state_ids[1 - s]
        move = self.move
        talks = "active" if self.run_state.talks_active else "suspended"
        row: dict[str, Any] = {
            "date": self.date,
            "round": self.rounds,
            "move": MOVES.get(move.kind, "the model's own (before you took the seat)"),
            "talks": "walked out" if move.kind == "walk_out" else talks,
            "drive": round(self.delegate.drive, 4),
            "resistance": round(self.delegate.resistance, 4),
            "audience_cost": round(float(self.run_state.motivations[s, _AUDIENCE]), 4),
            "audience_cost_change": round(
                float(self.run_state.motivations[s, _AUDIENCE]) - audience_before, 4
            ),
            "backlash": round(self.delegate.backlash, 4),
        }
        for i, iid in enumerate(self.timeline.issue_ids):
            units = spec.issues[iid].units
            for who, k in ((sid, s), (pid, 1 - s)):
                point = float(self.run_state.demand[k, i])
                value = issue_value(spec, iid, point)
                row[f"{iid}_{who}_demand"] = round(point if value is None else value, 4)
            row[f"{iid}_gap"] = round(float(self.gaps[i]), 4)
            if units is not None:
                row[f"{iid}_units"] = units.label
        row["agreement"] = self.agreement_step is not None

        return row


def moves_csv(model: RolePlayModel) -> str:
    """The moves log as CSV text, one row per month played (for the debrief)."""
    import pandas as pd

    buf = io.StringIO()
    pd.DataFrame(model.log).to_csv(buf, index=False)
    return buf.getvalue()
