"""The negotiating state as a Mesa agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from negsim.dynamics import Assessment, Motivations
from negsim.month import assess_side, negotiate_side

if TYPE_CHECKING:
    from negsim.model import NegotiationModel


class StateAgent(Agent):
    """A state at the table: its motivations, and its demand and salience per issue.

    The agent's parameters live in its row of the model's ``run_state`` arrays,
    so a dated event changes them in the same way in this model and in the batch
    engine. Each month the agent first *assesses* (drive, resistance, willingness),
    then *negotiates* (moves its demands toward where it would now settle), both by
    the month's stages in :mod:`negsim.month`, for its own row.
    """

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, index: int, state_id: str, name: str, leader: str):
        super().__init__(model)
        self.index = index
        self.state_id = state_id
        self.name = name
        self.leader = leader
        self.assessment: Assessment | None = None

    @property
    def partner(self) -> StateAgent:
        """The state across the table."""
        return self.model.states[1 - self.index]

    @property
    def motivations(self) -> Motivations:
        """Economic need, regime security, audience cost, leader, options, U.S. ties, fear."""
        return self.model.run_state.motivations_of(self.index)

    @property
    def demand(self) -> np.ndarray:
        """Current demand on each issue, on the issue's [0, 1] axis."""
        return self.model.run_state.demand[self.index]

    @property
    def ideal(self) -> np.ndarray:
        """Ideal point on each issue."""
        return self.model.run_state.ideal[self.index]

    @property
    def salience(self) -> np.ndarray:
        """How much each issue matters to this state (sums to 1)."""
        return self.model.run_state.salience[self.index]

    @property
    def drive(self) -> float:
        """This month's drive to settle."""
        return float(self.assessment.drive) if self.assessment else 0.0

    @property
    def resistance(self) -> float:
        """This month's domestic resistance to concessions."""
        return float(self.assessment.resistance) if self.assessment else 0.0

    @property
    def willingness(self) -> float:
        """This month's drive less resistance, with its shock."""
        return float(self.assessment.willingness) if self.assessment else 0.0

    def assess(self) -> None:
        """Weigh this month's drive to settle against domestic resistance."""
        model = self.model
        shock = model.run_state.shock_sd * model.shock_draws[model.month_step, self.index]
        self.assessment = assess_side(
            model.run_state, model.timeline, model.opening, self.index, shock, model.constants
        )

    def negotiate(self) -> None:
        """Move demands toward where this state would now settle (nothing if suspended)."""
        model = self.model
        negotiate_side(
            model.run_state,
            model.timeline,
            model.opening,
            self.index,
            self.assessment,
            self.partner.assessment,
            model.constants,
        )
