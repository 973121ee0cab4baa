"""Shared fixtures: the shipped 1965 scenario and a small synthetic two-state scenario."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from negsim.dynamics import MOTIVATION_NAMES
from negsim.scenario import Scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
SCENARIO_1965 = REPO / "scenarios" / "rok_japan_1951_1965.yaml"
SCENARIO_NAME = "rok_japan_1951_1965"

_BASE_1965 = yaml.safe_load(SCENARIO_1965.read_text(encoding="utf-8"))


def base_1965_doc() -> dict[str, Any]:
    """A fresh copy of the shipped 1965 scenario as a plain document."""
    return copy.deepcopy(_BASE_1965)


def motivations(**values: float) -> dict[str, float]:
    """A state's motivations: 0.5 everywhere unless given."""
    unknown = set(values) - set(MOTIVATION_NAMES)
    assert not unknown, f"not motivations: {unknown}"
    return {m: float(values.get(m, 0.5)) for m in MOTIVATION_NAMES}


def minimal_doc(
    a: dict[str, float] | None = None,
    b: dict[str, float] | None = None,
    pressure: list[tuple[str, float]] | None = None,
    drive_sd: float = 0.0,
) -> dict[str, Any]:
    """A small valid scenario: states A and B, three issues, one U.S. pressure series.

    The ``border`` issue runs the other way (A's ideal above B's), so both
    orientations of an axis are exercised. With the defaults the two states
    settle in the second half of the run, and never without U.S. pressure.
    """
    a = a if a is not None else motivations()
    b = b if b is not None else motivations()
    pressure = pressure or [("2000-01", 0.2), ("2004-12", 1.5)]
    return {
        "id": "mini",
        "title": "Minimal two-state test scenario",
        "start": "2000-01",
        "end": "2005-12",
        "states": {
            "A": {"name": "Alpha", "leader": "Ann", **a},
            "B": {"name": "Beta", "leader": "Bob", **b},
        },
        "issues": {
            "history": {
                "label": "Colonial history",
                "kind": "historical",
                "positions": {"A": "apology", "B": "no apology"},
                "ideal": {"A": 0.0, "B": 1.0},
                "salience": {"A": 0.3, "B": 0.4},
            },
            "money": {
                "label": "Money",
                "kind": "practical",
                "units": {"label": "US$ millions", "at_0": 500, "at_1": 50},
                "positions": {"A": "a lot", "B": "a little"},
                "ideal": {"A": 0.0, "B": 1.0},
                "salience": {"A": 0.5, "B": 0.3},
            },
            "border": {
                "label": "Border",
                "kind": "practical",
                "positions": {"A": "north line", "B": "south line"},
                "ideal": {"A": 0.9, "B": 0.1},
                "salience": {"A": 0.2, "B": 0.3},
            },
        },
        "drivers": {
            "us_pressure": {
                "interpolation": "linear",
                "series": {"all": [{"date": d, "value": v} for d, v in pressure]},
            }
        },
        "shocks": {"drive_sd": drive_sd},
    }


def validate(doc: dict[str, Any]) -> Scenario:
    """Validate a document (a copy, so callers may keep mutating theirs)."""
    return scenario_from_dict(copy.deepcopy(doc), "test-scenario")


def write_yaml(path: Path, doc: dict[str, Any]) -> Path:
    """Write a document as YAML with no anchors/aliases (which negsim refuses)."""

    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    path.write_text(yaml.dump(doc, Dumper=NoAliases, sort_keys=False), encoding="utf-8")
    return path


def billion_laughs(levels: int = 9) -> str:
    """The classic YAML alias bomb: 10**levels "lol"s if the aliases were expanded."""
    lines = ['lol0: &lol0 "lol"']
    for k in range(1, levels + 1):
        refs = ", ".join([f"*lol{k - 1}"] * 10)
        lines.append(f"lol{k}: &lol{k} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def scenario_1965() -> Scenario:
    return scenario_from_dict(base_1965_doc(), str(SCENARIO_1965))


@pytest.fixture(scope="session")
def deterministic_1965() -> Scenario:
    doc = base_1965_doc()
    doc["shocks"]["drive_sd"] = 0.0
    return scenario_from_dict(doc, str(SCENARIO_1965))


@pytest.fixture
def mini_doc() -> dict[str, Any]:
    return minimal_doc()


@pytest.fixture
def mini() -> Scenario:
    return validate(minimal_doc())


def invoke(*args: str):
    """Run a ``negsim`` command in-process; it must end without a traceback."""
    from typer.testing import CliRunner

    from negsim.cli import app

    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def pressure_x_audience_cost_sweep(
    id: str, title: str, top: float, steps: int, replications: int, master_seed: int, chunk: int
) -> dict[str, Any]:
    """The sweeps the sweep tests run: U.S. pressure from 0 to ``top`` in ``steps`` against
    five values of Japan's audience cost, on the 1965 scenario."""
    return {
        "id": id,
        "title": title,
        "scenario": str(SCENARIO_1965),
        "parameters": {
            "drivers.us_pressure.scale": {"range": [0.0, top], "steps": steps},
            "states.JPN.audience_cost": {"values": [0.1, 0.3, 0.5, 0.7, 0.9]},
        },
        "replications": replications,
        "master_seed": master_seed,
        "chunk_size": chunk,
    }
