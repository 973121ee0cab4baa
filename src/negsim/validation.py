"""Out-of-sample validation: run the case phases, score them against history and baselines.

An answer key (``experiments/validation/<case>.yaml``) holds what happened in each phase
of a case: whether its talks concluded, the year, and who conceded each issue. The case's
scenario files (``scenarios/cases/<case>__<phase>.yaml``) hold only what was known as
the phase began. This module loads both, refuses a case file that encodes its outcome,
runs each phase with the batch engine and scores the model, and the same phases under
simple baselines, against the key. The method is described in ``docs/validation.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from negsim.calendar import format_month, parse_month
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.scenario import (
    Identifier,
    Scenario,
    ScenarioError,
    Text,
    _month,
    driver_entries,
    load_scenario,
    read_yaml,
    validation_problems,
)

# A case runs this long past the phase's `until` whatever happened (CASES.md): the end date
# must carry no information about the outcome.
HORIZON_MONTHS = 36
# A concluded phase is called right if the model's agreement year is this close to history's.
YEAR_TOLERANCE = 2
# A "compromise" issue: the two sides' concession shares lie within this of each other.
COMPROMISE_TOLERANCE = 0.3
# The need rule baseline: a phase agrees iff either side's need (E + G) / 2 reaches this.
NEED_THRESHOLD = 0.6
# The model's call is the majority over replications.
MAJORITY = 0.5

COMPROMISE, SHELVED = "compromise", "shelved"

if TYPE_CHECKING:
    from negsim.engine import BatchResult
    from negsim.timeline import Timeline


# --- the answer keys ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhaseKey(_Strict):
    """History's record of one phase (one row of the reference's summary_matrix)."""

    scenario: Identifier
    phase: Identifier
    talks_start: str | None
    until: str
    concluded: bool
    year: int | None
    who_conceded: dict[Identifier, Identifier] = Field(default_factory=dict)
    source: Text

    @field_validator("talks_start", mode="before")
    @classmethod
    def _start(cls, v: Any) -> Any:
        return None if v is None else _month(v)

    _until = field_validator("until", mode="before")(_month)

    @model_validator(mode="after")
    def _outcome(self) -> PhaseKey:
        if self.concluded and self.year is None:
            raise ValueError("a concluded phase needs its year")
        if not self.concluded and self.year is not None:
            raise ValueError("a phase that did not conclude has year: null")
        if not self.concluded and self.who_conceded:
            raise ValueError("who_conceded is recorded for concluded phases only")
        if self.year is not None and self.year > int(self.until[:4]):
            raise ValueError(f"year {self.year} is after the phase's until {self.until}")
        if self.talks_start is not None and parse_month(self.talks_start) > parse_month(self.until):
            raise ValueError(f"talks_start {self.talks_start} is after until {self.until}")
        return self

    @property
    def scored(self) -> bool:
        """Whether the phase counts in the totals: only phases in which talks were held."""
        return self.talks_start is not None


class AnswerKey(_Strict):
    """A case's answer key: its phases as history recorded them."""

    case: Identifier
    title: Text
    reference: Text
    phases: list[PhaseKey] = Field(min_length=1)


def load_answer_key(path: Path) -> AnswerKey:
    """Read and validate one answer key, raising :class:`ScenarioError` naming each bad field."""
    doc = read_yaml(path)
    try:
        key = AnswerKey.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(str(path), validation_problems(exc)) from None
    problems = []
    for k, phase in enumerate(key.phases):
        if not phase.scenario.startswith(f"{key.case}__"):
            problems.append(
                (f"phases[{k}].scenario", f"must be named {key.case}__<phase> (CASES.md)")
            )
    seen = [p.scenario for p in key.phases]
    for k, sid in enumerate(seen):
        if sid in seen[:k]:
            problems.append((f"phases[{k}].scenario", f"{sid} is listed twice"))
    if problems:
        raise ScenarioError(str(path), problems)
    return key


def load_answer_keys(folder: Path, only: Iterable[str] | None = None) -> list[AnswerKey]:
    """Every answer key in a folder (file order by name), or only the named cases."""
    keys = [load_answer_key(p) for p in sorted(folder.glob("*.yaml"))]
    if only:
        wanted = list(only)
        known = [k.case for k in keys]
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise ScenarioError(
                "--only",
                [("", f"no answer key for {', '.join(unknown)}; known: {', '.join(known)}")],
            )
        keys = [k for k in keys if k.case in wanted]
    return keys


# --- the guard: a case file must not encode its outcome ---------------------------------------


def encoding_problems(scenario: Scenario, key: PhaseKey) -> list[tuple[str, str]]:
    """What in a case file gives its outcome away, as (field, message) pairs.

    A case file encodes what a forecaster knew as the phase began (docs/validation.md):
    no dictated concessions, no recorded outcome, nothing dated after the phase's end,
    and a run whose start and end follow fixed rules rather than the outcome.
    """
    problems: list[tuple[str, str]] = []
    until = parse_month(key.until)
    if scenario.id != key.scenario:
        problems.append(("id", f"is {scenario.id}; the answer key names {key.scenario}"))
    if scenario.historical_outcome is not None:
        problems.append(
            ("historical_outcome", "a case file may not record its outcome (the answer key does)")
        )
    for k, event in enumerate(scenario.events):
        if event.moves:
            problems.append(
                (
                    f"events[{k}].moves",
                    "a case file may not dictate concessions: the model must produce the package",
                )
            )
        if parse_month(event.date) > until:
            problems.append(
                (f"events[{k}].date", f"{event.date} is after the phase's until {key.until}")
            )
    for where, _, driver in driver_entries(scenario):  # drivers and named powers' series
        if driver.hold_from is not None and parse_month(driver.hold_from) > until:
            problems.append((f"{where}.hold_from", f"is after the phase's until {key.until}"))
        for target, points in driver.series.items():
            for k, point in enumerate(points):
                if parse_month(point.date) > until:
                    problems.append(
                        (
                            f"{where}.series.{target}[{k}].date",
                            f"{point.date} is after the phase's until {key.until}",
                        )
                    )
    end = format_month(until + HORIZON_MONTHS)
    if format_month(parse_month(scenario.end)) != end:
        problems.append(
            ("end", f"must be the phase's until + {HORIZON_MONTHS} months ({end}), a fixed rule")
        )
    if key.talks_start is not None:
        if parse_month(scenario.start) != parse_month(key.talks_start):
            problems.append(
                ("start", f"must be the month talks began ({key.talks_start[:7]}), a fixed rule")
            )
        if not scenario.talks_active_at_start:
            problems.append(("talks_active_at_start", "talks were held: must be true"))
    elif scenario.talks_active_at_start:
        problems.append(("talks_active_at_start", "no talks were held in this phase: false"))
    return problems


def key_problems(scenario: Scenario, key: PhaseKey) -> list[tuple[str, str]]:
    """Answer-key entries that do not fit the scenario (issue or state ids)."""
    allowed = [*scenario.state_ids, COMPROMISE, SHELVED]
    problems = []
    for issue, who in key.who_conceded.items():
        where = f"who_conceded.{issue}"
        if issue not in scenario.issues:
            problems.append((where, f"unknown issue; the scenario's: {', '.join(scenario.issues)}"))
        if who not in allowed:
            problems.append((where, f"{who!r} is not one of {', '.join(allowed)}"))
    return problems


class CaseFilesError(ScenarioError):
    """Problems found in several case files and answer keys, each already naming its file."""

    def __init__(self, lines: list[str]):
        super().__init__("validate", [("", line) for line in lines])

    def render(self) -> str:
        """One line per problem, each starting with its file."""
        return "\n".join(message for _, message in self.problems)


@dataclass(frozen=True)
class Case:
    """One phase to validate: its scenario file, loaded and guarded, and its answer key."""

    case: str
    key: PhaseKey
    scenario: Scenario
    path: Path


def load_cases(keys: list[AnswerKey], keys_folder: Path, find: Callable[[str], Path]) -> list[Case]:
    """Load each key's scenario files, refusing any that encode their outcome.

    All problems of all files are gathered before raising, so one run lists them all.
    """
    cases, errors = [], []
    for answer in keys:
        key_path = keys_folder / f"{answer.case}.yaml"
        for k, phase in enumerate(answer.phases):
            path = find(phase.scenario)
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:
                errors.extend(exc.render().splitlines())
                continue
            guard = encoding_problems(scenario, phase)
            if guard:
                errors.append(ScenarioError(str(path), guard).render())
            mismatch = [(f"phases[{k}].{f}", m) for f, m in key_problems(scenario, phase)]
            if mismatch:
                errors.append(ScenarioError(str(key_path), mismatch).render())
            if not guard and not mismatch:
                cases.append(Case(answer.case, phase, scenario, path))
    if errors:
        raise CaseFilesError(errors)
    return cases


# --- running and scoring ----------------------------------------------------------------------


@dataclass
class ModelOutcome:
    """The model's outcome for one phase over its replications."""

    p_agree: float  # agreement within the run (to until + 36 months)
    p_agree_by_until: float  # agreement by the phase's until
    month: str | None  # the median agreement month of the agreeing runs
    shares: dict[str, dict[str, float]]  # mean concession share, state -> issue
    shelved: dict[str, bool] = field(default_factory=dict)  # issue -> the package set it aside

    @property
    def agrees(self) -> bool:
        """The model's call: most replications agree within the run."""
        return self.p_agree >= MAJORITY

    @property
    def agrees_by_until(self) -> bool:
        """Most replications agree by the phase's until."""
        return self.p_agree_by_until >= MAJORITY

    @property
    def year(self) -> int | None:
        """The year of the median agreement month."""
        return int(self.month[:4]) if self.month else None


def run_phase(
    scenario: Scenario,
    key: PhaseKey,
    seeds: np.ndarray,
    constants: Constants = DEFAULT_CONSTANTS,
) -> ModelOutcome:
    """Run one phase's replications with the batch engine and sum up the outcome."""
    from negsim.engine import run_batch
    from negsim.timeline import compile_timeline

    timeline = compile_timeline(scenario)
    result = run_batch(scenario, seeds, constants=constants, timeline=timeline)
    return phase_outcome(result, timeline, key)


def phase_outcome(result: BatchResult, timeline: Timeline, key: PhaseKey) -> ModelOutcome:
    """Sum up one phase's replications (a batch result, or a slice of one) as the harness does."""
    by_until = result.agreed & (result.agreement_step <= timeline.step_of(key.until))
    steps = result.agreement_step[result.agreed]
    month = None
    if len(steps):
        month = timeline.month_label(int(np.quantile(steps, 0.5, method="lower")))
    agrees = result.agreed.mean() >= MAJORITY
    # The package if the model agreed (its agreeing runs), else each side's final demands.
    chosen = result.agreed if agrees else ~result.agreed
    share = result.concession_share[chosen].mean(axis=0)
    # An issue counts as shelved when most of the agreeing runs' packages set it aside.
    shelved = result.shelved[result.agreed].mean(axis=0) >= MAJORITY if agrees else None
    return ModelOutcome(
        p_agree=float(result.agreed.mean()),
        p_agree_by_until=float(by_until.mean()),
        month=month,
        shares={
            sid: {iid: float(share[s, i]) for i, iid in enumerate(timeline.issue_ids)}
            for s, sid in enumerate(timeline.state_ids)
        },
        shelved={
            iid: bool(shelved is not None and shelved[i])
            for i, iid in enumerate(timeline.issue_ids)
        },
    )


def phase_right(key: PhaseKey, model: ModelOutcome) -> bool:
    """HIT or MISS: a concluded phase needs agreement within +-2 years; a failed one, none."""
    if key.concluded:
        return model.agrees and abs(model.year - key.year) <= YEAR_TOLERANCE
    return not model.agrees_by_until


def direction_right(judged: str, shares: dict[str, float], shelved: bool = False) -> bool:
    """Whether concession shares (state -> share of the gap it moved) match history's call.

    A state conceded: its share is the larger. A compromise: the shares are within 0.3.
    Shelved: right only if the model's package set the issue aside too (a deferrable issue,
    docs/model.md §3.3.4); a package that settled it, or a baseline, is wrong.
    """
    if judged == SHELVED or shelved:
        return judged == SHELVED and shelved
    a, b = shares.values()
    if judged == COMPROMISE:
        return abs(a - b) <= COMPROMISE_TOLERANCE
    other = next(s for s in shares if s != judged)
    return shares[judged] > shares[other]


def compromise_shares(scenario: Scenario) -> dict[str, dict[str, float]]:
    """The compromise model's concession shares: each issue settles at the salience-weighted
    mean of the two ideals, so a side concedes the share of the issue's weight it does not hold.
    """
    a, b = scenario.state_ids
    out: dict[str, dict[str, float]] = {a: {}, b: {}}
    for iid, issue in scenario.issues.items():
        sa, sb = issue.salience[a].value, issue.salience[b].value
        total = sa + sb
        share_a = 0.5 if total == 0 else sb / total
        out[a][iid], out[b][iid] = share_a, 1.0 - share_a
    return out


def need(scenario: Scenario, state: str) -> float:
    """A state's domestic need at the phase's start, (economic + regime security) / 2."""
    st = scenario.states[state]
    return 0.5 * (st.economic_need.value + st.regime_security_need.value)


# Baselines that call agreement or not; they are scored on the outcome alone (no year).
AGREEMENT_BASELINES: dict[str, Callable[[Scenario], bool]] = {
    "always agrees": lambda s: True,
    "never agrees": lambda s: False,
    "need rule": lambda s: max(need(s, sid) for sid in s.state_ids) >= NEED_THRESHOLD,
}
# Baselines that predict the package (who concedes each issue).
PACKAGE_BASELINES: dict[str, Callable[[Scenario], dict[str, dict[str, float]]]] = {
    "compromise model": compromise_shares,
}
BASELINE_NAMES = [*AGREEMENT_BASELINES, *PACKAGE_BASELINES]


def package_calls(
    key: PhaseKey, shares: dict[str, dict[str, float]], shelved: dict[str, bool] | None = None
) -> list[dict[str, Any]]:
    """For each issue with a recorded who_conceded: the shares and whether they point right."""
    calls = []
    shelved = shelved or {}
    for iid, judged in key.who_conceded.items():
        issue_shares = {sid: shares[sid][iid] for sid in shares}
        calls.append(
            {
                "issue": iid,
                "who_conceded": judged,
                "share": issue_shares,
                "shelved": shelved.get(iid, False),
                "right": direction_right(judged, issue_shares, shelved.get(iid, False)),
            }
        )
    return calls


@dataclass
class PhaseResult:
    """One phase: history, the model's outcome and verdict, and each baseline's."""

    case: Case
    model: ModelOutcome
    right: bool | None  # None where not scored (no talks in the phase)
    package: list[dict[str, Any]]
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """HIT, MISS, or "not scored" (no talks were held)."""
        if self.right is None:
            return "not scored"
        return "HIT" if self.right else "MISS"

    def as_json(self) -> dict[str, Any]:
        """The phase as one JSON object."""
        key = self.case.key
        return {
            "case": self.case.case,
            "phase": key.phase,
            "scenario": key.scenario,
            "scored": key.scored,
            "talks_start": key.talks_start,
            "until": key.until,
            "history": {"concluded": key.concluded, "year": key.year},
            "model": {
                "agrees": self.model.agrees,
                "agreement_month": self.model.month,
                "p_agree": self.model.p_agree,
                "p_agree_by_until": self.model.p_agree_by_until,
            },
            "verdict": self.verdict,
            "right": self.right,
            "package": self.package,
            "baselines": self.baselines,
        }


def evaluate_phase(case: Case, seeds: np.ndarray, constants: Constants) -> PhaseResult:
    """Run one phase and score the model and the baselines on it."""
    key, scenario = case.key, case.scenario
    model = run_phase(scenario, key, seeds, constants)
    right = phase_right(key, model) if key.scored else None
    baselines: dict[str, dict[str, Any]] = {}
    for name, call in AGREEMENT_BASELINES.items():
        agrees = call(scenario)
        baselines[name] = {
            "agrees": agrees,
            "right": (agrees == key.concluded) if key.scored else None,
            "package": [],
        }
    for name, predict in PACKAGE_BASELINES.items():
        baselines[name] = {
            "agrees": None,
            "right": None,
            "package": package_calls(key, predict(scenario)),
        }
    return PhaseResult(
        case, model, right, package_calls(key, model.shares, model.shelved), baselines
    )


def totals(rights: list[tuple[bool, bool | None]], package: list[bool]) -> dict[str, Any]:
    """Phases right, balanced accuracy and package direction.

    ``rights`` holds (history concluded, called right or None) per scored phase; ``None``
    marks a predictor that does not call agreement. Balanced accuracy is the mean of the
    hit rates on concluded and on failed phases (0.5 for always or never agreeing); it is
    None when one of the two kinds is missing.
    """
    called = [(c, r) for c, r in rights if r is not None]
    rates = {}
    for concluded in (True, False):
        outcomes = [r for c, r in called if c == concluded]
        rates[concluded] = sum(outcomes) / len(outcomes) if outcomes else None
    balanced = None
    if called and None not in rates.values():
        balanced = 0.5 * (rates[True] + rates[False])
    return {
        "phases_right": sum(r for _, r in called) if called else None,
        "phases": len(called) if called else None,
        "balanced_accuracy": balanced,
        "hit_rate_concluded": rates[True],
        "hit_rate_failed": rates[False],
        "package_direction": sum(package) / len(package) if package else None,
        "package_issues_right": sum(package) if package else None,
        "package_issues": len(package) if package else None,
    }


@dataclass
class Report:
    """The validation of all phases: per phase, the totals and the baselines' totals."""

    phases: list[PhaseResult]
    replications: int
    seed: int

    def totals(self) -> dict[str, Any]:
        """The model's totals over the scored phases."""
        scored = [p for p in self.phases if p.right is not None]
        return totals(
            [(p.case.key.concluded, p.right) for p in scored],
            [c["right"] for p in self.phases for c in p.package],
        )

    def baseline_totals(self) -> dict[str, dict[str, Any]]:
        """Each baseline's totals on the same phases with the same keys."""
        out = {}
        for name in BASELINE_NAMES:
            scored = [p for p in self.phases if p.case.key.scored]
            out[name] = totals(
                [(p.case.key.concluded, p.baselines[name]["right"]) for p in scored],
                [c["right"] for p in self.phases for c in p.baselines[name]["package"]],
            )
        return out

    def as_json(self) -> dict[str, Any]:
        """The whole report as one JSON object (what ``negsim validate --json`` prints)."""
        return {
            "seed": self.seed,
            "replications": self.replications,
            "phases": [p.as_json() for p in self.phases],
            "totals": {**self.totals(), "baselines": self.baseline_totals()},
        }


def validate(
    cases: list[Case],
    replications: int = 100,
    seed: int = 0,
    constants: Constants = DEFAULT_CONSTANTS,
) -> Report:
    """Run every phase with the same seeds and score the model and the baselines."""
    from negsim.simulation import replication_seeds

    seeds = replication_seeds(seed, replications)
    return Report([evaluate_phase(c, seeds, constants) for c in cases], replications, seed)
