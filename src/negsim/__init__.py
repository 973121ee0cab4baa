"""negsim: a simulator of diplomatic normalization negotiations (Mesa agent-based model)."""

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.engine import run_batch
from negsim.model import NegotiationModel
from negsim.parameters import apply_overrides, valid_paths
from negsim.scenario import Scenario, ScenarioError, load_scenario
from negsim.simulation import replicate, replication_seed, simulate

__all__ = [
    "DEFAULT_CONSTANTS",
    "Constants",
    "NegotiationModel",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "replicate",
    "replication_seed",
    "run_batch",
    "simulate",
    "valid_paths",
]
