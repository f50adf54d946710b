"""The one place where an error becomes one line on standard error and an exit status: 2 for
whatever the user can change (a file, an option, a folder), 1 for a damaged store or a failing
disk, 130 for Ctrl-C. No traceback is shown."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from sim.cli.app import err_console
from sim.errors import ScenarioError, printable, shorten
from sim.experiments.runfolder import RunFolderError
from sim.experiments.sensitivity import SensitivityError
from sim.results.identity import IdentityError
from sim.results.store import StoreDamaged, StoreError

#: errors in what was given, shown shortened and with control characters escaped
GIVEN = (ScenarioError, RunFolderError, IdentityError, StoreDamaged)


class CommandError(Exception):
    """A command line that cannot be carried out as given; its text is the whole line."""


def fail(message: str) -> NoReturn:
    """Refuse the command line: ``error: MESSAGE`` and exit status 2."""
    raise CommandError(message)


def _shown(exc: BaseException) -> tuple[str, int] | None:
    """The line and the exit status for an error a user can meet; None for a bug (shown in full)."""
    report = sys.modules.get("sim.reports.report")  # imported only by a report, with matplotlib
    if isinstance(exc, GIVEN):
        return f"error: {shorten(printable(str(exc)), 2000)}", 2
    if isinstance(exc, typer.TyperException):  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message()
        return (f"error: {shorten(printable(' '.join(message.split())), 2000)}" if message else ""), 2
    if isinstance(exc, (CommandError, SensitivityError)) or (report and isinstance(exc, report.ReportError)):
        return f"error: {exc}", 2
    if isinstance(exc, (typer.Abort, KeyboardInterrupt)):
        return "interrupted", 130
    if isinstance(exc, StoreError):
        return f"error: {exc}", 1
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"error: {shorten(printable(f'{where}{exc.strerror or exc}'), 2000)}", 1
    return None


def exit_status(exc: BaseException) -> int:
    """Print the error's one line and return its exit status; re-raise what no user can cause."""
    shown = _shown(exc)
    if shown is None:
        raise exc
    line, status = shown
    if line:
        err_console.print(line, markup=False)
    return status
