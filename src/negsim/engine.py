"""The batch engine: many runs of one scenario at once, as [runs, states, issues] arrays.

Each run's parameters are set as arrays over runs (its judgements drawn, a sweep's
values), then one compiled loop (:func:`negsim.month.runs_of`) runs every run month by
month through the same compiled rules, in the same order, as the Mesa model, drawing the
same random numbers from the same seed. So a run's outcome does not depend on which
engine ran it, nor on which other runs share its batch.

A run that has agreed stops, as a Mesa model stops: later months and later dated events
(a summit's concession, say) never touch it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.dynamics import MOTIVATION_NAMES, RULE_CONSTANTS, rule_constants, set_salience
from negsim.judgements import scenario_judgements, with_draws
from negsim.month import RunTraces, runs_of, timeline_arrays, workspace
from negsim.outcome import concession_shares, settlement_points
from negsim.parameters import check_value, resolve_path
from negsim.runstate import RunState, initial_state
from negsim.scenario import Scenario
from negsim.timeline import Timeline, channel_index, compile_timeline, hold_step


@dataclass
class BatchResult:
    """Outcomes of R runs (arrays over runs), plus optional monthly traces."""

    agreed: np.ndarray  # [R] bool: signed and ratified (a normalization)
    agreement_step: np.ndarray  # [R] int, -1 if none
    package: np.ndarray  # [R, I], NaN where no agreement or where the issue was shelved
    concession_share: np.ndarray  # [R, S, I]
    final_gap: np.ndarray  # [R, I]
    shelved: np.ndarray | None = None  # [R, I] bool: issues the package set aside
    signed_step: np.ndarray | None = None  # [R] int: first signing that failed ratification
    gap_trace: np.ndarray | None = None  # [R, T, I]
    drive_trace: np.ndarray | None = None  # [R, T, S]
    willingness_trace: np.ndarray | None = None  # [R, T, S]
    effective_historical_trace: np.ndarray | None = None  # [R, T, S]
    judgements: dict[str, np.ndarray] = field(default_factory=dict)  # path -> each run's draw


def apply_run_parameters(
    scenario: Scenario, timeline: Timeline, state: RunState, values: dict[str, Any]
) -> None:
    """Give each run its own parameter values: ``{path: array over runs}`` (in place)."""
    for path, column in values.items():
        ref = resolve_path(scenario, path)
        column = np.asarray(column) if ref.numeric else list(column)
        if ref.numeric and column.dtype.kind == "f":  # checked at once (10^6 runs: no loop)
            bad = ~((column >= ref.low) & (column <= ref.high))
            if bad.any():
                check_value(ref, float(column[np.argmax(bad)]))  # raises, naming the value
            checked = column
        else:
            checked = [check_value(ref, v.item() if hasattr(v, "item") else v) for v in column]
        if ref.kind == "motivation":
            s, k = timeline.state_ids.index(ref.state), MOTIVATION_NAMES.index(ref.name)
            state.motivations[:, s, k] = checked
        elif ref.kind == "dependence":
            s, q = timeline.state_ids.index(ref.state), timeline.power_ids.index(ref.name)
            state.power_dependence[:, s, q] = checked
        elif ref.kind == "salience":
            s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
            state.salience[:, s, :] = set_salience(state.salience[:, s, :], i, np.array(checked))
        elif ref.kind == "ideal":
            s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
            state.ideal[:, s, i] = checked
            state.origin[:, s, i] = checked
            if ref.state not in scenario.issues[ref.issue].opening:  # else: opens at its opening
                state.demand[:, s, i] = checked
        elif ref.kind == "driver_scale":
            if scenario.driver(ref.name) is not None:
                state.driver_scale[:, channel_index(timeline, ref.name)] = checked
        elif ref.kind == "driver_hold":
            driver = scenario.driver(ref.name)
            if driver is not None:
                steps = [
                    hold_step(
                        driver.model_copy(update={"hold_from": h}), timeline.start, timeline.months
                    )
                    for h in checked
                ]
                state.driver_hold[:, channel_index(timeline, ref.name)] = steps
        elif ref.kind == "shock_sd":
            state.shock_sd[:] = checked


def run_batch(
    scenario: Scenario,
    seeds: np.ndarray,
    values: dict[str, Any] | None = None,
    constants: Constants = DEFAULT_CONSTANTS,
    until: str | None = None,
    record: bool = False,
    timeline: Timeline | None = None,
    draw: bool = False,
    run_constants: np.ndarray | None = None,
) -> BatchResult:
    """Run ``len(seeds)`` replications of a scenario, each with its own parameter values.

    With ``draw``, each run also draws the scenario's judgements with ranges that
    ``values`` does not fix (:mod:`negsim.judgements`, keyed by its seed); without it,
    the point values hold (``--fixed``). ``run_constants`` (``[R, K]``, rows of
    :func:`~negsim.dynamics.rule_constants`) gives each run its own global constants, in
    place of ``constants`` (a study of the constants themselves).
    """
    seeds = np.ascontiguousarray(seeds, dtype=np.uint64).reshape(-1)
    runs = len(seeds)
    timeline = timeline or compile_timeline(scenario)
    months = timeline.months
    last = months if until is None else int(np.clip(timeline.step_of(until) + 1, 1, months))
    state = initial_state(scenario, timeline, (runs,))
    drawn: dict[str, np.ndarray] = {}
    if draw:
        judgements = [j for j in scenario_judgements(scenario) if j.path not in (values or {})]
        values = with_draws(values, judgements, seeds)
        drawn = {j.path: values[j.path] for j in judgements}
    if values:
        apply_run_parameters(scenario, timeline, state, values)
    if run_constants is None:
        rows = rule_constants(constants)[None, :]
    else:
        rows = np.ascontiguousarray(run_constants, dtype=np.float64)
        if rows.shape != (runs, len(RULE_CONSTANTS)):
            raise ValueError(f"run_constants must be [{runs}, {len(RULE_CONSTANTS)}]")
    origin = state.origin.copy()
    n_issues, n_states = len(timeline.issue_ids), len(timeline.state_ids)
    agreement_step = np.empty(runs, np.int64)
    final_gap = np.zeros((runs, n_issues))
    shelved = np.zeros((runs, n_issues), bool)
    shape = (runs, last) if record else (0, 0)
    traces = RunTraces(
        np.full((*shape, n_issues), np.nan),
        *(np.full((*shape, n_states), np.nan) for _ in range(3)),
    )
    runs_of(
        tuple(getattr(state, f.name) for f in fields(RunState)),
        seeds,
        rows,
        timeline_arrays(timeline),
        last,
        agreement_step,
        final_gap,
        shelved,
        traces,
        workspace(n_states, n_issues, len(timeline.power_ids)),
    )
    done = agreement_step >= 0
    points = settlement_points(state.demand, done)
    package = np.where(done[:, None] & ~shelved, points[:, 0, :], np.nan)
    recorded = {}
    if record:
        recorded = {
            "gap_trace": traces.gaps,
            "drive_trace": traces.drive,
            "willingness_trace": traces.willingness,
            "effective_historical_trace": traces.effective_historical,
        }
    return BatchResult(
        agreed=done,
        agreement_step=agreement_step,
        package=package,
        concession_share=concession_shares(origin, points, shelved, state.demand),
        final_gap=final_gap,
        shelved=shelved,
        signed_step=state.signed_step,
        judgements=drawn,
        **recorded,
    )
