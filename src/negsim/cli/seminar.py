"""``negsim app``: serve the seminar page (Solara) on this machine, offline."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from negsim.cli.common import load

OFFLINE_ENV = {
    # No usage telemetry from classrooms or CI (read when solara is imported).
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "MPLBACKEND": "Agg",
}


def solara_args(host: str, port: int) -> list[str]:
    """Arguments of ``solara run`` for the seminar page: no browser, no version check online."""
    return [
        "negsim.app:page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--no-ssg",
        "--no-search",
    ]


def serve(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Scenario to open on (a shipped name); the 1965 case by default."),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; loopback by default (this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to serve on.")] = 8765,
) -> None:
    """Serve the seminar app: pick a scenario, move the levers, step month by month."""
    from negsim.catalog import find_scenario

    if scenario is not None:
        load(scenario)  # exits with status 2 and the reason if it cannot be read
        path = find_scenario(scenario)
        os.environ["NEGSIM_APP_SCENARIO"] = path.stem if path.exists() else scenario
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
    typer.echo(f"negsim app: serving on http://{host}:{port}  (Ctrl-C to stop)")

    from solara.__main__ import run  # imported only now: telemetry is off by then

    run.main(args=solara_args(host, port), prog_name="negsim app", standalone_mode=True)
