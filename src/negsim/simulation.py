"""Running scenarios from Python: one run, or replications, with derived seeds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.draws import run_seeds_of
from negsim.engine import run_batch
from negsim.model import NegotiationModel
from negsim.outcome import summarize
from negsim.scenario import Scenario


def replication_seed(master_seed: int, index: int) -> int:
    """The seed of run ``index`` under a master seed (same whatever engine or worker runs it).

    numpy's ``SeedSequence([master_seed, index])``, first 64-bit word of its state
    (:func:`negsim.draws.run_seed_of`, compiled, gives the same numbers).
    """
    return int(replication_seeds(master_seed, 1, index)[0])


def replication_seeds(master_seed: int, count: int, first: int = 0) -> np.ndarray:
    """Seeds of runs ``first .. first + count - 1``."""
    if not 0 <= int(master_seed) < 2**64 or not 0 <= int(first) <= 2**64 - max(int(count), 1):
        raise ValueError("a master seed and run numbers are whole numbers from 0 to 2**64 - 1")
    seeds = np.empty(int(count), dtype=np.uint64)
    run_seeds_of(np.uint64(master_seed), np.uint64(first), seeds)
    return seeds


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


def draw_scenario(scenario: Scenario, seed: int) -> Scenario:
    """The scenario with its judgements drawn as run ``seed`` draws them (for one Mesa model).

    ``NegotiationModel(draw_scenario(s, seed), rng=seed)`` is the run the batch engine makes
    of ``run_batch(s, [seed], draw=True)``; a scenario without ranges comes back as it is.
    """
    from negsim.judgements import draw_judgements, scenario_judgements
    from negsim.parameters import apply_overrides
    from negsim.scenario import scenario_from_dict

    judgements = scenario_judgements(scenario)
    if not judgements:
        return scenario
    drawn = draw_judgements(judgements, np.array([seed], dtype=np.uint64))
    doc = scenario.model_dump(mode="json", exclude_unset=True)
    overrides = [(path, float(column[0])) for path, column in drawn.items()]
    return scenario_from_dict(apply_overrides(doc, overrides, scenario.id), scenario.id)


SPREAD_GROUPS, SPREAD_SHOCKS = 40, 25
"""The nested design that splits the spread: judgement draws x shock seeds per draw."""


def _split(groups: list[np.ndarray]) -> dict[str, float] | None:
    """One-way random-effects ANOVA: the shares of variance between and within groups."""
    groups = [g for g in groups if len(g) >= 2]
    if len(groups) < 2:
        return None
    n = len(groups) / sum(1.0 / len(g) for g in groups)  # harmonic mean group size
    within = float(np.mean([np.var(g, ddof=1) for g in groups]))
    between = max(0.0, float(np.var([g.mean() for g in groups], ddof=1)) - within / n)
    total = within + between
    if total <= 0:
        return {"from_judgements": 0.0, "from_shocks": 0.0, "variance": 0.0}
    return {
        "from_judgements": between / total,
        "from_shocks": within / total,
        "variance": total,
    }


def spread_sources(
    scenario: Scenario,
    master_seed: int,
    constants: Constants = DEFAULT_CONSTANTS,
    until: str | None = None,
    timeline: Any = None,
    groups: int = SPREAD_GROUPS,
    shocks: int = SPREAD_SHOCKS,
) -> dict[str, Any] | None:
    """How much of the outcome's spread comes from the judgements and how much from shocks.

    A nested design (``groups`` judgement draws, each run under ``shocks`` shock seeds) and
    the law of total variance: the variance of the draws' means is the judgements' share,
    the mean variance within a draw the shocks'. For agreement (0/1) and for the month of
    agreement among the runs that agree. None when the scenario has no ranges.
    """
    from negsim.judgements import draw_judgements, scenario_judgements

    judgements = scenario_judgements(scenario)
    if not judgements:
        return None
    base = 2**40  # run indices of their own, apart from the replications' 0 .. R - 1
    seeds = replication_seeds(master_seed, groups * shocks, first=base)
    keys = np.repeat(replication_seeds(master_seed, groups, first=2 * base), shocks)
    values = draw_judgements(judgements, keys)
    result = run_batch(scenario, seeds, values, constants=constants, until=until, timeline=timeline)
    agreed = result.agreed.reshape(groups, shocks).astype(float)
    steps = result.agreement_step.reshape(groups, shocks).astype(float)
    dates = [row[row >= 0] for row in steps]
    return {
        "design": f"{groups} judgement draws x {shocks} shock seeds",
        "agreed": _split(list(agreed)),
        "agreement_month": _split(dates),
    }


def replicate(
    scenario: Scenario,
    master_seed: int,
    replications: int,
    constants: Constants = DEFAULT_CONSTANTS,
    until: str | None = None,
    draw: bool = True,
) -> dict[str, Any]:
    """Monte-Carlo replications with the batch engine: agreement probability and dates.

    With ``draw`` (the default) each replication draws the scenario's judgements from
    their ranges, and the summary says how much of the spread they make (``spread``);
    ``draw=False`` keeps the point values (``--fixed``).
    """
    from negsim.judgements import scenario_judgements
    from negsim.timeline import compile_timeline

    timeline = compile_timeline(scenario)
    seeds = replication_seeds(master_seed, replications)
    result = run_batch(
        scenario, seeds, constants=constants, until=until, timeline=timeline, draw=draw
    )
    steps = result.agreement_step[result.agreed]
    quantiles = {}
    if len(steps):
        for q in (0.1, 0.5, 0.9):
            quantiles[f"q{int(q * 100)}"] = timeline.month_label(
                int(np.quantile(steps, q, method="lower"))
            )
    issues, states = timeline.issue_ids, timeline.state_ids
    mean_share = result.concession_share.mean(axis=0)
    summary = {
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
    judgements = scenario_judgements(scenario)
    summary["judgements"] = {"drawn": bool(draw and judgements), "count": len(judgements)}
    if draw and judgements:
        fixed = run_batch(scenario, seeds, constants=constants, until=until, timeline=timeline)
        summary["agreement_probability_fixed"] = float(fixed.agreed.mean())
        summary["spread"] = spread_sources(scenario, master_seed, constants, until, timeline)
    return summary
