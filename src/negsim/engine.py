"""The batch engine: many runs of one scenario at once, as [runs, states, issues] arrays.

It calls the same rules (:mod:`negsim.dynamics`) and the same event code
(:func:`negsim.runstate.apply_event`) as the Mesa model, in the same order, so a
run's outcome does not depend on which engine ran it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.dynamics import (
    DRIVER_NAMES,
    MOTIVATION_NAMES,
    adjust_demands,
    assess,
    concession_targets,
    issue_gaps,
    reciprocity_cap,
    set_salience,
    settled,
)
from negsim.outcome import concession_shares, settlement_points
from negsim.parameters import check_value, resolve_path
from negsim.runstate import RunState, apply_event, initial_state
from negsim.scenario import Scenario
from negsim.timeline import Timeline, compile_timeline, hold_step


@dataclass
class BatchResult:
    """Outcomes of R runs (arrays over runs), plus optional monthly traces."""

    agreed: np.ndarray  # [R] bool
    agreement_step: np.ndarray  # [R] int, -1 if none
    package: np.ndarray  # [R, I], NaN where no agreement
    concession_share: np.ndarray  # [R, S, I]
    final_gap: np.ndarray  # [R, I]
    gap_trace: np.ndarray | None = None  # [R, T, I]
    drive_trace: np.ndarray | None = None  # [R, T, S]
    willingness_trace: np.ndarray | None = None  # [R, T, S]
    effective_historical_trace: np.ndarray | None = None  # [R, T, S]


def shock_draws(seeds: np.ndarray, months: int) -> np.ndarray:
    """Each run's standard-normal shocks, [R, T, 2], drawn exactly as the Mesa model draws them."""
    return np.stack(
        [np.random.default_rng(int(seed)).standard_normal((months, 2)) for seed in seeds]
    )


def apply_run_parameters(
    scenario: Scenario, timeline: Timeline, state: RunState, values: dict[str, Any]
) -> None:
    """Give each run its own parameter values: ``{path: array over runs}`` (in place)."""
    for path, column in values.items():
        ref = resolve_path(scenario, path)
        column = np.asarray(column) if ref.numeric else list(column)
        checked = [check_value(ref, v.item() if hasattr(v, "item") else v) for v in column]
        if ref.kind == "motivation":
            s, k = timeline.state_ids.index(ref.state), MOTIVATION_NAMES.index(ref.name)
            state.motivations[:, s, k] = checked
        elif ref.kind == "salience":
            s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
            state.salience[:, s, :] = set_salience(state.salience[:, s, :], i, np.array(checked))
        elif ref.kind == "ideal":
            s, i = timeline.state_ids.index(ref.state), timeline.issue_ids.index(ref.issue)
            state.ideal[:, s, i] = checked
            state.demand[:, s, i] = checked
        elif ref.kind == "driver_scale":
            if ref.name in scenario.drivers:
                state.driver_scale[:, DRIVER_NAMES.index(ref.name)] = checked
        elif ref.kind == "driver_hold":
            driver = scenario.drivers.get(ref.name)
            if driver is not None:
                steps = [
                    hold_step(
                        driver.model_copy(update={"hold_from": h}), timeline.start, timeline.months
                    )
                    for h in checked
                ]
                state.driver_hold[:, DRIVER_NAMES.index(ref.name)] = steps
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
) -> BatchResult:
    """Run ``len(seeds)`` replications of a scenario, each with its own parameter values."""
    seeds = np.asarray(seeds, dtype=np.uint64)
    runs = len(seeds)
    timeline = timeline or compile_timeline(scenario)
    months = timeline.months
    last = months if until is None else int(np.clip(timeline.step_of(until) + 1, 1, months))
    state = initial_state(scenario, timeline, (runs,))
    if values:
        apply_run_parameters(scenario, timeline, state, values)
    draws = shock_draws(seeds, months)
    n_issues = len(timeline.issue_ids)
    done = np.zeros(runs, dtype=bool)
    agreement_step = np.full(runs, -1)
    final_gap = np.zeros((runs, n_issues))
    traces = {}
    if record:
        traces = {
            "gap_trace": np.full((runs, last, n_issues), np.nan),
            "drive_trace": np.full((runs, last, 2), np.nan),
            "willingness_trace": np.full((runs, last, 2), np.nan),
            "effective_historical_trace": np.full((runs, last, 2), np.nan),
        }
    for t in range(last):
        for event in timeline.events.get(t, []):
            apply_event(state, event, timeline)
        levels = state.drivers_at(timeline, t)
        shock = state.shock_sd[:, None] * draws[:, t, :]
        judged = assess(
            state.motivations_of(), levels, state.salience, timeline.historical, shock, constants
        )
        partner_ideal = state.ideal[:, ::-1, :]
        cap = reciprocity_cap(state.demand[:, ::-1, :], partner_ideal, state.ideal, constants)
        target = concession_targets(
            state.ideal,
            partner_ideal,
            judged.willingness,
            judged.effective_salience,
            cap,
            constants,
        )
        moved = adjust_demands(state.demand, target, state.talks_active[:, None, None], constants)
        state.demand = np.where(done[:, None, None], state.demand, moved)
        gaps = issue_gaps(state.demand[:, 0], state.demand[:, 1], timeline.orientation)
        live = ~done
        final_gap[live] = gaps[live]
        if record:
            traces["gap_trace"][live, t] = gaps[live]
            traces["drive_trace"][live, t] = judged.drive[live]
            traces["willingness_trace"][live, t] = judged.willingness[live]
            hist = np.sum(np.where(timeline.historical, judged.effective_salience, 0.0), axis=-1)
            traces["effective_historical_trace"][live, t] = hist[live]
        now = settled(gaps, state.talks_active, constants) & live
        agreement_step[now] = t
        done |= now
        if done.all():
            break
    points = settlement_points(state.demand, done)
    package = np.where(done[:, None], points[:, 0, :], np.nan)
    return BatchResult(
        agreed=done,
        agreement_step=agreement_step,
        package=package,
        concession_share=concession_shares(state.ideal, points),
        final_gap=final_gap,
        **traces,
    )
