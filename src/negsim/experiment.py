"""Experiment files: which scenario, which parameters to vary and how, seeds, outcomes.

An experiment is a YAML file validated like a scenario (unknown fields are errors,
and every error names the file and the field). Its *design* is a table of
parameter points, built by a full grid, a Latin hypercube or a Sobol sequence
(SALib); each point is run ``replications`` times.

Run numbering, which fixes every run's seed whatever engine, chunking, worker
count or executor runs it::

    run index i = point p * replications + replication k
    seed of run i = negsim.simulation.replication_seed(master_seed, i)
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from negsim.calendar import parse_month
from negsim.catalog import find_scenario
from negsim.parameters import (
    ParameterPathError,
    ParameterRef,
    absent_driver,
    check_value,
    resolve_path,
)
from negsim.scenario import (
    Scenario,
    ScenarioError,
    parse_yaml,
    read_yaml,
    scenario_from_dict,
    validation_problems,
)

OUTCOME_NAMES = ("agreed", "agreement_date", "agreement_step", "package", "final_gap", "concession")
MAX_RUNS = 10**9
MAX_CHUNK = 100_000
#: The most design points a sweep may have: the design table is built in memory (8 bytes per
#: point and parameter), so the size is computed, and refused past this, before it is built.
MAX_DESIGN_POINTS = 10**7

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Outcome = Literal[
    "agreed", "agreement_date", "agreement_step", "package", "final_gap", "concession"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Varied(_Strict):
    """How one parameter varies: a list of values, or a range (with steps for a grid)."""

    values: list[float | str | None] | None = Field(default=None, min_length=1)
    range: tuple[float, float] | None = None
    steps: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _one(self) -> Varied:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values: [..] or range: [low, high]")
        if self.range is not None:
            low, high = self.range
            if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
                raise ValueError(
                    f"range must be [low, high] with low < high (got {list(self.range)})"
                )
        if self.steps is not None and self.range is None:
            raise ValueError("steps goes with range, not with values")
        return self


class Design(_Strict):
    """The sampler that lays the parameter points out."""

    sampler: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(
        default=None,
        ge=1,
        le=10**8,
        description="lhs: number of points; sobol: base sample N (a power of 2), "
        "giving N * (D + 2) points, or N * (2D + 2) with second_order",
    )
    second_order: bool = False
    seed: int | None = Field(default=None, ge=0, lt=2**32, description="default: master_seed")

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.sampler == "grid":
            if self.samples is not None:
                raise ValueError("a grid takes no samples: give each range its steps")
        elif self.samples is None:
            raise ValueError(f"the {self.sampler} sampler needs samples: N")
        if self.sampler == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol samples must be a power of 2 (got {self.samples})")
        if self.second_order and self.sampler != "sobol":
            raise ValueError("second_order is for the sobol sampler only")
        return self


class Experiment(_Strict):
    """A sweep over parameters of one scenario."""

    id: Identifier
    title: Text
    description: str = ""
    scenario: Text = Field(description="scenario file (relative to this file) or shipped name")
    parameters: dict[Text, Varied] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replications: int = Field(ge=1, le=10**7)
    master_seed: int = Field(ge=0, lt=2**63)
    until: str | None = None
    outcomes: list[Outcome] = Field(default_factory=lambda: list(OUTCOME_NAMES), min_length=1)
    chunk_size: int | None = Field(default=None, ge=1, le=MAX_CHUNK)

    @field_validator("until", mode="before")
    @classmethod
    def _until(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, int | float) and not isinstance(v, bool):
            raise ValueError("must be a date written YYYY-MM, in quotes")
        parse_month(str(v))
        return str(v)

    @field_validator("outcomes")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


@dataclass
class Plan:
    """A validated experiment with its scenario and its design, ready to run."""

    experiment: Experiment
    source: str  # the experiment file, for messages
    document: dict[str, Any]  # the experiment file as read
    scenario_path: Path
    scenario_document: dict[str, Any]
    scenario: Scenario
    refs: dict[str, ParameterRef]
    design: dict[str, np.ndarray]  # path -> values over design points

    @property
    def points(self) -> int:
        """Number of design points."""
        return len(next(iter(self.design.values())))

    @property
    def total_runs(self) -> int:
        """Design points times replications."""
        return self.points * self.experiment.replications

    @property
    def chunk_size(self) -> int:
        """Runs per chunk file: the experiment's, or about 4,000 (whole points where cheap)."""
        if self.experiment.chunk_size:
            return self.experiment.chunk_size
        reps = self.experiment.replications
        return reps * max(1, 4000 // reps) if reps <= 4000 else 4000

    def point_values(self, runs: np.ndarray) -> dict[str, np.ndarray]:
        """Each varied parameter's value for the given run indices."""
        points = np.asarray(runs) // self.experiment.replications
        return {path: column[points] for path, column in self.design.items()}

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs' results (experiment and scenario)."""
        blob = json.dumps(
            {
                "experiment": self.experiment.model_dump(mode="json"),
                "scenario": self.scenario_document,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _problem(names: list[str], specs: list[Varied]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": names, "bounds": [list(v.range) for v in specs]}


def design_size(experiment: Experiment) -> int:
    """The number of design points the sampler will lay out, computed without building them."""
    specs = list(experiment.parameters.values())
    design = experiment.design
    if design.sampler == "grid":
        return math.prod(len(v.values) if v.values is not None else v.steps or 11 for v in specs)
    if design.sampler == "lhs":
        return design.samples or 0
    per_sample = 2 * len(specs) + 2 if design.second_order else len(specs) + 2
    return (design.samples or 0) * per_sample


def _size_problems(experiment: Experiment) -> list[tuple[str, str]]:
    points = design_size(experiment)
    if points > MAX_DESIGN_POINTS:
        field = "parameters" if experiment.design.sampler == "grid" else "design.samples"
        return [
            (
                field,
                f"the {experiment.design.sampler} design has {points:,} points; at most "
                f"{MAX_DESIGN_POINTS:,} allowed (fewer steps or samples, or more replications)",
            )
        ]
    if points * experiment.replications > MAX_RUNS:
        return [
            (
                "replications",
                f"{points:,} points x {experiment.replications:,} replications is "
                f"more than {MAX_RUNS:,} runs",
            )
        ]
    return []


def build_design(experiment: Experiment) -> dict[str, np.ndarray]:
    """The design table: each parameter's value at each point (grid, LHS or Sobol)."""
    names = list(experiment.parameters)
    specs = list(experiment.parameters.values())
    sampler = experiment.design.sampler
    seed = experiment.design.seed
    seed = experiment.master_seed % 2**32 if seed is None else seed
    if sampler == "grid":
        axes = []
        for v in specs:
            if v.values is not None:
                column = np.array(v.values, dtype=object)
                if all(isinstance(x, int | float) for x in v.values):
                    column = np.array(v.values, dtype=float)
                axes.append(column)
            else:
                axes.append(np.linspace(v.range[0], v.range[1], v.steps or 11))
        index = np.indices([len(a) for a in axes]).reshape(len(axes), -1)
        return {n: a[i] for n, a, i in zip(names, axes, index, strict=True)}
    if sampler == "lhs":
        from SALib.sample import latin

        table = latin.sample(_problem(names, specs), experiment.design.samples, seed=seed)
    else:
        from SALib.sample import sobol

        table = sobol.sample(
            _problem(names, specs),
            experiment.design.samples,
            calc_second_order=experiment.design.second_order,
            seed=seed,
        )
    return {n: np.ascontiguousarray(table[:, j]) for j, n in enumerate(names)}


def _scenario_file(value: str, base: Path) -> Path:
    near = base / value
    if near.exists():
        return near
    return find_scenario(value)


def _check_against_scenario(
    experiment: Experiment, scenario: Scenario
) -> tuple[dict[str, ParameterRef], list[tuple[str, str]]]:
    refs: dict[str, ParameterRef] = {}
    problems: list[tuple[str, str]] = []
    sampler = experiment.design.sampler
    for path, varied in experiment.parameters.items():
        field = f"parameters.{path}"
        try:
            ref = resolve_path(scenario, path)
        except ParameterPathError as exc:
            problems.append((field, str(exc)))
            continue
        refs[path] = ref
        absent = absent_driver(scenario, ref)
        if absent:
            problems.append((field, absent))
        if sampler != "grid" and varied.steps is not None:
            problems.append(
                (
                    field,
                    f"steps is for the grid sampler; the {sampler} sampler places its own points",
                )
            )
        if sampler != "grid" and varied.range is None:
            problems.append((field, f"the {sampler} sampler needs range: [low, high], not values"))
        if not ref.numeric and varied.range is not None:
            problems.append((field, "a month parameter takes values: [YYYY-MM, ...], not a range"))
            continue
        given = varied.values if varied.values is not None else list(varied.range)
        for value in given:
            try:
                check_value(ref, value)
            except ParameterPathError as exc:
                problems.append((field, str(exc)))
                break
    if experiment.until is not None:
        month = parse_month(experiment.until)
        if not parse_month(scenario.start) <= month <= parse_month(scenario.end):
            problems.append(
                (
                    "until",
                    f"{experiment.until} is outside the run {scenario.start} .. {scenario.end}",
                )
            )
    return refs, problems


def _ideal_problems(
    scenario: Scenario, refs: dict[str, ParameterRef], design: dict[str, np.ndarray]
) -> list[tuple[str, str]]:
    """Varied ideal points must keep each side on its own side of the axis."""
    problems = []
    a, b = scenario.state_ids
    for iid, issue in scenario.issues.items():
        paths = {r.state: p for p, r in refs.items() if r.kind == "ideal" and r.issue == iid}
        if not paths:
            continue
        side_a = design[paths[a]] if a in paths else issue.ideal[a].value
        side_b = design[paths[b]] if b in paths else issue.ideal[b].value
        base = np.sign(issue.ideal[b].value - issue.ideal[a].value)
        span = (np.asarray(side_b, dtype=float) - np.asarray(side_a, dtype=float)) * base
        if np.any(span < 1e-6):
            field = "parameters." + " / ".join(paths.values())
            problems.append(
                (
                    field,
                    f"at some design points {a}'s and {b}'s ideals on {iid} coincide or swap "
                    f"sides; keep {a}'s ideal {'below' if base > 0 else 'above'} {b}'s",
                )
            )
    return problems


def load_experiment(path: str | Path) -> Plan:
    """Read, validate and lay out an experiment; bad input raises :class:`ScenarioError`."""
    path = Path(path)
    return plan_from_dict(read_yaml(path), str(path), path.parent)


def parse_experiment(text: str, name: str = "<experiment>", base: Path | None = None) -> Plan:
    """An experiment from YAML text (scenario paths relative to ``base``)."""
    return plan_from_dict(parse_yaml(text, name), name, base or Path.cwd())


def plan_from_dict(doc: dict[str, Any], name: str, base: Path) -> Plan:
    """Validate an experiment document against its scenario and build its design."""
    try:
        experiment = Experiment.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(name, validation_problems(exc)) from None
    except (RecursionError, TypeError, OverflowError) as exc:
        raise ScenarioError(name, [("", f"cannot read the document: {exc}")]) from None
    scenario_path = _scenario_file(experiment.scenario, base)
    try:
        scenario_document = read_yaml(scenario_path)
    except ScenarioError as exc:
        raise ScenarioError(
            name, [("scenario", f"{experiment.scenario!r}: {exc.problems[0][1]}")]
        ) from None
    scenario = scenario_from_dict(scenario_document, str(scenario_path))
    refs, problems = _check_against_scenario(experiment, scenario)
    problems += _size_problems(experiment)
    if problems:
        raise ScenarioError(name, problems)
    design = build_design(experiment)
    problems = _ideal_problems(scenario, refs, design)
    if problems:
        raise ScenarioError(name, problems)
    return Plan(experiment, name, doc, scenario_path, scenario_document, scenario, refs, design)
