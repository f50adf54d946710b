"""The one way a long command shows progress and meets Ctrl-C: a bar with an ETA on a terminal
(nothing otherwise), and on Ctrl-C one line saying where the finished work is, then exit 130."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from sim.api import Interrupted, Progress
from sim.cli.app import err_console


class _Bar:
    """A transient progress bar on standard error when it is a terminal."""

    def __init__(self, label: str) -> None:
        self.bar: Any = None
        if not sys.stderr.isatty():
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self.bar = RichProgress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self.task = self.bar.add_task(label, total=None)
        self.bar.start()

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextlib.contextmanager
def working(label: str, saved: Callable[[Path], str] | None = None) -> Iterator[Progress]:
    """Around a call of :mod:`sim.api` that runs replications: yields its ``progress`` callback.
    On Ctrl-C, ``saved(folder)`` says what the folder holds (or nothing, if the work keeps nothing)."""
    bar = _Bar(label)
    try:
        yield bar.update
    except KeyboardInterrupt as exc:
        bar.close()
        folder = exc.folder if isinstance(exc, Interrupted) else None
        line = f"interrupted: {saved(folder)}" if saved is not None and folder is not None else "interrupted"
        err_console.print(line, markup=False)
        raise typer.Exit(130) from None
    finally:
        bar.close()


def resumable(what: str) -> Callable[[Path], str]:
    """The interrupt line of work that ``--resume`` continues: ``finished WHAT are saved in ...;
    continue with COMMAND``, the command as given (its overrides included) with ``--resume --out``."""
    return lambda folder: f"finished {what} are saved in {folder}; continue with {resume_command(folder)}"


#: the arguments of the command line being run (set by :func:`sim.cli.entry.main`)
_given: list[str] = []


def given(args: list[str]) -> None:
    """Remember the command line, for the line that says how to continue it."""
    _given[:] = args


def resume_command(folder: Path) -> str:
    """The command line that continues the interrupted one: the same arguments, resuming into ``folder``."""
    args = list(_given)
    if "--out" in args[:-1]:  # the folder named again below, in the form the run used
        i = args.index("--out")
        del args[i : i + 2]
    args = [a for a in args if not a.startswith("--out=") and a != "--resume"]
    return shlex.join(["divertsim", *args, "--resume", "--out", str(folder)])
