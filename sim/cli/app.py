"""The ``divertsim`` Typer application that every command module registers on, and the two
consoles it prints to: results on standard output, errors and progress on standard error."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="divertsim: illustrative model of court load under diversion policies (aggregate rates only).",
)
out_console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def say(text: str) -> None:
    """One line of results, as written (no markup)."""
    out_console.print(text, markup=False)


def warn(text: str) -> None:
    """One line beside the results, on standard error (when standard output carries only data)."""
    err_console.print(text, markup=False)
