"""Running scenarios from Python: one run, or replications, with derived seeds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.engine import run_batch
from negsim.model import NegotiationModel
from negsim.outcome import summarize
from negsim.scenario import Scenario


def replication_seed(master_seed: int, index: int) -> int:
    """The seed of run ``index`` under a master seed (same whatever engine or worker runs it)."""
    sequence = np.random.SeedSequence([int(master_seed), int(index)])
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def replication_seeds(master_seed: int, count: int, first: int = 0) -> np.ndarray:
    """Seeds of runs ``first .. first + count - 1``."""
    return np.array(
        [replication_seed(master_seed, k) for k in range(first, first + count)], dtype=np.uint64
    )


def simulate(
    scenario: Scenario,
    seed: int = 0,
    constants: Constants = DEFAULT_CONSTANTS,
    until: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the Mesa model once; return the monthly time series and the summary."""
    model = NegotiationModel(scenario, rng=seed, constants=constants, until=until)
    model.run()
    series = model.datacollector.get_model_vars_dataframe()
    series.index.name = "step"
    summary = summarize(
        scenario,
        model.timeline,
        model.agreement_step,
        model.run_state.origin,
        model.run_state.demand,
        model.gaps,
        seed,
        model.shelved,
        int(model.run_state.signed_step),
    )
    return series.reset_index(), summary


def replicate(
    scenario: Scenario,
    master_seed: int,
    replications: int,
    constants: Constants = DEFAULT_CONSTANTS,
    until: str | None = None,
) -> dict[str, Any]:
    """Monte-Carlo replications with the batch engine: agreement probability and dates."""
    from negsim.timeline import compile_timeline

    timeline = compile_timeline(scenario)
    seeds = replication_seeds(master_seed, replications)
    result = run_batch(scenario, seeds, constants=constants, until=until, timeline=timeline)
    steps = result.agreement_step[result.agreed]
    quantiles = {}
    if len(steps):
        for q in (0.1, 0.5, 0.9):
            quantiles[f"q{int(q * 100)}"] = timeline.month_label(
                int(np.quantile(steps, q, method="lower"))
            )
    issues, states = timeline.issue_ids, timeline.state_ids
    mean_share = result.concession_share.mean(axis=0)
    return {
        "scenario": scenario.id,
        "title": scenario.title,
        "master_seed": master_seed,
        "replications": replications,
        "agreement_probability": float(result.agreed.mean()),
        "agreement_date_quantiles": quantiles,
        "mean_concession_share": {
            sid: {iid: float(mean_share[s, i]) for i, iid in enumerate(issues)}
            for s, sid in enumerate(states)
        },
        "mean_final_gap": {
            iid: float(result.final_gap[:, i].mean()) for i, iid in enumerate(issues)
        },
    }
