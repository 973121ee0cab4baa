"""negsim: a simulator of diplomatic normalization negotiations (Mesa agent-based model).

The public names below are imported on first use (PEP 562), so that ``negsim --help``
and ``import negsim.cli`` do not pay for Mesa, pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the module that holds it.
_EXPORTS = {
    "DEFAULT_CONSTANTS": "negsim.constants",
    "Constants": "negsim.constants",
    "run_batch": "negsim.engine",
    "NegotiationModel": "negsim.model",
    "apply_overrides": "negsim.parameters",
    "valid_paths": "negsim.parameters",
    "Scenario": "negsim.scenario",
    "ScenarioError": "negsim.scenario",
    "load_scenario": "negsim.scenario",
    "replicate": "negsim.simulation",
    "draw_scenario": "negsim.simulation",
    "scenario_judgements": "negsim.judgements",
    "replication_seed": "negsim.simulation",
    "simulate": "negsim.simulation",
}

if TYPE_CHECKING:
    from negsim.constants import DEFAULT_CONSTANTS, Constants
    from negsim.engine import run_batch
    from negsim.judgements import scenario_judgements
    from negsim.model import NegotiationModel
    from negsim.parameters import apply_overrides, valid_paths
    from negsim.scenario import Scenario, ScenarioError, load_scenario
    from negsim.simulation import draw_scenario, replicate, replication_seed, simulate


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'negsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "DEFAULT_CONSTANTS",
    "Constants",
    "NegotiationModel",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "draw_scenario",
    "load_scenario",
    "replicate",
    "replication_seed",
    "run_batch",
    "scenario_judgements",
    "simulate",
    "valid_paths",
]
