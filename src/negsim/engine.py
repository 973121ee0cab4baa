"""The batch engine: many runs of one scenario at once, as [runs, states, issues] arrays.

It calls the same rules (:mod:`negsim.dynamics`) and the same event code
(:func:`negsim.runstate.apply_event`) as the Mesa model, in the same order, so a
run's outcome does not depend on which engine ran it.

A run that has agreed leaves the working arrays at once, as a Mesa model stops:
later months and later dated events (a summit's concession, say) never touch
it. Each run's numbers are computed elementwise, so they do not depend on which
other runs share its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
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
    leader_override,
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
    out = np.empty((len(seeds), months, 2))
    for k, seed in enumerate(seeds):
        np.random.default_rng(int(seed)).standard_normal((months, 2), out=out[k])
    return out


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


def _select(state: RunState, keep: np.ndarray) -> RunState:
    """The rows of a batch run state that ``keep`` selects."""
    return RunState(**{f.name: getattr(state, f.name)[keep] for f in fields(RunState)})


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
    ideal = state.ideal.copy()
    # Each run's shocks, month-major (one contiguous row per month). Events never change
    # shock_sd, so scaling once here gives the same products as scaling month by month.
    draws = shock_draws(seeds, months).transpose(1, 0, 2)
    shocks = np.multiply(draws, state.shock_sd[None, :, None], out=np.empty(draws.shape))
    del draws
    n_issues = len(timeline.issue_ids)
    agreement_step = np.full(runs, -1)
    final_gap = np.zeros((runs, n_issues))
    final_demand = state.demand.copy()
    traces = {}
    if record:
        traces = {
            "gap_trace": np.full((runs, last, n_issues), np.nan),
            "drive_trace": np.full((runs, last, 2), np.nan),
            "willingness_trace": np.full((runs, last, 2), np.nan),
            "effective_historical_trace": np.full((runs, last, 2), np.nan),
        }
    # Runs that have agreed leave the working set: like a Mesa model that has stopped, they
    # see no later month and no later event. ``live`` maps working rows to run indices.
    live = np.arange(runs)
    gaps = np.zeros((runs, n_issues))
    for t in range(last):
        events = timeline.events.get(t, [])
        for event in events:
            apply_event(state, event, timeline)
        levels = state.drivers_at(timeline, t)
        shock = shocks[t] if len(live) == runs else shocks[t, live]
        if t == 0 or any(event.moves for event in events):
            opening = issue_gaps(state.demand[:, 0], state.demand[:, 1], timeline.orientation)
        else:  # no demand moved since last month's gaps were taken
            opening = gaps
        motives = state.motivations_of()
        judged = assess(
            motives,
            levels,
            state.salience,
            timeline.historical,
            opening,
            shock,
            constants,
        )
        partner_ideal = state.ideal[:, ::-1, :]
        cap = reciprocity_cap(
            state.demand[:, ::-1, :],
            partner_ideal,
            state.ideal,
            motives.leader_disposition,
            constants,
        )
        target = concession_targets(
            state.ideal,
            partner_ideal,
            judged.willingness,
            judged.effective_salience,
            cap,
            leader_override(motives),
            constants,
        )
        state.demand = adjust_demands(
            state.demand, target, state.talks_active[:, None, None], constants
        )
        gaps = issue_gaps(state.demand[:, 0], state.demand[:, 1], timeline.orientation)
        if record:
            traces["gap_trace"][live, t] = gaps
            traces["drive_trace"][live, t] = judged.drive
            traces["willingness_trace"][live, t] = judged.willingness
            hist = np.sum(np.where(timeline.historical, judged.effective_salience, 0.0), axis=-1)
            traces["effective_historical_trace"][live, t] = hist
        now = settled(gaps, state.talks_active, constants)
        if now.any():
            ended = live[now]
            agreement_step[ended] = t
            final_gap[ended] = gaps[now]
            final_demand[ended] = state.demand[now]
            keep = ~now
            live, gaps = live[keep], gaps[keep]
            state = _select(state, keep)
            if not len(live):
                break
    final_gap[live] = gaps
    final_demand[live] = state.demand
    done = agreement_step >= 0
    points = settlement_points(final_demand, done)
    package = np.where(done[:, None], points[:, 0, :], np.nan)
    return BatchResult(
        agreed=done,
        agreement_step=agreement_step,
        package=package,
        concession_share=concession_shares(ideal, points),
        final_gap=final_gap,
        **traces,
    )
