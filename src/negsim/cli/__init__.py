"""The ``negsim`` command: a Typer app with each command group in a module of its own.

Commands are registered here, explicitly. The modules import the model, pandas,
matplotlib, Solara or Dask only inside the command that needs them, so ``negsim --help``
answers at once.
"""

from __future__ import annotations

import sys

import typer

from negsim.cli import compare, reproduce, run, seminar, sweep, uncertainty, validate
from negsim.cli.common import MISSING_MODULE, missing_module_message

app = typer.Typer(
    help="negsim: simulate diplomatic normalization negotiations (U.S. pressure, domestic "
    "motivations, historical issues).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(run.run)
app.command()(run.check)
app.command("list")(run.list_)
app.command()(run.export)
app.command()(run.new)
app.command()(compare.compare)
app.command()(reproduce.reproduce)
app.command()(validate.validate)
app.command()(sweep.sweep)
app.command()(sweep.plot)
app.command("app")(seminar.serve)
app.command()(uncertainty.sensitivity)
app.command()(uncertainty.calibrate)
app.command()(uncertainty.discover)


def main() -> None:
    """Entry point of the ``negsim`` command."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except ModuleNotFoundError as exc:
        message = missing_module_message(exc)
        if message is None:
            raise
        typer.echo(message, err=True)
        sys.exit(MISSING_MODULE)


__all__ = ["app", "main"]
