"""What history says about the judgements: approximate Bayesian computation (ABC).

The prior is the scenario's ranges (each judgement's distribution, :mod:`negsim.judgements`).
Each prior draw runs once through the batch engine with its own shock seed; its distance to
the dated history (the targets) decides whether it is kept.

1. **Rejection.** ``draws`` prior draws; the ``particles`` closest are kept.
2. **SMC** (Toni et al. 2009; Beaumont et al. 2009), ``generations`` times: the tolerance
   falls to the population's median distance; particles are resampled by weight, moved by a
   Gaussian kernel of twice the population's weighted covariance, run again and kept if
   within the tolerance; weights are prior / (mixture of kernels).

Work is done in the judgements' unit cube: a judgement's value is its distribution's
quantile of a coordinate u in (0, 1), so the prior there is uniform, and a kernel step
never leaves the support unnoticed (steps outside the cube are proposed again).

The algorithm (:func:`run_abc`) knows nothing of scenarios: it calibrates any
:class:`Problem`, a prior (objects with a ``quantile``) and a distance of unit-cube points
run with given shock seeds. :func:`abc` is ``negsim calibrate``'s problem, a scenario's
judgements against dated targets (:class:`Simulator`); ``negsim.constants_abc`` is another,
the global constants against the validation cases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from negsim.calendar import format_month, parse_month
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.draws import mix
from negsim.inputs import ScenarioError
from negsim.judgements import Judgement, scenario_judgements
from negsim.scenario import Scenario
from negsim.sensitivity import EDGE, design_values

TARGET_HELP = (
    "agreement=YYYY-MM (or none), suspension=YYYY-MM (or none: the month a signed deal "
    "failed at home), conceded.ISSUE=STATE (the side that conceded more of the issue)"
)


@dataclass(frozen=True)
class Targets:
    """Dated history to match: the agreement month, a failed signing, who conceded each issue."""

    agreement: int | None = None  # step; -1: no agreement in the run
    suspension: int | None = None  # step of the first signed deal that failed; -1: none
    conceded: dict[int, int] = field(default_factory=dict)  # issue -> state that conceded more
    text: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether there is nothing to match."""
        return self.agreement is None and self.suspension is None and not self.conceded


def parse_targets(items: list[str], scenario: Scenario) -> Targets:
    """Read ``--target KEY=VALUE`` items against a scenario (a ScenarioError names the bad one)."""
    agreement = suspension = None
    conceded: dict[int, int] = {}
    start, end = parse_month(scenario.start), parse_month(scenario.end)
    problems = []

    def step(key: str, value: str) -> int | None:
        if value.lower() == "none":
            return -1
        try:
            month = parse_month(value)
        except ValueError as exc:
            problems.append((f"--target {key}", f"{exc}; or none"))
            return None
        if not start <= month <= end:
            problems.append(
                (
                    f"--target {key}",
                    f"{value} is outside the run {scenario.start} .. {scenario.end}",
                )
            )
            return None
        return month - start

    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            problems.append(("--target", f"{item!r} is not KEY=VALUE; one of {TARGET_HELP}"))
        elif key == "agreement":
            agreement = step(key, value)
        elif key == "suspension":
            suspension = step(key, value)
        elif re.fullmatch(r"conceded\.\w+", key):
            issue = key.split(".", 1)[1]
            if issue not in scenario.issues:
                problems.append(
                    (f"--target {key}", f"unknown issue; one of {', '.join(scenario.issue_ids)}")
                )
            elif value not in scenario.states:
                problems.append(
                    (f"--target {key}", f"unknown state; one of {', '.join(scenario.state_ids)}")
                )
            else:
                conceded[scenario.issue_ids.index(issue)] = scenario.state_ids.index(value)
        else:
            problems.append((f"--target {key}", f"unknown target; one of {TARGET_HELP}"))
    if problems:
        raise ScenarioError("negsim calibrate", problems)
    targets = Targets(agreement, suspension, conceded, tuple(items))
    if targets.empty:
        raise ScenarioError("negsim calibrate", [("--target", f"give at least one: {TARGET_HELP}")])
    return targets


def history_targets(scenario: Scenario) -> list[str]:
    """The targets a scenario's own ``historical_outcome`` gives (its agreement month)."""
    outcome = scenario.historical_outcome
    if outcome is None:
        return []
    month = format_month(parse_month(outcome.date))
    return [f"agreement={month if outcome.concluded else 'none'}"]


def distances(result: Any, targets: Targets, months: int) -> np.ndarray:
    """Each run's distance to the targets, in years (a mismatch of kind: the run's length)."""
    years = months / 12.0
    d = np.zeros(len(result.agreed))
    for target, steps in (
        (targets.agreement, result.agreement_step),
        (targets.suspension, result.signed_step),
    ):
        if target is None:
            continue
        happened = steps >= 0
        if target < 0:
            d += np.where(happened, years, 0.0)
        else:
            d += np.where(happened, np.abs(steps - target) / 12.0, years)
    for issue, state in targets.conceded.items():
        shares = result.concession_share[:, :, issue]
        more = np.argmax(shares, axis=1)
        d += np.where(more == state, 0.0, 1.0)
    return d


def unit_draws(seed: int, first: int, count: int, dims: int) -> np.ndarray:
    """Prior draws in the unit cube [count, dims], a counter-based hash of (seed, index, dim)."""
    return unit_draws_at(seed, np.arange(first, first + count, dtype=np.uint64), dims)


def unit_draws_at(seed: int, index: np.ndarray, dims: int) -> np.ndarray:
    """Prior draws number ``index`` in the unit cube [len(index), dims]."""
    index = np.asarray(index, dtype=np.uint64)
    out = np.empty((len(index), dims))
    with np.errstate(over="ignore"):
        base = mix(index ^ mix(np.uint64(seed) + np.uint64(0x5BD1E995)))
        for k in range(dims):
            x = mix(base ^ np.uint64(k * 0x9E3779B97F4A7C15 % 2**64))
            out[:, k] = ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return out


def shock_seeds(seed: int, first: int, count: int) -> np.ndarray:
    """Each simulation's shock seed (hash of seed and index: no per-run SeedSequence)."""
    index = np.arange(first, first + count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix(mix(index + np.uint64(0x2545F4914F6CDD1D)) ^ np.uint64(seed))


class Prior(Protocol):
    """One calibrated quantity's prior, as :func:`run_abc` and :func:`posterior_table` read it.

    A :class:`~negsim.judgements.Judgement` is one. ``quantile`` maps the unit cube's
    coordinate to a value; ``value`` is the point (hand-chosen) value; ``low``/``high`` bound
    the support. An optional ``log_scale = True`` says the prior is uniform in the logarithm,
    so :func:`posterior_table` measures its spread (and shrinkage) on log values.
    """

    @property
    def path(self) -> str: ...

    @property
    def value(self) -> float: ...

    @property
    def low(self) -> float: ...

    @property
    def high(self) -> float: ...

    def quantile(self, u: np.ndarray) -> np.ndarray: ...


class Problem(Protocol):
    """What :func:`run_abc` calibrates: a prior and each point's distance to history.

    ``distance(unit, seeds)`` runs the model at unit-cube points ``[N, len(judgements)]``,
    point k with shock seed ``seeds[k]``, and returns N distances (smaller is closer). A
    point's distance must depend only on the point and its seed, not on which other points
    share the call, so the work can be split among processes without changing the result.
    It must pickle (workers receive it). ``unit`` names the distance's unit, for messages.
    """

    @property
    def judgements(self) -> Sequence[Prior]: ...

    @property
    def unit(self) -> str: ...

    def distance(self, unit: np.ndarray, seeds: np.ndarray) -> np.ndarray: ...


@dataclass
class Simulator:
    """Runs a scenario at unit-cube points through the batch engine, in chunks."""

    scenario: Scenario
    judgements: list[Judgement]
    targets: Targets
    constants: Constants = DEFAULT_CONSTANTS
    chunk: int = 20_000
    unit: ClassVar[str] = "years"

    def __post_init__(self) -> None:
        from negsim.timeline import compile_timeline

        self.timeline = compile_timeline(self.scenario)

    def run(self, unit: np.ndarray, seeds: np.ndarray) -> Any:
        """The batch result at the given points and shock seeds."""
        from negsim.engine import run_batch

        values = design_values(self.judgements, unit)
        return run_batch(self.scenario, seeds, values, self.constants, timeline=self.timeline)

    def distance(self, unit: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Distances of the runs at ``unit`` points, chunk by chunk (bounded memory)."""
        out = np.empty(len(unit))
        for a in range(0, len(unit), self.chunk):
            b = min(a + self.chunk, len(unit))
            result = self.run(unit[a:b], seeds[a:b])
            out[a:b] = distances(result, self.targets, self.timeline.months)
        return out


def _prior_chunk(args: tuple) -> np.ndarray:
    """A worker's share of the rejection step: distances of prior draws first .. first+count."""
    problem, seed, first, count = args
    unit = unit_draws(seed, first, count, len(problem.judgements))
    return problem.distance(unit, shock_seeds(seed, first, count))


def _distance_chunk(args: tuple) -> np.ndarray:
    """A worker's share of an SMC step: distances of the given proposals."""
    problem, unit, seeds = args
    return problem.distance(unit, seeds)


@dataclass
class Posterior:
    """The calibration's result: weighted particles in the unit cube, and their values."""

    judgements: Sequence[Prior]
    unit: np.ndarray  # [N, J]
    weights: np.ndarray  # [N], sum 1
    distance: np.ndarray  # [N]
    tolerances: list[float]
    draws: int
    simulations: int
    prior_within: float  # share of prior draws within the rejection step's tolerance
    distance_unit: str = "years"

    def values(self) -> dict[str, np.ndarray]:
        """The particles' values, prior by prior."""
        return design_values(list(self.judgements), self.unit)

    def effective_size(self) -> float:
        """How many equally weighted particles the weighted ones are worth."""
        return effective_size(self.weights)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weights (which need not sum to 1; none: 0)."""
    total = weights.sum()
    return float(total**2 / np.sum(weights**2)) if total > 0 else 0.0


MOVES = 3
"""Metropolis moves of every particle in each SMC step (each one simulation a particle)."""

MIN_EFFECTIVE_PARTICLES = 20
"""Below this effective sample size a posterior's spread is not read as history's verdict."""


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The q-quantile of ``x`` under weights ``w``."""
    order = np.argsort(x)
    c = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(c, q * c[-1]), len(x) - 1)])


def abc(
    scenario: Scenario,
    targets: Targets,
    draws: int = 100_000,
    particles: int = 1_000,
    generations: int = 2,
    seed: int = 0,
    constants: Constants = DEFAULT_CONSTANTS,
    workers: int = 1,
    chunk: int = 20_000,
    say: Callable[[str], None] = lambda line: None,
) -> Posterior:
    """A scenario's judgements against dated targets: :func:`run_abc` of its :class:`Simulator`."""
    judgements = scenario_judgements(scenario)
    if not judgements:
        raise ScenarioError(
            scenario.id,
            [("", "no value carries a range: nothing to calibrate (docs/model.md §3.6)")],
        )
    problem = Simulator(scenario, judgements, targets, constants, chunk)
    return run_abc(problem, draws, particles, generations, seed, workers, chunk, say)


def run_abc(
    problem: Problem,
    draws: int = 100_000,
    particles: int = 1_000,
    generations: int = 2,
    seed: int = 0,
    workers: int = 1,
    chunk: int = 20_000,
    say: Callable[[str], None] = lambda line: None,
    space: str = "normal",
) -> Posterior:
    """Rejection ABC over ``draws`` prior draws, then ``generations`` SMC steps.

    With ``workers`` > 1 and more than ``chunk`` draws, a pool of processes computes the
    distances, of the prior draws and of every SMC step's proposals; the result is the same
    as with one process (a point's distance depends only on the point and its seed).

    ``space`` is where the SMC steps move particles. ``"normal"`` (the default): in the
    normal scores z = Phi^-1(u), where the prior is a standard normal, no step leaves the
    support, and a move's acceptance carries the prior's density. ``"cube"``: in the unit
    cube, where a step that leaves it is refused.

    Each SMC step halves the population at the median distance, resamples it back and moves
    every particle by :data:`MOVES` Metropolis steps within the new tolerance (adaptive ABC
    SMC, Del Moral, Doucet and Jasra 2012), so the particles stay equally weighted. A step
    is taken only if it tightens the tolerance (a distance in whole months often cannot);
    otherwise the previous generation is the posterior, and the report says so.
    """
    if space not in ("cube", "normal"):
        raise ValueError(f"space must be 'cube' or 'normal', not {space!r}")
    normal = space == "normal"
    from scipy.special import ndtr, ndtri  # here: the CLI imports this module at startup

    particles = min(particles, draws)
    dims = len(problem.judgements)
    unit_name = problem.unit
    pieces = [(problem, seed, a, min(chunk, draws - a)) for a in range(0, draws, chunk)]
    with ExitStack() as stack:
        pool = None
        if workers > 1 and len(pieces) > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("forkserver")
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=context))

        def spread(fn: Callable[[tuple], np.ndarray], work: list[tuple]) -> np.ndarray:
            results = pool.map(fn, work) if pool is not None else map(fn, work)
            return np.concatenate(list(results))

        dist = spread(_prior_chunk, pieces)
        keep = np.argsort(dist, kind="stable")[:particles]
        unit = unit_draws_at(seed, keep, dims)
        d = dist[keep]
        within = float(np.mean(dist <= d.max()))  # share of prior draws as close as the kept
        w = np.full(len(keep), 1.0 / len(keep))
        tolerances = [float(d.max())]
        say(
            f"rejection: {draws:,} prior draws, {len(keep):,} kept, tolerance {d.max():.3g} "
            f"{unit_name} ({within:.1%} of prior draws within it)"
        )
        x = ndtri(unit) if normal else unit  # the particles where the kernel moves them
        rng = np.random.default_rng([seed, 0xABC])
        simulations = draws
        next_index = draws  # shock seeds of later generations continue the prior's numbering
        for g in range(generations):
            eps = float(np.median(d))
            if eps <= 0.0 and np.all(d == 0):
                say(f"generation {g + 1}: every particle matches exactly; stopping")
                break
            if eps >= tolerances[-1]:  # half the particles sit at the tolerance (months are whole)
                say(f"generation {g + 1}: the tolerance cannot tighten below {eps:.3g}; stopping")
                break
            # The particles within the new tolerance, resampled back to full size, are the
            # posterior at that tolerance with equal weights; Metropolis moves that keep it
            # (Del Moral, Doucet and Jasra 2012) then spread the copies out again. Importance
            # weights over a kernel mixture (Beaumont et al. 2009) collapsed here: with twenty
            # judgements a few particles took all the weight.
            alive = np.flatnonzero(d <= eps)
            pick = alive[rng.integers(0, len(alive), size=len(x))]
            x, d = x[pick].copy(), d[pick].copy()
            n = len(x)
            scale = 2.38**2 / dims  # the random walk's classic scale for a Gaussian target
            cov = scale * np.atleast_2d(np.cov(x.T)) + 1e-10 * np.eye(dims)
            chol = np.linalg.cholesky(cov)
            accepted = 0
            for _ in range(MOVES):
                step = x + rng.standard_normal((n, dims)) @ chol.T
                proposal = ndtr(step) if normal else step
                inside = np.all((proposal > EDGE) & (proposal < 1.0 - EDGE), axis=1)
                seeds = shock_seeds(seed, next_index, n)
                next_index += n
                where = np.flatnonzero(inside)
                parts = max(-(-len(where) // chunk), workers if pool is not None else 1)
                bounds = np.linspace(0, len(where), parts + 1).astype(int)
                dd = np.full(n, np.inf)
                if len(where):
                    dd[where] = spread(
                        _distance_chunk,
                        [
                            (problem, proposal[where[a:b]], seeds[where[a:b]])
                            for a, b in itertools.pairwise(bounds)
                        ],
                    )
                simulations += len(where)
                # the prior's ratio: standard normal in the normal scores, uniform in the cube
                log_ratio = 0.5 * ((x**2).sum(1) - (step**2).sum(1)) if normal else np.zeros(n)
                ok = (dd <= eps) & (np.log(rng.random(n)) < log_ratio)
                x[ok], d[ok] = step[ok], dd[ok]
                accepted += int(ok.sum())
            w = np.full(n, 1.0 / n)
            unit = ndtr(x) if normal else x
            tolerances.append(eps)
            distinct = len(np.unique(unit, axis=0))
            say(
                f"generation {g + 1}: tolerance {eps:.3g} {unit_name}, {len(unit):,} particles "
                f"({distinct:,} distinct; {accepted / (MOVES * n):.0%} of moves accepted)"
            )
    return Posterior(
        problem.judgements, unit, w, d, tolerances, draws, simulations, within, unit_name
    )


def posterior_table(post: Posterior, prior_sample: int = 0) -> dict[str, dict[str, float]]:
    """Per judgement: prior and posterior mean, sd, 90 % credible interval, and shrinkage.

    Shrinkage is 1 - posterior sd / prior sd, on log values for a prior uniform in the
    logarithm (``log_scale``), where a spread means the same at either end of the range.
    """
    values = post.values()
    ess = post.effective_size()
    u = (np.arange(20_001) + 0.5) / 20_001
    out = {}
    for j in post.judgements:
        prior = j.quantile(u)
        x = values[j.path]
        mean = float(np.sum(post.weights * x))
        sd = float(np.sqrt(np.sum(post.weights * (x - mean) ** 2)))
        prior_sd = float(prior.std())
        if getattr(j, "log_scale", False):
            lx, lp = np.log(x), np.log(prior)
            lmean = float(np.sum(post.weights * lx))
            spread = float(np.sqrt(np.sum(post.weights * (lx - lmean) ** 2)))
            prior_spread = float(lp.std())
        else:
            spread, prior_spread = sd, prior_sd
        shrink = 1.0 - spread / prior_spread if prior_spread > 0 else 0.0
        verdict = "pinned down" if shrink > 0.5 else "narrowed" if shrink > 0.2 else "left open"
        if (
            ess < MIN_EFFECTIVE_PARTICLES
        ):  # a few heavy particles look narrow, whatever history says
            verdict = "too few particles"
        out[j.path] = {
            "point_value": j.value,
            "prior_mean": float(prior.mean()),
            "prior_sd": prior_sd,
            "posterior_mean": mean,
            "posterior_sd": sd,
            "posterior_q05": weighted_quantile(x, post.weights, 0.05),
            "posterior_q95": weighted_quantile(x, post.weights, 0.95),
            "shrinkage": shrink,
            "verdict": verdict,
        }
    return out


def predictive(scenario: Scenario, post: Posterior, runs: int = 2_000, seed: int = 0) -> np.ndarray:
    """Agreement steps of posterior-predictive runs (-1: none): particles by weight, new shocks."""
    rng = np.random.default_rng([seed, 0xFEED])
    pick = rng.choice(len(post.unit), size=runs, p=post.weights)
    sim = Simulator(scenario, post.judgements, Targets())
    seeds = shock_seeds(seed ^ 0x5EED, 0, runs)
    return sim.run(post.unit[pick], seeds).agreement_step


def prior_predictive(scenario: Scenario, judgements: list[Judgement], runs: int, seed: int) -> Any:
    """Agreement steps of prior-predictive runs (for the figure's comparison)."""
    unit = unit_draws(seed ^ 0x1234, 0, runs, len(judgements))
    sim = Simulator(scenario, judgements, Targets())
    return sim.run(unit, shock_seeds(seed ^ 0x4321, 0, runs)).agreement_step
