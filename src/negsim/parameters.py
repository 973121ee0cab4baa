"""The one way to address a parameter: dotted paths such as ``states.JPN.audience_cost``.

``negsim run --set``, sweeps and dated events all use these paths. An unknown path
is an error that lists the nearest valid ones.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from negsim.calendar import parse_month
from negsim.dynamics import DRIVER_NAMES, MOTIVATION_NAMES, POWER_DRIVER_NAMES, set_salience
from negsim.inputs import yaml_value
from negsim.scenario import MAX_SCALE

if TYPE_CHECKING:
    from negsim.scenario import Scenario


class ParameterPathError(ValueError):
    """An unknown or malformed parameter path, or a value it cannot take."""


@dataclass(frozen=True)
class ParameterRef:
    """What a path points at: a motivation, a salience/ideal, a driver field, a shock size."""

    # motivation | dependence | salience | ideal | driver_scale | driver_hold | shock_sd
    kind: str
    path: str
    state: str = ""
    issue: str = ""
    name: str = ""
    low: float = 0.0
    high: float = 1.0

    @property
    def numeric(self) -> bool:
        """Whether the parameter takes a number (all but ``hold_from``)."""
        return self.kind != "driver_hold"


def valid_paths(s: Scenario, for_event: bool = False) -> list[str]:
    """Every addressable parameter path of a scenario."""
    paths = [f"states.{sid}.{m}" for sid in s.states for m in MOTIVATION_NAMES]
    for power in s.powers:
        if power != "US":
            paths += [f"powers.{power}.dependence.{sid}" for sid in s.states]
    for iid in s.issues:
        paths += [f"issues.{iid}.salience.{sid}" for sid in s.states]
        paths += [f"issues.{iid}.ideal.{sid}" for sid in s.states]
    channels = [n for n in DRIVER_NAMES if n in s.drivers] + [  # the drivers that act
        f"{p}.{k}" for p in s.powers if p != "US" for k in POWER_DRIVER_NAMES
    ]
    for channel in channels:
        prefix = f"powers.{channel}" if "." in channel else f"drivers.{channel}"
        paths.append(f"{prefix}.scale")
        if not for_event:
            paths.append(f"{prefix}.hold_from")
    if not for_event:
        paths.append("shocks.drive_sd")
    return paths


def _resolve(s: Scenario, path: str) -> ParameterRef | None:
    """What a path points at, whether or not events may change it."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "states" and parts[1] in s.states:
        if parts[2] in MOTIVATION_NAMES:
            return ParameterRef("motivation", path, state=parts[1], name=parts[2])
    elif len(parts) == 4 and parts[0] == "issues" and parts[1] in s.issues and parts[3] in s.states:
        if parts[2] in ("salience", "ideal"):
            return ParameterRef(parts[2], path, state=parts[3], issue=parts[1])
    elif len(parts) == 3 and parts[0] == "drivers" and parts[1] in DRIVER_NAMES:
        return _driver_ref(path, parts[1], parts[2])
    elif len(parts) >= 4 and parts[0] == "powers" and parts[1] in s.powers and parts[1] != "US":
        if len(parts) == 4 and parts[2] == "dependence" and parts[3] in s.states:
            return ParameterRef("dependence", path, state=parts[3], name=parts[1])
        if len(parts) == 4 and parts[2] in POWER_DRIVER_NAMES:
            return _driver_ref(path, f"{parts[1]}.{parts[2]}", parts[3])
    elif path == "shocks.drive_sd":
        return ParameterRef("shock_sd", path, high=MAX_SCALE)
    return None


def _driver_ref(path: str, channel: str, field: str) -> ParameterRef | None:
    if field == "scale":
        return ParameterRef("driver_scale", path, name=channel, high=MAX_SCALE)
    if field == "hold_from":
        return ParameterRef("driver_hold", path, name=channel)
    return None


EVENT_KINDS = ("motivation", "dependence", "salience", "ideal", "driver_scale")
"""What a dated event may change; ``--set`` and sweeps reach every kind."""


def resolve_path(s: Scenario, path: str, for_event: bool = False) -> ParameterRef:
    """Resolve a dotted path against a scenario, or explain what is valid."""
    ref = _resolve(s, path)
    if ref is not None and for_event and ref.kind not in EVENT_KINDS:
        raise ParameterPathError(
            f"{path!r} can be set with --set or swept, but an event cannot change it; events "
            "change motivations, dependences, saliences, ideals and driver scales"
        )
    if ref is None:
        options = valid_paths(s, for_event)
        near = difflib.get_close_matches(path, options, n=5, cutoff=0.4)
        hint = ", ".join(near) if near else ", ".join(options[:6]) + ", ..."
        raise ParameterPathError(f"unknown parameter path {path!r}; nearest valid: {hint}")
    return ref


def absent_driver(s: Scenario, ref: ParameterRef) -> str | None:
    """Why a driver parameter cannot be overridden: the scenario has no such driver."""
    if not ref.kind.startswith("driver_"):
        return None
    power, _, kind = ref.name.partition(".")  # a named power's channel: "CHN.pressure"
    if kind and getattr(s.powers[power], kind, None) is not None:
        return None
    if not kind and ref.name in s.drivers:
        return None
    have = ", ".join(s.drivers) or "none"
    return (
        f"{ref.path}: the scenario has no {ref.name} driver (it has: {have}), so this "
        "would change nothing; add its series under drivers: first"
    )


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE``; read the value as files are read (``0.7``, ``1e-3``, ``1963-12``)."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise ParameterPathError(f"{text!r} is not PATH=VALUE (e.g. states.JPN.audience_cost=0.7)")
    try:
        value = yaml_value(raw) if raw.strip() else None
    except yaml.MarkedYAMLError as exc:
        raise ParameterPathError(f"{path.strip()}: cannot read the value: {exc.problem}") from None
    except yaml.YAMLError:
        value = raw  # not YAML at all: checked as the text it is
    return path.strip(), value


def check_value(ref: ParameterRef, value: Any) -> Any:
    """Check a value against the parameter's range; return it as stored."""
    if not ref.numeric:
        if value is None or str(value).lower() in ("none", "null", ""):
            return None
        try:
            parse_month(str(value))
        except ValueError as exc:
            raise ParameterPathError(f"{ref.path}: {exc}") from None
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterPathError(f"{ref.path}: must be a number (got {value!r})")
    value = float(value)
    if not ref.low <= value <= ref.high:
        upper = "no upper bound" if ref.high == float("inf") else f"at most {ref.high:g}"
        raise ParameterPathError(
            f"{ref.path}: {value:g} is out of range (at least {ref.low:g}, {upper})"
        )
    return value


def _set_number(container: dict[str, Any], key: str, value: float, reason: str) -> None:
    container[key] = {"value": value, "source": reason}


def _driver_doc(doc: dict[str, Any], channel: str) -> dict[str, Any] | None:
    """A driver channel's mapping in a raw document, or None if the scenario lacks it."""
    if "." in channel:
        power, kind = channel.split(".", 1)
        return (doc.get("powers") or {}).get(power, {}).get(kind)
    return (doc.get("drivers") or {}).get(channel)


def set_in_document(doc: dict[str, Any], ref: ParameterRef, value: Any) -> None:
    """Write one checked value into a raw scenario document (in place)."""
    reason = f"override {ref.path}={value}"
    if ref.kind == "motivation":
        _set_number(doc["states"][ref.state], ref.name, value, reason)
    elif ref.kind == "dependence":
        _set_number(doc["powers"][ref.name].setdefault("dependence", {}), ref.state, value, reason)
    elif ref.kind == "ideal":
        _set_number(doc["issues"][ref.issue]["ideal"], ref.state, value, reason)
    elif ref.kind == "salience":
        rescale_salience(doc, ref.state, ref.issue, value, reason)
    elif ref.kind in ("driver_scale", "driver_hold"):
        driver = _driver_doc(doc, ref.name)
        if driver is None:
            return  # a driver the scenario does not have is zero at any scale
        if ref.kind == "driver_scale":
            _set_number(driver, "scale", value, reason)
        else:
            driver["hold_from"] = value
    elif ref.kind == "shock_sd":
        _set_number(doc.setdefault("shocks", {}), "drive_sd", value, reason)


def _number(v: Any) -> float:
    return float(v["value"] if isinstance(v, dict) else v)


def rescale_salience(
    doc: dict[str, Any], state: str, issue: str, value: float, reason: str
) -> None:
    """Set one salience and rescale the state's others so they still sum to 1."""
    issues = doc["issues"]
    order = list(issues)
    current = np.array([_number(issues[i]["salience"][state]) for i in order])
    new = set_salience(current, order.index(issue), value)
    for k, i in enumerate(order):
        old = issues[i]["salience"][state]
        source = old.get("source", reason) if isinstance(old, dict) else reason
        issues[i]["salience"][state] = {"value": float(new[k]), "source": source}
    _set_number(issues[issue]["salience"], state, value, reason)


def apply_overrides(
    doc: dict[str, Any], overrides: dict[str, Any] | list[str], name: str
) -> dict[str, Any]:
    """Return a copy of a scenario document with overrides applied and checked."""
    from negsim.scenario import ScenarioError, scenario_from_dict

    base = scenario_from_dict(doc, name)  # report the file's own problems first
    items: list[Any] = overrides if isinstance(overrides, list) else list(overrides.items())
    out = copy.deepcopy(doc)
    problems = []
    given: set[str] = set()
    for item in items:
        try:
            path, value = parse_assignment(item) if isinstance(item, str) else item
            if path in given:
                raise ParameterPathError(f"{path}: given twice; give each path once")
            given.add(path)
            ref = resolve_path(base, path)
            absent = absent_driver(base, ref)
            if absent:
                raise ParameterPathError(absent)
            set_in_document(out, ref, check_value(ref, value))
        except ParameterPathError as exc:
            problems.append(("--set", str(exc)))
    if problems:
        raise ScenarioError(name, problems)
    return out


MOTIVATION_WORDS = {
    "economic_need": "economic need",
    "regime_security_need": "regime-security need",
    "audience_cost": "audience cost",
    "leader_autonomy": "leader's autonomy",
    "leader_disposition": "leader's disposition",
    "outside_options": "outside options",
    "us_dependence": "dependence on the U.S.",
    "abandonment_fear": "fear of U.S. abandonment",
    "fear_of_exclusion": "fear of exclusion",
}
DRIVER_WORDS = {
    "us_pressure": "U.S. pressure",
    "us_retrenchment": "U.S. retrenchment",
    "detente": "détente",
    "normalization_wave": "normalization wave",
    "us_inducement": "U.S. inducement",
    "talks_intensity": "talks' intensity",
}


def parameter_label(path: str) -> str:
    """A parameter path in words with its unit, for an axis.

    ``drivers.us_pressure.scale`` -> "U.S. pressure (scale: × the scenario's series; 0 = none)".
    An unknown path is returned as it is.
    """
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "states" and parts[2] in MOTIVATION_WORDS:
        return f"{parts[1]}'s {MOTIVATION_WORDS[parts[2]]} (0-1 scale)"
    if len(parts) == 4 and parts[0] == "issues" and parts[2] == "salience":
        return f"salience of {parts[1].replace('_', ' ')} to {parts[3]} (share of its issues, 0-1)"
    if len(parts) == 4 and parts[0] == "issues" and parts[2] == "ideal":
        return f"{parts[3]}'s ideal on {parts[1].replace('_', ' ')} (issue's 0-1 axis)"
    if len(parts) == 4 and parts[0] == "powers" and parts[2] == "dependence":
        return f"{parts[3]}'s dependence on {parts[1]} (0-1 scale)"
    if parts[0] in ("drivers", "powers") and parts[-1] in ("scale", "hold_from"):
        channel = parts[1:-1]
        if parts[0] == "drivers" and len(channel) == 1:
            name = DRIVER_WORDS.get(channel[0], channel[0].replace("_", " "))
        elif parts[0] == "powers" and len(channel) == 2:
            name = f"{channel[0]} {channel[1]}"
        else:
            return path
        if parts[-1] == "scale":
            return f"{name} (scale: × the scenario's series; 0 = none)"
        return f"{name} held from (month)"
    if path == "shocks.drive_sd":
        return "monthly shock to the drive (standard deviation, drive units)"
    return path
