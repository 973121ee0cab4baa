"""The findings F1-F10 of the source texts, measured on the shipped scenarios.

Each finding is defined in ``experiments/findings/F*.yaml`` (what to run, what to
vary, how many replications, the thresholds); the measurement is a function here,
named by the definition's ``measure``. Everything runs on the batch engine with
fixed seeds, so a result is reproducible to the bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from negsim.calendar import parse_month
from negsim.catalog import find_scenario, findings_dir
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.engine import BatchResult, run_batch
from negsim.scenario import Scenario, ScenarioError, load_scenario, read_yaml, validation_problems
from negsim.simulation import replication_seeds
from negsim.timeline import Timeline, compile_timeline


class Bound(BaseModel):
    """A threshold on one measured quantity."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None

    def holds(self, value: float) -> bool:
        """Whether a measured value meets the bound."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def text(self) -> str:
        """The bound as a reader writes it."""
        if self.min is not None and self.max is not None:
            return f"in [{self.min:g}, {self.max:g}]"
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"


class FindingDefinition(BaseModel):
    """One finding: the claim, its source, the experiment and its thresholds."""

    model_config = ConfigDict(extra="forbid")
    id: str
    claim: str
    source: str
    measure: str
    scenarios: list[str] = Field(min_length=1)
    replications: int = Field(ge=1)
    seed: int
    settings: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, Bound]


@dataclass
class FindingResult:
    """What was measured for a finding and whether it holds."""

    id: str
    claim: str
    measured: dict[str, float]
    threshold: dict[str, str]
    checks: dict[str, bool]
    figure_data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """A finding holds when every one of its checks does."""
        return all(self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """The result as ``negsim reproduce --json`` prints it."""
        return {
            "id": self.id,
            "claim": self.claim,
            "measured": self.measured,
            "threshold": self.threshold,
            "passed": self.passed,
        }


@dataclass
class Context:
    """Shared by the measurements of one reproduce run: scenarios, seeds, constants."""

    constants: Constants = DEFAULT_CONSTANTS
    replications: int | None = None
    draw: bool = False  # draw each run's judgements from their ranges (reproduce --ranges)
    _cache: dict[str, tuple[Scenario, Timeline]] = field(default_factory=dict)

    def scenario(self, name: str) -> tuple[Scenario, Timeline]:
        """A shipped scenario and its timeline, loaded once."""
        if name not in self._cache:
            spec = load_scenario(find_scenario(name))
            self._cache[name] = (spec, compile_timeline(spec))
        return self._cache[name]

    def runs(
        self,
        d: FindingDefinition,
        name: str,
        values: dict[str, Any] | None = None,
        record: bool = False,
        points: int = 1,
    ) -> BatchResult:
        """R replications at each of ``points`` parameter points (common seeds across points)."""
        spec, timeline = self.scenario(name)
        reps = self.replications or d.replications
        seeds = np.tile(replication_seeds(d.seed, reps), points)
        expanded = {
            k: np.repeat(np.asarray(v, dtype=object), reps) for k, v in (values or {}).items()
        }
        return run_batch(
            spec,
            seeds,
            expanded,
            constants=self.constants,
            record=record,
            timeline=timeline,
            draw=self.draw,
        )

    def reps(self, d: FindingDefinition) -> int:
        """Replications per point for a definition."""
        return self.replications or d.replications


def step(timeline: Timeline, date: str) -> int:
    """The step of a month in a scenario's run."""
    return parse_month(date) - timeline.start


Measure = Callable[[FindingDefinition, Context], tuple[dict[str, float], dict[str, Any]]]
MEASURES: dict[str, Measure] = {}


def measure(name: str) -> Callable[[Measure], Measure]:
    """Register a measurement under the name definitions use."""

    def register(fn: Measure) -> Measure:
        MEASURES[name] = fn
        return fn

    return register


def agreed_by(result: BatchResult, last_step: int) -> np.ndarray:
    """Which runs agreed at or before a step."""
    return result.agreed & (result.agreement_step <= last_step)


@measure("historical_agreement")
def historical_agreement(d: FindingDefinition, ctx: Context):
    """F1: agreement near the signing date; none by the horizon without the pressure rise."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    s = d.settings
    base = ctx.runs(d, name)
    lo, hi = step(tl, s["window"][0]), step(tl, s["window"][1])
    in_window = base.agreed & (base.agreement_step >= lo) & (base.agreement_step <= hi)
    counter = ctx.runs(d, name, {k: [v] for k, v in s["counterfactual"].items()})
    by = step(tl, s["counterfactual_by"])
    stalled = step(tl, s["stalled_until"])
    return {
        "p_agreement_in_window": float(in_window.mean()),
        "p_agreement_before_stall_end": float(agreed_by(base, stalled - 1).mean()),
        "p_counterfactual_agreement": float(agreed_by(counter, by).mean()),
    }, {"agreement_steps": base.agreement_step.tolist()}


def mean_shares(result: BatchResult, tl: Timeline) -> dict[str, dict[str, float]]:
    """Mean concession share per state and issue over the runs that agreed."""
    rows = result.concession_share[result.agreed]
    if not len(rows):
        rows = result.concession_share
    mean = rows.mean(axis=0)
    return {
        sid: {iid: float(mean[k, i]) for i, iid in enumerate(tl.issue_ids)}
        for k, sid in enumerate(tl.state_ids)
    }


@measure("concessions_by_issue")
def concessions_by_issue(d: FindingDefinition, ctx: Context):
    """F2: who conceded what in the package."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    shares = mean_shares(ctx.runs(d, name), tl)
    a, b = tl.state_ids
    out = {}
    for iid in d.settings["a_concedes_more"]:
        out[f"{a}_minus_{b}_{iid}"] = shares[a][iid] - shares[b][iid]
    for iid in d.settings["b_concedes_more"]:
        out[f"{b}_minus_{a}_{iid}"] = shares[b][iid] - shares[a][iid]
    for iid in tl.issue_ids:
        out[f"{a}_share_{iid}"] = shares[a][iid]
        out[f"{b}_share_{iid}"] = shares[b][iid]
    return out, {"shares": shares}


@measure("asymmetric_motivation")
def asymmetric_motivation(d: FindingDefinition, ctx: Context):
    """F3: from the coup on, the ROK's drive exceeds Japan's and it concedes more in total."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    r = ctx.runs(d, name, record=True)
    first = step(tl, d.settings["from"])
    drive = r.drive_trace[:, first:, :]
    valid = ~np.isnan(drive[..., 0])
    ahead = (drive[..., 0] > drive[..., 1])[valid]
    total = r.concession_share.sum(axis=-1)
    return {
        "share_of_months_a_drive_exceeds_b": float(ahead.mean()),
        "mean_total_concession_a_minus_b": float((total[:, 0] - total[:, 1]).mean()),
    }, {}


@measure("suspension_freeze")
def suspension_freeze(d: FindingDefinition, ctx: Context):
    """F4: no movement of any gap while talks are suspended."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    r = ctx.runs(d, name, record=True)
    lo, hi = step(tl, d.settings["from"]), step(tl, d.settings["until"])
    window = r.gap_trace[:, lo : hi + 1, :]
    return {"max_gap_change_in_window": float(np.nanmax(np.abs(window - window[:, :1, :])))}, {}


@measure("stalled_talks")
def stalled_talks(d: FindingDefinition, ctx: Context):
    """F5: no agreement; the gap narrows early and most at the summit, then widens."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    s = d.settings
    r = ctx.runs(d, name, record=True)
    mean_gap = np.nanmean(r.gap_trace.mean(axis=-1), axis=0)  # over runs, per month
    at = {k: float(mean_gap[step(tl, v)]) for k, v in s["dates"].items()}
    lowest = int(np.nanargmin(mean_gap))
    lo, hi = step(tl, s["closest_window"][0]), step(tl, s["closest_window"][1])
    return {
        "p_agreement": float(r.agreed.mean()),
        "early_narrowing": at["start"] - at["early"],
        "closest_in_window": float(lo <= lowest <= hi),
        "later_widening": at["late"] - at["summit_after"],
    }, {"mean_gap": mean_gap.tolist()}


def pressure_grid(d: FindingDefinition) -> np.ndarray:
    """The grid of U.S.-pressure scales a definition sweeps."""
    lo, hi, n = d.settings["scale_grid"]
    return np.linspace(lo, hi, int(n))


def probability_curve(
    d: FindingDefinition, ctx: Context, name: str, path: str, grid: np.ndarray, record: bool = False
) -> tuple[np.ndarray, BatchResult]:
    """Agreement probability at each grid value of one parameter (common seeds)."""
    reps = ctx.reps(d)
    r = ctx.runs(d, name, {path: grid}, record=record, points=len(grid))
    return r.agreed.reshape(len(grid), reps).mean(axis=1), r


@measure("pressure_scurve")
def pressure_scurve(d: FindingDefinition, ctx: Context):
    """F6: agreement probability never falls as U.S. pressure rises, from ~0 to ~1."""
    name = d.scenarios[0]
    _, tl = ctx.scenario(name)
    grid = pressure_grid(d)
    prob, r = probability_curve(d, ctx, name, "drivers.us_pressure.scale", grid, record=True)
    lo, hi = step(tl, d.settings["weight_window"][0]), step(tl, d.settings["weight_window"][1])
    weight = r.effective_historical_trace[:, lo : hi + 1, :]
    reps = ctx.reps(d)
    mean_weight = np.nanmean(weight.reshape(len(grid), reps, -1), axis=(1, 2))
    return {
        "largest_drop_in_probability": float(max(0.0, -np.diff(prob).min())),
        "probability_at_lowest_pressure": float(prob[0]),
        "probability_at_highest_pressure": float(prob[-1]),
        "largest_rise_in_historical_weight": float(max(0.0, np.diff(mean_weight).max())),
    }, {
        "scale": grid.tolist(),
        "probability": prob.tolist(),
        "historical_weight": mean_weight.tolist(),
    }


def peak_pressure(spec: Scenario, timeline: Timeline) -> float:
    """The scenario's peak U.S. pressure, averaged over the two sides (1965 units)."""
    from negsim.dynamics import DRIVER_NAMES

    series = timeline.drivers[DRIVER_NAMES.index("us_pressure")]
    scale = spec.drivers["us_pressure"].scale.value if "us_pressure" in spec.drivers else 0.0
    return float(series.max(axis=0).mean() * scale)


def needed_pressure(x: np.ndarray, prob: np.ndarray, level: float = 0.5) -> float:
    """The lowest pressure on the grid at which agreement is at least this likely."""
    hit = np.nonzero(prob >= level)[0]
    return float(x[hit[0]]) if len(hit) else float("inf")


@measure("pressure_needed")
def pressure_needed(d: FindingDefinition, ctx: Context):
    """F7: the U.S.-aligned future needs at least the 1965 pressure, and more than 1965 needed."""
    history, future = d.scenarios
    grid = pressure_grid(d)
    curves = {}
    for name in (history, future):
        spec, tl = ctx.scenario(name)
        prob, _ = probability_curve(d, ctx, name, "drivers.us_pressure.scale", grid)
        curves[name] = (grid * peak_pressure(spec, tl), prob)
    hist_spec, hist_tl = ctx.scenario(history)
    level_1965 = peak_pressure(hist_spec, hist_tl)
    need_hist = needed_pressure(*curves[history])
    need_future = needed_pressure(*curves[future])
    at_own = ctx.runs(d, future)
    return {
        "future_needed_over_1965_level": need_future / level_1965,
        "future_needed_minus_1965_needed": need_future - need_hist,
        "p_agreement_future_as_scripted": float(at_own.agreed.mean()),
    }, {
        "curves": {
            k: {"pressure": v[0].tolist(), "probability": v[1].tolist()} for k, v in curves.items()
        },
        "level_1965": level_1965,
    }


@measure("leader_decides")
def leader_decides(d: FindingDefinition, ctx: Context):
    """F8: agreement rises steeply with the leader's disposition, barely with low U.S. pressure."""
    name = d.scenarios[0]
    s = d.settings
    leaders = np.linspace(*s["leader_grid"][:2], int(s["leader_grid"][2]))
    pressures = np.asarray(s["pressure_scales"], dtype=float)
    lv, pv = np.meshgrid(leaders, pressures, indexing="ij")
    reps = ctx.reps(d)
    r = ctx.runs(
        d,
        name,
        {s["leader_path"]: lv.ravel(), "drivers.us_pressure.scale": pv.ravel()},
        points=lv.size,
    )
    prob = r.agreed.reshape(lv.size, reps).mean(axis=1).reshape(lv.shape)
    base = int(np.argmin(np.abs(pressures - 1.0)))
    low, high = (
        np.argmin(np.abs(leaders - s["low_leader"])),
        np.argmin(np.abs(leaders - s["high_leader"])),
    )
    return {
        "rise_low_to_high_leader": float(prob[high, base] - prob[low, base]),
        "mean_spread_over_pressure": float((prob.max(axis=1) - prob.min(axis=1)).mean()),
    }, {
        "leader": leaders.tolist(),
        "pressure_scale": pressures.tolist(),
        "probability": prob.tolist(),
    }


@measure("better_deal")
def better_deal(d: FindingDefinition, ctx: Context):
    """F9: the denuclearized DPRK's package lies nearer its ideal than 1965's did to the ROK's."""
    history, future = d.scenarios
    issues = d.settings["shared_issues"]
    out_shares = {}
    for name in (history, future):
        _, tl = ctx.scenario(name)
        out_shares[name] = mean_shares(ctx.runs(d, name), tl)
    korea_1965 = ctx.scenario(history)[1].state_ids[0]
    korea_future = ctx.scenario(future)[1].state_ids[0]
    mean_1965 = float(np.mean([out_shares[history][korea_1965][i] for i in issues]))
    mean_future = float(np.mean([out_shares[future][korea_future][i] for i in issues]))
    p_future = float(ctx.runs(d, future).agreed.mean())
    return {
        "korean_share_1965_minus_future": mean_1965 - mean_future,
        "p_agreement_future": p_future,
    }, {"shares": out_shares, "issues": issues}


@measure("thaw_drives_japan")
def thaw_drives_japan(d: FindingDefinition, ctx: Context):
    """F10: Japan's drive follows the thaw (détente, others' normalizations), not its need."""
    name = d.scenarios[0]
    spec, tl = ctx.scenario(name)
    from negsim.dynamics import DRIVER_NAMES

    japan = tl.state_ids.index(d.settings["state"])
    base = ctx.runs(d, name, record=True)
    drive = np.nanmean(base.drive_trace[:, :, japan], axis=0)
    thaw = np.maximum(
        tl.drivers[DRIVER_NAMES.index("detente")][:, japan],
        tl.drivers[DRIVER_NAMES.index("normalization_wave")][:, japan],
    )[: len(drive)]
    ok = ~np.isnan(drive)
    correlation = float(np.corrcoef(drive[ok], thaw[ok])[0, 1])
    no_thaw = ctx.runs(
        d,
        name,
        {"drivers.detente.scale": [0.0], "drivers.normalization_wave.scale": [0.0]},
        record=True,
    )
    path = f"states.{d.settings['state']}.economic_need"
    need = spec.states[d.settings["state"]].economic_need.value
    more_need = ctx.runs(d, name, {path: [min(1.0, 2 * need)]}, record=True)
    thaw_effect = float(np.nanmean(drive - np.nanmean(no_thaw.drive_trace[:, :, japan], axis=0)))
    need_effect = float(np.nanmean(np.nanmean(more_need.drive_trace[:, :, japan], axis=0) - drive))
    return {
        "correlation_drive_thaw": correlation,
        "thaw_effect_over_doubled_need_effect": thaw_effect / need_effect
        if need_effect
        else float("inf"),
    }, {"drive": drive.tolist(), "thaw": thaw.tolist()}


def load_definitions(directory: Path | None = None) -> list[FindingDefinition]:
    """The finding definitions, F1 first; bad files raise :class:`ScenarioError`."""
    directory = directory or findings_dir()
    if directory is None:
        raise ScenarioError(
            "experiments/findings", [("", "no finding definitions (F1.yaml ...) found")]
        )
    out = []
    for path in sorted(directory.glob("F*.yaml"), key=lambda p: int(p.stem[1:] or 0)):
        doc = read_yaml(path)
        try:
            d = FindingDefinition.model_validate(doc)
        except ValidationError as exc:
            raise ScenarioError(str(path), validation_problems(exc)) from None
        if d.measure not in MEASURES:
            raise ScenarioError(str(path), [("measure", f"unknown; one of {', '.join(MEASURES)}")])
        out.append(d)
    return out


def evaluate(d: FindingDefinition, ctx: Context) -> FindingResult:
    """Measure one finding and check its thresholds."""
    measured, data = MEASURES[d.measure](d, ctx)
    missing = set(d.thresholds) - set(measured)
    if missing:
        raise ScenarioError(
            d.id, [("thresholds", f"nothing measured named {', '.join(sorted(missing))}")]
        )
    checks = {k: b.holds(measured[k]) for k, b in d.thresholds.items()}
    return FindingResult(
        id=d.id,
        claim=d.claim,
        measured={k: round(v, 6) for k, v in measured.items()},
        threshold={k: b.text() for k, b in d.thresholds.items()},
        checks=checks,
        figure_data=data,
    )
