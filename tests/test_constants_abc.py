"""The global constants against history: the generic ABC, the prior, and the distance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from negsim.calibrate import posterior_table, run_abc
from negsim.constants import DEFAULT_CONSTANTS
from negsim.constants_abc import (
    ConstantPrior,
    constant_rows,
    constants_of,
    constants_prior,
    history_problem,
    replication_keys,
)
from negsim.draws import mix
from negsim.dynamics import rule_constants
from negsim.simulation import replication_seeds
from negsim.validation import validate


@dataclass
class Known:
    """A synthetic problem: the distance sees only ``a`` (truth 1.3), with a little noise."""

    judgements: list[ConstantPrior]
    truth: float = 1.3
    unit: ClassVar[str] = "(log ratio)"

    def distance(self, unit: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        a = self.judgements[0].quantile(unit[:, 0])
        with np.errstate(over="ignore"):
            noise = (mix(np.asarray(seeds, np.uint64)) >> np.uint64(11)) * 2.0**-53
        return np.abs(np.log(a / self.truth)) + 0.02 * noise


@pytest.mark.parametrize("space", ["normal", "cube"])
def test_run_abc_recovers_a_known_value_and_leaves_an_inert_one_open(space):
    problem = Known([ConstantPrior("a", 1.0, 0.5, 2.0), ConstantPrior("b", 0.2, 0.1, 0.4)])
    post = run_abc(problem, draws=2000, particles=200, generations=2, seed=3, space=space)
    table = posterior_table(post)
    a, b = table["a"], table["b"]
    assert a["posterior_q05"] <= 1.3 <= a["posterior_q95"]
    assert a["posterior_q95"] / a["posterior_q05"] < 1.25  # the prior spans a factor of 4
    assert a["verdict"] == "pinned down" and b["verdict"] == "left open"
    assert not a["posterior_q05"] <= 1.0 <= a["posterior_q95"]  # the "chosen" 1.0 is out
    assert post.tolerances[-1] < post.tolerances[0]  # the SMC steps tightened it
    again = run_abc(problem, draws=2000, particles=200, generations=2, seed=3, space=space)
    assert np.array_equal(post.unit, again.unit)
    with pytest.raises(ValueError, match="space"):
        run_abc(problem, draws=10, particles=5, space="sphere")


def test_the_prior_is_centred_on_the_chosen_constants_and_respects_bounds():
    priors = constants_prior()
    assert [p.path for p in priors] == DEFAULT_CONSTANTS.names()
    for p in priors:
        assert p.quantile(np.array([0.5]))[0] == pytest.approx(p.value)
        assert p.low == pytest.approx(p.value / 2)
    by_name = {p.path: p for p in priors}
    assert by_name["adjustment_rate"].high == pytest.approx(0.5)
    narrow = constants_prior(factor=8.0)
    assert {p.path: p for p in narrow}["adjustment_rate"].high == pytest.approx(0.9)
    rows = constant_rows(priors, np.full((3, len(priors)), 0.5))
    assert np.allclose(rows, rule_constants(DEFAULT_CONSTANTS))
    assert constants_of(rows[0]) == DEFAULT_CONSTANTS
    top = constant_rows(priors, np.full((1, len(priors)), 1.0 - 1e-12))
    assert constants_of(top[0]).reach == pytest.approx(6.0)


def test_the_fit_of_the_chosen_constants_is_the_harness_score():
    problem = history_problem(replications=8)
    keys = replication_seeds(0, 8)[None, :]
    fit = problem.fit(rule_constants(DEFAULT_CONSTANTS)[None, :], keys)
    report = validate(problem.cases, replications=8, seed=0).totals()
    assert fit.phases_right[0] == report["phases_right"]
    assert fit.balanced_accuracy[0] == pytest.approx(report["balanced_accuracy"])
    assert fit.package_direction[0] == pytest.approx(report["package_direction"])
    losses = fit.losses()
    assert losses["dprk_japan_1991_2006"][0] == 0.0  # the 1991-2006 talks never conclude
    assert 0.0 < losses["rok_japan_1951_1965"][0] < 0.5  # 1965 agrees within months of June
    assert fit.distance()[0] == pytest.approx(sum(v[0] for v in losses.values()))


def test_draws_in_one_batch_run_with_their_own_constants():
    problem = history_problem(replications=6, only=["israel_jordan_1991_1994"])
    dims = len(problem.judgements)
    unit = np.full((2, dims), 0.5)
    unit[1, [p.path for p in problem.judgements].index("us_pressure_weight")] = 1.0 - 1e-9
    keys = replication_keys(np.array([5, 5], np.uint64), 6)
    both = problem.fit(problem.rows(unit), keys)
    alone = [problem.fit(problem.rows(unit[k : k + 1]), keys[k : k + 1]) for k in range(2)]
    for k in range(2):
        assert np.array_equal(both.hit[k], alone[k].hit[0])
        assert both.distance()[k] == pytest.approx(alone[k].distance()[0])
    # With U.S. pressure counting twice, the 1991-93 talks mostly close before Oslo: a miss.
    assert both.hit[0, 0] == 1.0 and both.hit[1, 0] < 0.5
    assert both.distance()[1] > both.distance()[0] + 0.5
    assert problem.distance(unit, np.array([5, 5], np.uint64)) == pytest.approx(both.distance())
