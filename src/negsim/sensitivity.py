"""Which judgement carries a conclusion: Sobol indices over a scenario's ranges.

Each design point fixes every judgement with a range (a Saltelli/Sobol sample of their
distributions, SALib); the point runs under the same ``shocks`` seeds as every other
point (common random numbers), and its outcomes are the share of those runs that agree
and their mean month of agreement, a run without agreement counted at the run's end.
First-order (S1) and total (ST) indices say how much of each outcome's variance over
the judgements one judgement makes alone and with all its interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.inputs import ScenarioError
from negsim.judgements import Judgement, scenario_judgements
from negsim.scenario import Scenario

OUTCOMES = {
    "agreement_probability": "probability of agreement",
    "agreement_month": "month of agreement (no agreement: the run's end)",
}
EDGE = 1e-12  # SALib's points reach 0 exactly; a distribution's quantile wants (0, 1)


@dataclass
class SensitivityResult:
    """Sobol indices of each judgement for each outcome, with what was run."""

    judgements: list[Judgement]
    indices: dict[str, dict[str, np.ndarray]]  # outcome -> S1, S1_conf, ST, ST_conf [J]
    variance: dict[str, float]  # outcome -> variance over the design points
    points: int
    shocks: int
    samples: int
    months: int

    def ranking(self) -> list[int]:
        """Judgement positions, most influential first: by total index summed over outcomes."""
        st = sum(np.nan_to_num(ix["ST"], nan=0.0) for ix in self.indices.values())
        return list(np.argsort(-st, kind="stable"))

    def rows(self) -> list[dict[str, float | str]]:
        """One row per judgement (ranked), with each outcome's S1 and ST and their 95 % CI."""
        out = []
        for j in self.ranking():
            row: dict[str, float | str] = {"judgement": self.judgements[j].path}
            for outcome, ix in self.indices.items():
                for key in ("S1", "S1_conf", "ST", "ST_conf"):
                    row[f"{outcome}.{key}"] = float(ix[key][j])
            out.append(row)
        return out


def design_values(judgements: list[Judgement], unit: np.ndarray) -> dict[str, np.ndarray]:
    """Each judgement's values at the design's unit-cube points [P, J]."""
    u = np.clip(unit, EDGE, 1.0 - EDGE)
    return {j.path: j.quantile(u[:, k]) for k, j in enumerate(judgements)}


def sobol_indices(
    scenario: Scenario,
    samples: int = 128,
    shocks: int = 8,
    seed: int = 0,
    constants: Constants = DEFAULT_CONSTANTS,
) -> SensitivityResult:
    """Sobol S1 and ST of the scenario's judgements for agreement probability and month."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    from negsim.engine import run_batch
    from negsim.simulation import replication_seeds
    from negsim.timeline import compile_timeline

    judgements = scenario_judgements(scenario)
    if len(judgements) < 2:
        raise ScenarioError(
            scenario.id,
            [
                (
                    "",
                    f"{len(judgements)} values carry a range; Sobol indices need at least 2 "
                    "(give judgements range: [low, high], docs/model.md §3.6)",
                )
            ],
        )
    if samples < 2 or samples & (samples - 1):
        raise ScenarioError("--samples", [("", f"must be a power of 2, 2 or more (got {samples})")])
    problem = {
        "num_vars": len(judgements),
        "names": [j.path for j in judgements],
        "bounds": [[0.0, 1.0]] * len(judgements),
    }
    unit = sample.sample(problem, samples, calc_second_order=False, seed=seed)
    points = len(unit)
    values = {k: np.repeat(v, shocks) for k, v in design_values(judgements, unit).items()}
    seeds = np.tile(replication_seeds(seed, shocks), points)
    timeline = compile_timeline(scenario)
    result = run_batch(scenario, seeds, values, constants=constants, timeline=timeline)
    agreed = result.agreed.reshape(points, shocks)
    month = np.where(result.agreed, result.agreement_step, timeline.months).reshape(points, shocks)
    outputs = {
        "agreement_probability": agreed.mean(axis=1),
        "agreement_month": month.mean(axis=1).astype(float),
    }
    indices, variance = {}, {}
    for name, y in outputs.items():
        variance[name] = float(np.var(y))
        if variance[name] == 0.0:  # the outcome never moves: no judgement moves it
            zero = np.zeros(len(judgements))
            indices[name] = {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
            continue
        found = analyze.analyze(
            problem, y, calc_second_order=False, print_to_console=False, seed=seed
        )
        indices[name] = {
            k: np.asarray(found[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")
        }
    return SensitivityResult(
        judgements, indices, variance, points, shocks, samples, timeline.months
    )


def short_path(path: str) -> str:
    """A judgement's path without its section word, for labels (``JPN.audience_cost``)."""
    for head in ("states.", "issues.", "powers.", "drivers."):
        if path.startswith(head):
            return path[len(head) :]
    return path
