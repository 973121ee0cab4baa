"""The batch engine: many runs of one scenario at once, as [runs, states, issues] arrays.

It runs the same month (:mod:`negsim.month`: events, assessment, negotiation,
signing and ratification) as the Mesa model, for every state and run at once,
and draws the same random numbers from the same seeds, so a run's outcome does
not depend on which engine ran it.

A run that has agreed leaves the working arrays at once, as a Mesa model stops:
later months and later dated events (a summit's concession, say) never touch
it. Each run's numbers are computed elementwise, so they do not depend on which
other runs share its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.draws import month_draws
from negsim.dynamics import MOTIVATION_NAMES, set_salience
from negsim.judgements import scenario_judgements, with_draws
from negsim.month import close_month, month_of_runs, open_month
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


def random_draws(seeds: np.ndarray, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's shocks and ratification uniforms, [R, T, 2] each, drawn as the Mesa model does."""
    return month_draws(seeds, months)


def shock_draws(seeds: np.ndarray, months: int) -> np.ndarray:
    """Each run's standard-normal shocks, [R, T, 2], drawn exactly as the Mesa model draws them."""
    return month_draws(seeds, months)[0]


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
    draw: bool = False,
) -> BatchResult:
    """Run ``len(seeds)`` replications of a scenario, each with its own parameter values.

    With ``draw``, each run also draws the scenario's judgements with ranges that
    ``values`` does not fix (:mod:`negsim.judgements`, keyed by its seed); without it,
    the point values hold (``--fixed``).
    """
    seeds = np.asarray(seeds, dtype=np.uint64)
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
    origin = state.origin.copy()
    # Each run's draws, month-major (one contiguous row per month). Events never change
    # shock_sd, so scaling once here gives the same products as scaling month by month.
    draws, uniforms = random_draws(seeds, months)
    draws = draws.transpose(1, 0, 2)
    uniforms = np.ascontiguousarray(uniforms.transpose(1, 0, 2))
    shocks = np.multiply(draws, state.shock_sd[None, :, None], out=np.empty(draws.shape))
    del draws
    n_issues = len(timeline.issue_ids)
    agreement_step = np.full(runs, -1)
    final_gap = np.zeros((runs, n_issues))
    final_demand = state.demand.copy()
    shelved = np.zeros((runs, n_issues), bool)
    signed_step = np.full(runs, -1)
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
    gaps = None
    for t in range(last):
        opening = open_month(state, timeline, t, constants, gaps)
        whole = len(live) == runs
        shock = shocks[t] if whole else shocks[t, live]
        judged, table = month_of_runs(state, timeline, opening, shock, constants)
        closing = close_month(
            state,
            timeline,
            t,
            judged.willingness,
            uniforms[t] if whole else uniforms[t, live],
            constants,
            table,
        )
        gaps = closing.gaps
        if record:
            traces["gap_trace"][live, t] = gaps
            traces["drive_trace"][live, t] = judged.drive
            traces["willingness_trace"][live, t] = judged.willingness
            hist = np.sum(np.where(timeline.historical, judged.effective_salience, 0.0), axis=-1)
            traces["effective_historical_trace"][live, t] = hist
        now = closing.ratified
        if now.any():
            ended = live[now]
            agreement_step[ended] = t
            final_gap[ended] = gaps[now]
            final_demand[ended] = state.demand[now]
            shelved[ended] = closing.shelved[now]
            signed_step[ended] = state.signed_step[now]
            keep = ~now
            live, gaps = live[keep], gaps[keep]
            state = _select(state, keep)
            if not len(live):
                break
    final_gap[live] = gaps if gaps is not None else 0.0
    final_demand[live] = state.demand
    signed_step[live] = state.signed_step
    done = agreement_step >= 0
    points = settlement_points(final_demand, done)
    package = np.where(done[:, None] & ~shelved, points[:, 0, :], np.nan)
    return BatchResult(
        agreed=done,
        agreement_step=agreement_step,
        package=package,
        concession_share=concession_shares(origin, points, shelved, final_demand),
        final_gap=final_gap,
        shelved=shelved,
        signed_step=signed_step,
        judgements=drawn,
        **traces,
    )
