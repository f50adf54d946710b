"""The commands that look rather than run: ``validate``, ``explain``, ``list``, ``report`` and
``version``. They read scenarios and folders and print; nothing here starts a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim import NOTICE, __version__, api
from sim.cli.app import err_console, say
from sim.cli.options import Out, Sets
from sim.cli.running import print_report
from sim.errors import ScenarioError
from sim.inputs.explain import parameters
from sim.inputs.loading import resolve


def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files (or shipped names) to check.")],
) -> None:
    """Check scenario files; print one line per file and exit 2 if any is invalid."""
    bad = 0
    for name in files:
        try:
            sc = api.load(name)
        except ScenarioError as exc:
            err_console.print(f"invalid: {exc}", markup=False)
            bad += 1
        else:
            say(f"ok: {resolve(name)} ({sc.name})")
    if bad:
        raise typer.Exit(2)


def explain(
    scenario: Annotated[str, typer.Argument(help="A scenario file or shipped name.")],
    set_: Sets = [],
) -> None:
    """Every effective parameter with its value, unit and source."""
    sc = api.load(scenario, set_)
    say(f"# {sc.name}: every effective parameter (value unit [set by] source)")
    for p in parameters(sc):
        unit = "" if p.unit in ("-", "") else f" {p.unit}"
        say(f"{p.key} = {p.value}{unit}  [{p.set_by}]  {p.source}")
    say(f"# {NOTICE}")


def list_() -> None:
    """The shipped scenarios, one line each."""
    for name, sc in api.shipped().items():
        say(f"{name:28s} INVALID: {sc}" if isinstance(sc, ScenarioError) else f"{name:28s} {sc.description}")


def report(
    folder: Annotated[Path, typer.Argument(help="A finished run, comparison or sweep folder.")],
    out: Out = None,
) -> None:
    """A self-contained HTML report with figures (also saved as PNG and SVG beside it)."""
    print_report(api.report(folder, out))


def version() -> None:
    """Print the version."""
    say(f"divertsim {__version__}")
