"""The negotiating state as a Mesa agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from negsim.dynamics import (
    DriverLevels,
    Motivations,
    adjust_demands,
    assess,
    concession_targets,
    leader_override,
    reciprocity_cap,
)

if TYPE_CHECKING:
    from negsim.model import NegotiationModel


class StateAgent(Agent):
    """A state at the table: its motivations, and its demand and salience per issue.

    The agent's parameters live in its row of the model's ``run_state`` arrays,
    so a dated event changes them in the same way in this model and in the batch
    engine. Each month the agent first *assesses* (drive, resistance, willingness),
    then *negotiates* (moves its demands toward where it would now settle).
    """

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, index: int, state_id: str, name: str, leader: str):
        super().__init__(model)
        self.index = index
        self.state_id = state_id
        self.name = name
        self.leader = leader
        self.drive = 0.0
        self.resistance = 0.0
        self.willingness = 0.0
        self._target = self.ideal.copy()

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

    def assess(self) -> None:
        """Weigh this month's drive to settle against domestic resistance."""
        model = self.model
        levels = model.run_state.drivers_at(model.timeline, model.month_step)
        felt = DriverLevels(*(level[self.index] for level in levels))
        shock = model.run_state.shock_sd * model.shock_draws[model.month_step, self.index]
        result = assess(
            self.motivations,
            felt,
            self.salience,
            model.timeline.historical,
            model.gaps,
            shock,
            model.constants,
        )
        self.drive = float(result.drive)
        self.resistance = float(result.resistance)
        self.willingness = float(result.willingness)
        # The target is fixed now, from demands as the month opens (after its events),
        # so the order in which the two states then move does not matter.
        cap = reciprocity_cap(
            self.partner.demand,
            self.partner.ideal,
            self.ideal,
            self.motivations.leader_disposition,
            model.constants,
        )
        self._target = concession_targets(
            self.ideal,
            self.partner.ideal,
            result.willingness,
            result.effective_salience,
            cap,
            leader_override(self.motivations),
            model.constants,
        )

    def negotiate(self) -> None:
        """Move demands toward where this state would now settle (nothing if suspended)."""
        model = self.model
        model.run_state.demand[self.index] = adjust_demands(
            self.demand, self._target, model.run_state.talks_active, model.constants
        )
