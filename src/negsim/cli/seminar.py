"""``negsim app``: serve the seminar page (Solara) on this machine, offline."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from typing import Annotated

import typer

from negsim.cli.common import fail, load

OFFLINE_ENV = {
    # No usage telemetry from classrooms or CI (read when solara is imported).
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "MPLBACKEND": "Agg",
}


def port_in_use(host: str, port: int) -> bool:
    """Whether another program already listens on ``host:port``.

    Other failures to bind (an address not on this machine, a name) are left to the
    server, which reports them itself.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will: a port in TIME_WAIT is free, one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


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


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str | None:
    """The warning for a non-loopback ``--host``: the page has no login."""
    if is_loopback(host):
        return None
    return (
        f"warning: --host {host} is not loopback: anyone who can reach this machine on port "
        f"{port} can use the page (it has no login). Leave --host out to serve this machine only."
    )


def serve(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenarios to offer beside the shipped ones (files or shipped names); the "
            "page opens on the first, the 1965 case by default. Nothing else can be opened.",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; loopback by default (this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to serve on.")] = 8765,
) -> None:
    """Serve the seminar app: pick a scenario, move the levers, step month by month."""
    from negsim.catalog import find_scenario, offered_name, offered_scenarios
    from negsim.scenario import ScenarioError

    named = []
    for scenario in scenarios or []:
        load(scenario)  # exits with status 2 and the reason if it cannot be read
        named.append(find_scenario(scenario).resolve())
    if port_in_use(host, port):
        problem = f"port {port} on {host} is already in use; pick another with --port"
        raise fail(ScenarioError("--port", [("", problem)]))
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
    from negsim import app as seminar  # imports solara: only once telemetry is off

    # The server reads what it may open from here; the page can ask for nothing else.
    os.environ[seminar.FILES_ENV] = os.pathsep.join(str(p) for p in named)
    os.environ.pop(seminar.SCENARIO_ENV, None)
    if named:
        os.environ[seminar.SCENARIO_ENV] = offered_name(offered_scenarios(named), named[0]) or ""
    warning = exposure_warning(host, port)
    if warning:
        typer.echo(warning, err=True)
    from solara.__main__ import run

    typer.echo(f"negsim app: serving on http://{host}:{port}  (Ctrl-C to stop)")

    run.main(args=solara_args(host, port), prog_name="negsim app", standalone_mode=True)
