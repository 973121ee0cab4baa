"""What every command shares: reporting bad input (exit 2) and loading a scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the CLI imports the model's modules only when a command runs
    from negsim.scenario import Scenario, ScenarioError

BAD_INPUT = 2


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
