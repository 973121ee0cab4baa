"""The global constants against history: a prior over them and a distance, for ABC.

The 19 constants of :class:`~negsim.constants.Constants` were hand-chosen by a coordinate
search (``experiments/calibrate_constants.py``). This module lets the ABC of
:mod:`negsim.calibrate` (:func:`~negsim.calibrate.run_abc`) say how well history supports
them:

* **the prior** (:func:`constants_prior`): each constant log-uniform over [value / 2,
  2 x value] of its chosen value, a prior centred (in ratio) on the choice, as wide up as
  down, that says only "the right value is within a factor of two";
* **the distance** (:class:`HistoryDistance`): each draw of all 19 runs every scored phase of
  the validation cases and the two source cases, ``replications`` times, in one batch per
  scenario (``run_batch(..., run_constants=rows)``: draws x replications runs).

A draw's distance is the sum of four losses, each from 0 (history exactly) to 1:

1. *phases*: 1 - balanced accuracy over the scored phases, per replication: a concluded
   phase is hit by a replication that agrees in a year within the harness's tolerance (±2)
   of history's, a failed phase by one that has not agreed by the phase's ``until``;
2. *package*: 1 - package direction, the share of judged issues whose concession shares
   point history's way, scored exactly as ``negsim validate`` does on the draw's
   replications (:func:`negsim.validation.package_calls`);
3. *1965*: how far from June 1965 a replication of ``rok_japan_1951_1965`` agrees, in years,
   capped at one (no agreement: one);
4. *1991-2006*: the share of replications of ``dprk_japan_1991_2006`` that agree.

The judgements of every scenario stay at their point values (as in ``negsim validate``):
the constants are what is uncertain here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from negsim.calibrate import Targets, distances, history_targets, parse_targets
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.draws import mix
from negsim.dynamics import RULE_CONSTANTS, rule_constants
from negsim.engine import BatchResult, run_batch
from negsim.scenario import Scenario
from negsim.sensitivity import design_values
from negsim.timeline import Timeline, compile_timeline
from negsim.validation import (
    YEAR_TOLERANCE,
    Case,
    package_calls,
    phase_outcome,
    phase_right,
    totals,
)

FACTOR = 2.0
"""The prior spans [value / FACTOR, value x FACTOR] of each constant's chosen value."""

UPPER_BOUNDS = {"adjustment_rate": 1.0, "agreement_tolerance": 1.0}
"""Constants that are shares of a whole (of the way to target; of an issue's 0-1 axis): a
prior stays below 0.9 of the bound (at 1 a month's rounds would close any gap at once).
At FACTOR 2 neither reaches it (0.5 and 0.1)."""

SOURCE_CASES = ("rok_japan_1951_1965", "dprk_japan_1991_2006")
"""The source texts' cases, whose ``historical_outcome`` is a target of the distance."""

LOSSES = ("phases", "package", *SOURCE_CASES)
"""The distance's terms, in the order :meth:`Fit.losses` gives them."""


@dataclass(frozen=True)
class ConstantPrior:
    """One global constant's prior: log-uniform between ``low`` and ``high``."""

    path: str  # the constant's name in Constants
    value: float  # the hand-chosen value
    low: float
    high: float
    log_scale: bool = True  # posterior_table measures spread on log values
    distribution: str = "log-uniform"

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities ``u`` in (0, 1)."""
        return self.low * (self.high / self.low) ** np.asarray(u, dtype=float)


def constants_prior(
    base: Constants = DEFAULT_CONSTANTS, factor: float = FACTOR, names: list[str] | None = None
) -> list[ConstantPrior]:
    """The prior of each constant named (all 19 by default): log-uniform over [v/f, v*f]."""
    out = []
    for name in names or Constants.names():
        value = float(getattr(base, name))
        high = value * factor
        if name in UPPER_BOUNDS:
            high = min(high, 0.9 * UPPER_BOUNDS[name])
        out.append(ConstantPrior(name, value, value / factor, high))
    return out


def constant_rows(
    priors: list[ConstantPrior], unit: np.ndarray, base: Constants = DEFAULT_CONSTANTS
) -> np.ndarray:
    """Rules' constants [N, len(RULE_CONSTANTS)] at unit-cube points [N, len(priors)].

    Constants without a prior keep ``base``'s value.
    """
    rows = np.tile(rule_constants(base), (len(unit), 1))
    for name, column in design_values(priors, unit).items():
        rows[:, RULE_CONSTANTS.index(name)] = column
    return rows


def constants_of(row: np.ndarray) -> Constants:
    """The :class:`Constants` of one row of :func:`constant_rows`."""
    return Constants(**{name: float(v) for name, v in zip(RULE_CONSTANTS, row, strict=True)})


def replication_keys(seeds: np.ndarray, replications: int) -> np.ndarray:
    """Each draw's replication seeds [N, R], a hash of the draw's own seed and r."""
    seeds = np.asarray(seeds, dtype=np.uint64)
    r = np.arange(replications, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix(mix(seeds[:, None] ^ np.uint64(0x6A09E667F3BCC908)) + r[None, :])


def _runs(result: BatchResult, a: int, b: int) -> BatchResult:
    """Runs ``a .. b-1`` of a batch result (the fields the harness reads)."""
    return BatchResult(
        agreed=result.agreed[a:b],
        agreement_step=result.agreement_step[a:b],
        package=result.package[a:b],
        concession_share=result.concession_share[a:b],
        final_gap=result.final_gap[a:b],
        shelved=result.shelved[a:b],
    )


@dataclass
class Fit:
    """How each of N draws of the constants does against history (arrays over draws)."""

    hit: np.ndarray  # [N, P] share of replications that get each scored phase right
    concluded: np.ndarray  # [P] bool: history concluded the phase
    package_right: np.ndarray  # [N] judged issues whose direction is right (harness)
    package_issues: int
    source_loss: dict[str, np.ndarray]  # case -> [N]
    phases_right: np.ndarray  # [N] phases the harness calls right (majority of replications)
    balanced_accuracy: np.ndarray  # [N] the harness's balanced accuracy

    @property
    def soft_balanced_accuracy(self) -> np.ndarray:
        """Balanced accuracy over replications: mean hit share of concluded and failed phases."""
        return 0.5 * (
            self.hit[:, self.concluded].mean(axis=1) + self.hit[:, ~self.concluded].mean(axis=1)
        )

    @property
    def package_direction(self) -> np.ndarray:
        """Share of judged issues pointing history's way."""
        return self.package_right / max(self.package_issues, 1)

    def losses(self) -> dict[str, np.ndarray]:
        """The distance's terms (:data:`LOSSES`), each in [0, 1]."""
        return {
            "phases": 1.0 - self.soft_balanced_accuracy,
            "package": 1.0 - self.package_direction,
            **self.source_loss,
        }

    def distance(self) -> np.ndarray:
        """The sum of the losses: 0 is history, 4 the farthest."""
        return np.sum(list(self.losses().values()), axis=0)


@dataclass
class HistoryDistance:
    """The constants' ABC problem: a prior over them and each draw's distance to history.

    Satisfies :class:`negsim.calibrate.Problem`. ``cases`` are the validation phases (only
    scored ones are run), ``sources`` the source texts' scenarios with a
    ``historical_outcome``.
    """

    judgements: list[ConstantPrior]
    cases: list[Case]
    sources: list[Scenario]
    replications: int = 16
    base: Constants = DEFAULT_CONSTANTS
    chunk: int = 500  # draws per batch call (x replications runs per scenario)
    unit: ClassVar[str] = "(loss, 0-4)"
    _timelines: list[Timeline] = field(default_factory=list, repr=False)
    _targets: list[Targets] = field(default_factory=list, repr=False)
    _source_timelines: list[Timeline] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.cases = [c for c in self.cases if c.key.scored]
        self._timelines = [compile_timeline(c.scenario) for c in self.cases]
        self._targets = [parse_targets(history_targets(s), s) for s in self.sources]
        self._source_timelines = [compile_timeline(s) for s in self.sources]

    def distance(self, unit: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Each point's distance (draw k runs with replications keyed by ``seeds[k]``)."""
        out = np.empty(len(unit))
        for a in range(0, len(unit), self.chunk):
            b = min(a + self.chunk, len(unit))
            fit = self.fit(self.rows(unit[a:b]), replication_keys(seeds[a:b], self.replications))
            out[a:b] = fit.distance()
        return out

    def rows(self, unit: np.ndarray) -> np.ndarray:
        """The rules' constants at unit-cube points."""
        return constant_rows(self.judgements, unit, self.base)

    def fit(self, rows: np.ndarray, keys: np.ndarray) -> Fit:
        """Run N sets of constants (``rows``), each with its replications' seeds ``keys[N, R]``."""
        n, reps = keys.shape
        run_rows = np.repeat(rows, reps, axis=0)
        flat = keys.reshape(-1)
        hit = np.empty((n, len(self.cases)))
        called = np.zeros((n, len(self.cases)), dtype=bool)
        package_right = np.zeros(n, dtype=np.int64)
        package_issues = 0
        for p, (case, timeline) in enumerate(zip(self.cases, self._timelines, strict=True)):
            key = case.key
            result = run_batch(case.scenario, flat, timeline=timeline, run_constants=run_rows)
            steps = result.agreement_step.reshape(n, reps)
            agreed = result.agreed.reshape(n, reps)
            if key.concluded:
                year = (timeline.start + steps) // 12
                hit[:, p] = (agreed & (np.abs(year - key.year) <= YEAR_TOLERANCE)).mean(axis=1)
            else:
                by_until = agreed & (steps <= timeline.step_of(key.until))
                hit[:, p] = 1.0 - by_until.mean(axis=1)
            package_issues += len(key.who_conceded)
            for k in range(n):  # the harness's own calls, draw by draw
                outcome = phase_outcome(_runs(result, k * reps, (k + 1) * reps), timeline, key)
                called[k, p] = phase_right(key, outcome)
                calls = package_calls(key, outcome.shares, outcome.shelved)
                package_right[k] += sum(c["right"] for c in calls)
        source_loss = {}
        for scenario, timeline, targets in zip(
            self.sources, self._source_timelines, self._targets, strict=True
        ):
            result = run_batch(scenario, flat, timeline=timeline, run_constants=run_rows)
            years = distances(result, targets, timeline.months).reshape(n, reps)
            source_loss[scenario.id] = np.minimum(years, 1.0).mean(axis=1)
        concluded = np.array([c.key.concluded for c in self.cases])
        balanced = np.array(
            [
                totals(list(zip(concluded, called[k], strict=True)), [])["balanced_accuracy"]
                for k in range(n)
            ]
        )
        return Fit(
            hit,
            concluded,
            package_right,
            package_issues,
            source_loss,
            called.sum(axis=1),
            balanced,
        )


def history_problem(
    replications: int = 16,
    base: Constants = DEFAULT_CONSTANTS,
    factor: float = FACTOR,
    only: list[str] | None = None,
    names: list[str] | None = None,
) -> HistoryDistance:
    """The shipped validation cases (or ``only`` these) and source cases, as one problem."""
    from negsim.catalog import find_scenario, validation_dir
    from negsim.scenario import load_scenario
    from negsim.validation import load_answer_keys, load_cases

    folder = validation_dir()
    cases = load_cases(load_answer_keys(folder, only), folder, find_scenario)
    sources = [load_scenario(find_scenario(name)) for name in SOURCE_CASES]
    return HistoryDistance(constants_prior(base, factor, names), cases, sources, replications, base)
