"""The entry point: the command modules registered on the app, and :func:`main`, which runs a
command line and turns whatever stops it into one line and an exit status (see :mod:`sim.cli.errors`)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from sim.cli import authoring, calibration, inspection, progress, running, sweeps, webapp
from sim.cli.app import app
from sim.cli.errors import exit_status
from sim.experiments import allocator

#: every command, in the order ``divertsim --help`` lists them
COMMANDS: tuple[Callable[..., None], ...] = (
    running.run,
    running.compare,
    running.robustness,
    sweeps.sweep,
    sweeps.sensitivity,
    inspection.report,
    calibration.calibrate_check,
    calibration.calibrate,
    inspection.validate,
    inspection.explain,
    inspection.list_,
    authoring.new,
    webapp.app,
    inspection.version,
)
for _function in COMMANDS:  # `list_` is `list`, `calibrate_check` is `calibrate-check`
    app.command(name=_function.__name__.strip("_").replace("_", "-"))(_function)


@functools.cache
def _command() -> Any:  # Typer's command, of the Click that Typer carries
    """The command line as Click sees it, built once (Typer rebuilds it from every function's
    signature on each call, which is most of the cost of a call that only refuses an argument)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    """Run one command line; every error a user can cause becomes one line on standard error."""
    args = sys.argv[1:] if argv is None else argv
    progress.given(args)
    try:
        result = _command().main(args=args or ["--help"], standalone_mode=False, prog_name="divertsim")
    except (Exception, KeyboardInterrupt) as exc:
        return exit_status(exc)
    return result if isinstance(result, int) else 0


def console() -> None:  # pragma: no cover - the installed script and ``python -m sim``
    allocator.tune()  # this process is divertsim's own (see sim.experiments.allocator)
    sys.exit(main())
