"""What every command shares: reporting bad input (exit 2) and loading a scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the CLI imports the model's modules only when a command runs
    from negsim.scenario import Scenario, ScenarioError

BAD_INPUT = 2
MISSING_MODULE = 1

# Modules negsim imports from its dependencies, and what pip installs each (pyproject.toml).
INSTALL_NAMES = {
    "mesa": "mesa[network,viz]>=3.5,<3.6",
    "numpy": "numpy",
    "pandas": "pandas",
    "matplotlib": "matplotlib",
    "pyarrow": "pyarrow",
    "pydantic": "pydantic",
    "yaml": "pyyaml",
    "SALib": "SALib>=1.5",
    "scipy": "scipy",
    "dask": "dask[distributed]",
    "distributed": "dask[distributed]",
    "tqdm": "tqdm",
    "solara": "solara[assets]==1.58.2",
    "ipyvue": "ipyvue<3",
    "ipyvuetify": "ipyvuetify<3",
    "networkx": "mesa[network]",
}


def missing_module_message(exc: ModuleNotFoundError) -> str | None:
    """One line saying what to install, if ``exc`` names one of negsim's dependencies."""
    top = (exc.name or "").split(".")[0]
    if top not in INSTALL_NAMES:
        return None
    return (
        f"error: the Python module {top!r} is not installed; install it with "
        f"pip install '{INSTALL_NAMES[top]}' (or reinstall negsim, which depends on it)"
    )


def fail(exc: ScenarioError) -> typer.Exit:
    """Report bad input on stderr; the caller raises the returned exit (status 2)."""
    typer.echo(f"error: {exc.render()}", err=True)
    return typer.Exit(BAD_INPUT)


def load(scenario: str, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario by path or shipped name, exiting with status 2 on bad input."""
    from negsim.catalog import find_scenario
    from negsim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(find_scenario(scenario), overrides or None)
    except ScenarioError as exc:
        raise fail(exc) from None
