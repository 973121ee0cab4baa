"""Scenario files: the schema, safe YAML loading, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from negsim.calendar import format_month, parse_month
from negsim.dynamics import (
    DRIVER_NAMES,
    MOTIVATION_NAMES,
    POWER_DRIVER_NAMES,
    RATIFICATION_KINDS,
)
from negsim.inputs import (  # noqa: F401 (the reader's names, re-exported for callers)
    MAX_FILE_BYTES,
    ScenarioError,
    parse_yaml,
    read_yaml,
)

SALIENCE_SUM_TOLERANCE = 1e-6

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, strict=True, allow_inf_nan=False)


class Sourced(_Strict):
    """A calibrated number with the reason or source it was chosen for, and its uncertainty.

    ``range: [low, high]`` (optional) says how far the judgement may be off; replications
    draw from it by ``distribution`` (uniform, or triangular / beta peaking at the value).
    """

    value: float
    source: Text
    range: list[float] | None = None
    distribution: Literal["uniform", "triangular", "beta"] = "uniform"

    LOW: ClassVar[float] = -math.inf
    HIGH: ClassVar[float] = math.inf

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _range(self) -> Sourced:
        if self.range is None:
            if self.distribution != "uniform":
                raise ValueError("a distribution needs a range: [low, high]")
            return self
        allowed = f"allowed: {self.LOW:g} to {self.HIGH:g}"
        if len(self.range) != 2 or not all(math.isfinite(x) for x in self.range):
            raise ValueError(f"range must be [low, high], two finite numbers (got {self.range})")
        low, high = self.range
        if not low < high:
            raise ValueError(f"range must be [low, high] with low < high (got {self.range})")
        if not (low >= self.LOW and high <= self.HIGH):
            raise ValueError(f"range {self.range} goes outside the allowed values ({allowed})")
        if not low <= self.value <= high:
            raise ValueError(f"the value {self.value:g} must lie inside its range {self.range}")
        return self


def _sourced(v: Any) -> Any:
    # A bare number is accepted (quick what-if files) and flagged by `negsim check`.
    if isinstance(v, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(v, int | float):
        return {"value": v, "source": "(no source given)"}
    return v


UNSOURCED = "(no source given)"


def _sourced_each(v: Any) -> Any:
    # A per-state mapping of calibrated numbers (ideals, saliences, dependences ...).
    if isinstance(v, dict):
        return {k: _sourced(x) for k, x in v.items()}
    return v


class Unit(Sourced):
    """A value in [0, 1], with its reason."""

    LOW: ClassVar[float] = 0.0
    HIGH: ClassVar[float] = 1.0

    @field_validator("value")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"must be between 0 and 1 (got {v})")
        return v


MAX_SCALE = 10.0


class NonNegative(Sourced):
    """A multiplier or spread in [0, 10], with its reason."""

    LOW: ClassVar[float] = 0.0
    HIGH: ClassVar[float] = MAX_SCALE

    @field_validator("value")
    @classmethod
    def _nonneg(cls, v: float) -> float:
        if not 0.0 <= v <= MAX_SCALE:
            raise ValueError(f"must be between 0 and {MAX_SCALE:g} (got {v})")
        return v


def _month(v: Any) -> str:
    if isinstance(v, dt.datetime):  # an unquoted YAML timestamp with a time of day
        v = v.date()
    if isinstance(v, dt.date):
        v = v.isoformat()
    if isinstance(v, int | float) and not isinstance(v, bool):
        raise ValueError("must be a date written YYYY-MM or YYYY-MM-DD, in quotes")
    try:
        parse_month(v)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return str(v)


MonthText = Annotated[str, Field(description="YYYY-MM or YYYY-MM-DD")]


class Ratification(_Strict):
    """The domestic step a signed deal must pass in a state before it counts."""

    kind: Literal[tuple(RATIFICATION_KINDS)]  # type: ignore[valid-type]
    source: Text = UNSOURCED


class State(_Strict):
    """A negotiating state, its leader and its domestic motivations (all in [0, 1])."""

    name: Text
    leader: str = ""
    economic_need: Unit
    regime_security_need: Unit
    audience_cost: Unit
    leader_autonomy: Unit
    leader_disposition: Unit
    outside_options: Unit
    us_dependence: Unit
    abandonment_fear: Unit
    fear_of_exclusion: Unit
    ratification: Ratification | None = None

    _coerce = field_validator(*MOTIVATION_NAMES, mode="before")(_sourced)

    @property
    def ratification_kind(self) -> str:
        """The state's domestic step (``none`` where the scenario gives none)."""
        return self.ratification.kind if self.ratification is not None else "none"


class Units(_Strict):
    """What the issue's [0, 1] axis means in the world, e.g. US$ millions."""

    label: Text
    at_0: float
    at_1: float


class Issue(_Strict):
    """A disputed issue: its axis, each side's position, ideal point and salience."""

    label: Text
    kind: Literal["historical", "practical"]
    positions: dict[Identifier, Text]
    ideal: dict[Identifier, Unit]
    salience: dict[Identifier, Unit]
    units: Units | None = None
    deferrable: bool = False
    red_line: dict[Identifier, Unit] = Field(default_factory=dict)
    opening: dict[Identifier, Unit] = Field(default_factory=dict)
    source: Text = UNSOURCED

    _coerce = field_validator("ideal", "salience", "red_line", "opening", mode="before")(
        _sourced_each
    )

    def opening_of(self, state: str) -> float:
        """A state's opening demand: given for a phase that starts mid-process, else its ideal."""
        return (self.opening.get(state) or self.ideal[state]).value


class Point(_Strict):
    """A dated level of a driver."""

    date: str
    value: float = Field(ge=-3.0, le=3.0)
    source: Text = UNSOURCED

    _date = field_validator("date", mode="before")(_month)


class Driver(_Strict):
    """An exogenous series over calendar time, per target state or for all."""

    scale: NonNegative = Field(default_factory=lambda: NonNegative(value=1.0, source="default"))
    interpolation: Literal["step", "linear"] = "linear"
    hold_from: str | None = None
    series: dict[Identifier, list[Point]]

    _coerce = field_validator("scale", mode="before")(_sourced)

    @field_validator("hold_from", mode="before")
    @classmethod
    def _hold(cls, v: Any) -> Any:
        return None if v is None else _month(v)

    @field_validator("series")
    @classmethod
    def _points(cls, v: dict[str, list[Point]]) -> dict[str, list[Point]]:
        for target, points in v.items():
            if not points:
                raise ValueError(f"series for {target!r} has no points")
            months = [parse_month(p.date) for p in points]
            if months != sorted(months):
                raise ValueError(f"series for {target!r}: dates must be in order")
        return v


class Change(_Strict):
    """A parameter change an event makes: exactly one of set, add, multiply."""

    path: Text
    set: float | None = None
    add: float | None = None
    multiply: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Change:
        given = [k for k in ("set", "add", "multiply") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of set, add, multiply")
        if not math.isfinite(getattr(self, given[0])):
            raise ValueError("the value must be a finite number")
        return self

    @property
    def operation(self) -> tuple[str, float]:
        """The operation's name and its value."""
        for k in ("set", "add", "multiply"):
            if getattr(self, k) is not None:
                return k, float(getattr(self, k))
        raise AssertionError("validated to have one")


class Move(_Strict):
    """A dated concession: a state closes a share of the current gap on an issue."""

    state: Identifier
    issue: Identifier
    share: float = Field(ge=0.0, le=1.0)


class Event(_Strict):
    """A dated, sourced event: it may suspend or resume talks, change parameters, move demands."""

    date: str
    label: Text
    short: str = ""
    source: Text
    talks: Literal["suspend", "resume"] | None = None
    summit: bool = False
    changes: list[Change] = Field(default_factory=list)
    moves: list[Move] = Field(default_factory=list)
    show: bool = True

    _date = field_validator("date", mode="before")(_month)


class Shocks(_Strict):
    """Month-to-month random shocks to each state's willingness (Monte-Carlo runs)."""

    drive_sd: NonNegative = Field(
        default_factory=lambda: NonNegative(value=0.0, source="default: deterministic")
    )
    _coerce = field_validator("drive_sd", mode="before")(_sourced)


class Outcome(_Strict):
    """What happened in history, marked on plots."""

    date: str
    label: Text
    concluded: bool
    source: Text = UNSOURCED

    _date = field_validator("date", mode="before")(_month)


class Power(_Strict):
    """A named outside power: its push on each state (which may be against a deal), its
    inducements for a deal, and each state's dependence on it."""

    label: Text
    party: Identifier | None = None
    pressure: Driver | None = None
    inducement: Driver | None = None
    dependence: dict[Identifier, Unit] = Field(default_factory=dict)
    source: Text = UNSOURCED

    _coerce = field_validator("dependence", mode="before")(_sourced_each)

    def dependence_of(self, state: str) -> float:
        """A state's dependence on this power (0 where the scenario gives none)."""
        return self.dependence[state].value if state in self.dependence else 0.0


US_POWER_DRIVERS = {"us_pressure": "pressure", "us_inducement": "inducement"}
"""The United States' series keep their names (``drivers.us_pressure``): the power ``US``."""


class Scenario(_Strict):
    """A two-state normalization negotiation over calendar time."""

    id: Identifier
    title: Text
    description: str = ""
    start: str
    end: str
    talks_active_at_start: bool = True
    states: dict[Identifier, State]
    issues: dict[Identifier, Issue]
    drivers: dict[str, Driver] = Field(default_factory=dict)
    powers: dict[Identifier, Power] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    if_not_ratified: Literal["end", "continue"] = "end"
    shocks: Shocks = Field(default_factory=Shocks)
    historical_outcome: Outcome | None = None
    sources: list[str] = Field(default_factory=list)

    _dates = field_validator("start", "end", mode="before")(_month)

    @property
    def state_ids(self) -> list[str]:
        """The two states, in file order (the first is side A of every axis)."""
        return list(self.states)

    @property
    def issue_ids(self) -> list[str]:
        """The issues, in file order."""
        return list(self.issues)

    def driver(self, channel: str) -> Driver | None:
        """A driver channel's series: ``us_pressure`` or a named power's ``CHN.pressure``."""
        if "." in channel:
            power, kind = channel.split(".", 1)
            return getattr(self.powers[power], kind) if power in self.powers else None
        return self.drivers.get(channel)

    @property
    def months(self) -> int:
        """Number of monthly steps from start to end (inclusive of the end month)."""
        return parse_month(self.end) - parse_month(self.start) + 1


def consistency_problems(s: Scenario) -> list[tuple[str, str]]:
    """Cross-field checks the schema alone cannot make."""
    problems: list[tuple[str, str]] = []
    ids = list(s.states)
    start, end = parse_month(s.start), parse_month(s.end)
    if len(ids) != 2:
        problems.append(("states", f"a negotiation has exactly 2 states (got {len(ids)})"))
        return problems
    if "all" in ids:
        problems.append(
            ("states.all", "'all' is reserved (a driver series for both states); rename the state")
        )
    if end <= start:
        problems.append(("end", f"must be after start {s.start}"))
    if end - start > 12 * 200:
        problems.append(("end", "a run is at most 200 years"))
    if not s.issues:
        problems.append(("issues", "at least one issue is needed"))
    for iid, issue in s.issues.items():
        for fld in ("positions", "ideal", "salience"):
            have = set(getattr(issue, fld))
            for sid in ids:
                if sid not in have:
                    problems.append(
                        (
                            f"issues.{iid}.{fld}",
                            f"state {sid} has no entry (states: {', '.join(ids)})",
                        )
                    )
            for extra in sorted(have - set(ids)):
                problems.append(
                    (f"issues.{iid}.{fld}.{extra}", f"unknown state (states: {', '.join(ids)})")
                )
        if (
            all(sid in issue.ideal for sid in ids)
            and abs(issue.ideal[ids[0]].value - issue.ideal[ids[1]].value) < 1e-6
        ):
            problems.append((f"issues.{iid}.ideal", "the two ideals coincide: nothing is disputed"))
    for sid in ids:
        total = sum(i.salience[sid].value for i in s.issues.values() if sid in i.salience)
        if s.issues and abs(total - 1.0) > SALIENCE_SUM_TOLERANCE:
            problems.append(
                (f"issues.*.salience.{sid}", f"saliences must sum to 1 (they sum to {total:.4f})")
            )
    for name in s.drivers:
        if name not in DRIVER_NAMES:
            problems.append(
                (f"drivers.{name}", f"unknown driver; known: {', '.join(DRIVER_NAMES)}")
            )
    for path, name, driver in driver_entries(s):
        problems += _driver_problems(path, name, driver, ids)
    problems += _power_problems(s)
    for iid, issue in s.issues.items():
        for fld in ("red_line", "opening"):
            for sid, v in getattr(issue, fld).items():
                where = f"issues.{iid}.{fld}.{sid}"
                if sid not in ids:
                    problems.append((where, f"unknown state (states: {', '.join(ids)})"))
                    continue
                other = ids[1 - ids.index(sid)]
                if sid not in issue.ideal or other not in issue.ideal:
                    continue
                lo, hi = sorted((issue.ideal[sid].value, issue.ideal[other].value))
                if not lo <= v.value <= hi:
                    problems.append(
                        (
                            where,
                            f"must lie between the two ideals {lo:g} and {hi:g} (got {v.value:g})",
                        )
                    )
    problems += _range_problems(s)
    for k, event in enumerate(s.events):
        month = parse_month(event.date)
        if not start <= month <= end:
            problems.append(
                (f"events[{k}].date", f"{event.date} is outside the run {s.start} .. {s.end}")
            )
        for j, change in enumerate(event.changes):
            from negsim.parameters import ParameterPathError, resolve_path

            try:
                ref = resolve_path(s, change.path, for_event=True)
            except ParameterPathError as exc:
                problems.append((f"events[{k}].changes[{j}].path", str(exc)))
                continue
            problem = change_problem(ref, *change.operation)
            if problem:
                problems.append((f"events[{k}].changes[{j}].{change.operation[0]}", problem))
        for j, move in enumerate(event.moves):
            if move.state not in ids:
                problems.append(
                    (f"events[{k}].moves[{j}].state", f"unknown state; one of {', '.join(ids)}")
                )
            if move.issue not in s.issues:
                problems.append(
                    (
                        f"events[{k}].moves[{j}].issue",
                        f"unknown issue; one of {', '.join(s.issues)}",
                    )
                )
    for name, driver in s.drivers.items():
        if driver.hold_from is not None and not start <= parse_month(driver.hold_from) <= end:
            problems.append(
                (
                    f"drivers.{name}.hold_from",
                    f"{driver.hold_from} is outside the run {s.start} .. {s.end}",
                )
            )
    for iid, issue in s.issues.items():
        if issue.units is not None and issue.units.at_0 == issue.units.at_1:
            problems.append((f"issues.{iid}.units", "at_0 and at_1 must differ"))
    if s.historical_outcome is not None:
        m = parse_month(s.historical_outcome.date)
        if m < start:
            problems.append(("historical_outcome.date", f"is before the run's start {s.start}"))
        if m > end:
            problems.append(
                (
                    "historical_outcome.date",
                    f"{s.historical_outcome.date} is after the run's end {s.end}; "
                    "the run must reach the outcome it is compared with",
                )
            )
    return problems


def _range_problems(s: Scenario) -> list[tuple[str, str]]:
    """Ranges only where replications draw them, and ideals that never reach the partner's."""
    problems = []
    ids = list(s.states)
    for iid, issue in s.issues.items():
        for fld in ("red_line", "opening"):
            for sid, v in getattr(issue, fld).items():
                if v.range is not None:
                    problems.append(
                        (
                            f"issues.{iid}.{fld}.{sid}.range",
                            f"a {fld} takes a point value only; ranges are drawn for motivations, "
                            "dependences, ideals, saliences, driver scales and shocks.drive_sd",
                        )
                    )
        if not all(sid in issue.ideal for sid in ids):
            continue
        a, b = (issue.ideal[sid] for sid in ids)
        if a.range is None and b.range is None:
            continue
        span_a = a.range or [a.value, a.value]
        span_b = b.range or [b.value, b.value]
        below = a.value < b.value
        apart = span_a[1] < span_b[0] if below else span_b[1] < span_a[0]
        if not apart:
            problems.append(
                (
                    f"issues.{iid}.ideal",
                    f"the ranges of {ids[0]}'s ideal {span_a} and {ids[1]}'s {span_b} meet or "
                    "overlap; each side's ideal must stay on its own side of the axis",
                )
            )
        for fld in ("red_line", "opening"):
            for sid, v in getattr(issue, fld).items():
                if sid not in ids:
                    continue
                own = span_a if sid == ids[0] else span_b
                if own[0] <= v.value <= own[1] and (issue.ideal[sid].range is not None):
                    problems.append(
                        (
                            f"issues.{iid}.{fld}.{sid}",
                            f"{v.value:g} lies inside the range {own} of {sid}'s own ideal; "
                            "it must lie between the two ideals however they are drawn",
                        )
                    )
    return problems


def driver_entries(s: Scenario) -> list[tuple[str, str, Driver]]:
    """Every driver series of a scenario: (field path, channel name, driver)."""
    out = [(f"drivers.{name}", name, d) for name, d in s.drivers.items()]
    for power, spec in s.powers.items():
        for kind in POWER_DRIVER_NAMES:
            d = getattr(spec, kind)
            if d is not None:
                out.append((f"powers.{power}.{kind}", f"{power}.{kind}", d))
    return out


PRESSURE_CHANNELS = ("us_pressure",)
"""Channels whose values may be negative (pressure against a deal), with ``P.pressure``."""


def _driver_problems(path: str, name: str, driver: Driver, ids: list[str]) -> list:
    problems = []
    for target in driver.series:
        if target != "all" and target not in ids:
            problems.append(
                (f"{path}.series.{target}", f"target must be 'all' or one of {', '.join(ids)}")
            )
    if "all" in driver.series and len(driver.series) > 1:
        problems.append((f"{path}.series", "give either 'all' or per-state series, not both"))
    against = name in PRESSURE_CHANNELS or name.endswith(".pressure")
    for target, points in driver.series.items():
        for k, point in enumerate(points):
            if point.value < 0 and not against:
                problems.append(
                    (
                        f"{path}.series.{target}[{k}].value",
                        "must be between 0 and 3; only a pressure series may be negative "
                        "(a push against a deal)",
                    )
                )
    return problems


def _power_problems(s: Scenario) -> list:
    """Named outside powers: known states, and a party that is itself the power presses nobody."""
    ids, problems = list(s.states), []
    for power, spec in s.powers.items():
        where = f"powers.{power}"
        for sid in spec.dependence:
            if sid not in ids:
                problems.append(
                    (f"{where}.dependence.{sid}", f"unknown state (states: {', '.join(ids)})")
                )
        if power == "US" and (spec.pressure or spec.inducement or spec.dependence):
            problems.append(
                (
                    where,
                    "the United States' series are drivers.us_pressure and drivers.us_inducement, "
                    "and dependence on it is states.X.us_dependence; powers.US takes only label "
                    "and party",
                )
            )
        if spec.party is None:
            continue
        if spec.party not in ids:
            problems.append((f"{where}.party", f"must be one of the states {', '.join(ids)}"))
            continue
        party = spec.party
        series = (
            [(f"drivers.{n}", s.drivers.get(n)) for n in ("us_pressure", "us_inducement")]
            if power == "US"
            else [(f"{where}.{k}", getattr(spec, k)) for k in POWER_DRIVER_NAMES]
        )
        for path, driver in series:
            if driver is not None and ({party, "all"} & set(driver.series)):
                problems.append(
                    (
                        f"{path}.series",
                        f"{party} is the power {power} itself ({where}.party) and does not press "
                        f"or pay itself: give a series for the other state only",
                    )
                )
        dep = s.states[party].us_dependence.value if power == "US" else spec.dependence_of(party)
        if dep > 0:
            field = (
                f"states.{party}.us_dependence" if power == "US" else f"{where}.dependence.{party}"
            )
            problems.append(
                (field, f"{party} is the power {power} itself: its dependence must be 0")
            )
    return problems


def change_problem(ref: Any, operation: str, value: float) -> str | None:
    """Why an event's change cannot apply to the parameter ``ref``; None if it can.

    ``set`` takes a value in the parameter's range; ``add`` at most the range's width either
    way; ``multiply`` a factor from 0 to MAX_SCALE. Run time would clip anything else silently.
    """
    width = ref.high - ref.low
    if operation == "set" and not ref.low <= value <= ref.high:
        return f"{value:g} is out of range (at least {ref.low:g}, at most {ref.high:g})"
    if operation == "add" and abs(value) > width:
        return f"{value:g} moves the value past its whole range ({ref.low:g} to {ref.high:g})"
    if operation == "multiply" and not 0.0 <= value <= MAX_SCALE:
        return f"the factor must be between 0 and {MAX_SCALE:g} (got {value:g})"
    return None


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn pydantic's errors into (field path, message) pairs a reader can act on."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see docs/model.md for the fields)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] in ("float_type", "int_type", "bool_type", "string_type"):
            msg = f"{msg} (got {err['input']!r:.40}; numbers and true/false go without quotes)"
        problems.append((_location(loc), msg))
    return problems


def scenario_from_dict(doc: dict[str, Any], name: str = "<scenario>") -> Scenario:
    """Validate a scenario document, raising :class:`ScenarioError` naming each bad field."""
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(name, validation_problems(exc)) from None
    except (RecursionError, TypeError, OverflowError) as exc:
        raise ScenarioError(name, [("", f"cannot read the document: {exc}")]) from None
    problems = consistency_problems(scenario)
    if problems:
        raise ScenarioError(name, problems)
    return scenario


def load_scenario(
    path: str | Path, overrides: dict[str, Any] | list[str] | None = None
) -> Scenario:
    """Load, override (``{"states.JPN.audience_cost": 0.7}`` or ``["path=value"]``) and validate.

    ``path`` is a file or the name of a shipped scenario (``"rok_japan_1951_1965"``).
    """
    from negsim.catalog import locate_scenario
    from negsim.parameters import apply_overrides

    name = str(path)
    doc = read_yaml(locate_scenario(path))  # a shipped name is found as the CLI finds it
    if overrides:
        doc = apply_overrides(doc, overrides, name)
    return scenario_from_dict(doc, name)


def unsourced_values(s: Scenario) -> list[str]:
    """Paths of calibrated values that carry no reason or source."""
    found = []
    for sid, st in s.states.items():
        for m in MOTIVATION_NAMES:
            if getattr(st, m).source == UNSOURCED:
                found.append(f"states.{sid}.{m}")
    for iid, issue in s.issues.items():
        for fld in ("ideal", "salience"):
            for sid, v in getattr(issue, fld).items():
                # An ideal at an end of the axis is the position's own wording, not a number.
                at_end = fld == "ideal" and v.value in (0.0, 1.0)
                if v.source == UNSOURCED and not at_end:
                    found.append(f"issues.{iid}.{fld}.{sid}")
    for path, _, driver in driver_entries(s):
        for target, points in driver.series.items():
            for k, p in enumerate(points):
                if p.source == UNSOURCED:
                    found.append(f"{path}.series.{target}[{k}]")
    for power, spec in s.powers.items():
        for sid, v in spec.dependence.items():
            if v.source == UNSOURCED:
                found.append(f"powers.{power}.dependence.{sid}")
    return found


def month_range(s: Scenario) -> list[str]:
    """The run's months as YYYY-MM strings."""
    first = parse_month(s.start)
    return [format_month(first + t) for t in range(s.months)]
