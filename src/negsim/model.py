"""The Mesa model of a two-state normalization negotiation, one step per month."""

from __future__ import annotations

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from negsim.agents import StateAgent
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.draws import month_draws
from negsim.dynamics import DRIVER_NAMES, Assessment, issue_gaps, settlement_point
from negsim.month import close_month, exchange_at_summit, open_month
from negsim.runstate import initial_state
from negsim.scenario import Scenario
from negsim.timeline import compile_timeline


class NegotiationModel(Model):
    """Two states bargain over disputed issues while drivers and events move them.

    Args:
        scenario: a validated :class:`~negsim.scenario.Scenario`.
        rng: the run's seed, for the month-to-month shocks (``scenario.shocks.drive_sd``) and the
            ratification draws (:mod:`negsim.draws`).
        constants: the global dynamic constants (the default for every scenario).
        until: last month to simulate (``YYYY-MM``); the scenario's end by default.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: int | None = None,
        constants: Constants = DEFAULT_CONSTANTS,
        until: str | None = None,
    ):
        super().__init__(rng=rng)
        self.spec = scenario
        self.constants = constants
        self.timeline = compile_timeline(scenario)
        last = self.timeline.months if until is None else self.timeline.step_of(until) + 1
        self.last_step = int(np.clip(last, 1, self.timeline.months))
        self.run_state = initial_state(scenario, self.timeline)
        # Drawn whole at the start from the run's seed (negsim.draws), as the batch engine
        # draws them; a model given no seed takes one from its generator.
        seed = rng if isinstance(rng, int | np.integer) else int(self.rng.integers(2**63))
        draws = month_draws(np.array([int(seed)], dtype=np.uint64), self.timeline.months)
        self.shock_draws, self.ratification_draws = (x[0] for x in draws)
        self.states = [
            self.agent_class(k)(
                self, k, sid, scenario.states[sid].name, scenario.states[sid].leader
            )
            for k, sid in enumerate(scenario.state_ids)
        ]
        self.month_step = 0
        self.gaps = issue_gaps(*self.run_state.demand, self.timeline.orientation)
        self.opening = None
        self.agreement_step: int | None = None
        self.package: np.ndarray | None = None
        self.shelved = np.zeros(len(self.timeline.issue_ids), bool)
        self.datacollector = DataCollector(
            model_reporters=self._reporters(),
            agent_reporters={
                "state": "state_id",
                "drive": "drive",
                "resistance": "resistance",
                "willingness": "willingness",
            },
        )

    def _reporters(self) -> dict:
        reporters = {
            "date": lambda m: m.timeline.month_label(m.month_step),
            "talks_active": lambda m: bool(m.run_state.talks_active),
            "agreed": lambda m: m.agreement_step is not None,
        }
        for i, iid in enumerate(self.timeline.issue_ids):
            reporters[f"gap_{iid}"] = lambda m, i=i: float(m.gaps[i])
        reporters["mean_gap"] = lambda m: float(np.mean(m.gaps))
        for a in self.states:
            sid = a.state_id
            for d, name in enumerate(DRIVER_NAMES):  # each driver's level as this state felt it
                reporters[f"{name}_{sid}"] = lambda m, d=d, k=a.index: float(m.opening.levels[d][k])
            for q, power in enumerate(self.timeline.power_ids):
                for kind, d in (("pressure", -2), ("inducement", -1)):
                    reporters[f"{power}_{kind}_{sid}"] = lambda m, d=d, q=q, k=a.index: float(
                        m.opening.levels[d][k, q]
                    )
            reporters[f"drive_{sid}"] = lambda m, a=a: a.drive
            reporters[f"resistance_{sid}"] = lambda m, a=a: a.resistance
            for i, iid in enumerate(self.timeline.issue_ids):
                reporters[f"demand_{sid}_{iid}"] = lambda m, a=a, i=i: float(a.demand[i])
        return reporters

    def agent_class(self, index: int) -> type[StateAgent]:
        """Who plays state ``index``: the model's own rules (the role-play seats a student)."""
        return StateAgent

    @property
    def date(self) -> str:
        """The current month, ``YYYY-MM``."""
        return self.timeline.month_label(self.month_step)

    def step(self) -> None:
        """One month: events, each state's assessment, moves at the table, signing, ratification."""
        self.month_step = t = self.steps - 1
        self.opening = open_month(self.run_state, self.timeline, t, self.constants)
        self.gaps = self.opening.gaps  # as the month opens
        self.agents.shuffle_do("assess")
        if self.opening.summit:  # the table settles both offers before either side moves
            both = Assessment(
                *(np.stack(x) for x in zip(*(a.assessment for a in self.states), strict=True))
            )
            exchange_at_summit(
                self.run_state, self.timeline, self.opening, both, self.constants, self.human_move()
            )
        self.agents.shuffle_do("negotiate")
        willingness = np.array([a.assessment.willingness for a in self.states])
        closing = close_month(
            self.run_state,
            self.timeline,
            t,
            willingness,
            self.ratification_draws[t],
            self.constants,
        )
        self.gaps = closing.gaps
        if closing.ratified:
            demand = self.run_state.demand
            self.agreement_step = t
            self.shelved = closing.shelved
            self.package = np.where(self.shelved, np.nan, settlement_point(demand[0], demand[1]))
            self.running = False
        if self.steps >= self.last_step:
            self.running = False
        self.datacollector.collect(self)

    def human_move(self) -> tuple[int, np.ndarray] | None:
        """A seat a person holds this month and its demand on each issue (none in this model)."""
        return None

    def run(self) -> None:
        """Run month by month until agreement or the last month."""
        while self.running:
            self.run_for(1)
