"""``new``: start a scenario of one's own as a variant of an existing one (see :mod:`sim.inputs.variants`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import say
from sim.cli.errors import fail
from sim.cli.options import Out
from sim.inputs.variants import variant_text
from sim.results.output import atomic_write


def new(
    name: Annotated[str, typer.Argument(help="The new scenario's name (its file is NAME.toml).")],
    from_: Annotated[
        str, typer.Option("--from", help="The scenario it varies: a shipped name or a file.")
    ] = "status-quo",
    out: Out = None,
) -> None:
    """Write a new scenario that extends SCENARIO, with its levers listed to edit (to --out, by
    default scenarios/NAME.toml, where `divertsim run NAME` finds it)."""
    path = out if out is not None else Path("scenarios") / f"{name}.toml"
    if path.suffix != ".toml":
        fail(f"--out: {path}: a scenario file ends in .toml")
    if os.path.lexists(path):
        fail(f"{path}: already exists; choose another NAME or --out (nothing was changed)")
    text = variant_text(name, from_, path.absolute())
    if not path.parent.is_dir():
        if out is not None:
            fail(f"--out: {path.parent}: no such folder")
        path.parent.mkdir()
    atomic_write(path, text)
    say(f"wrote {path}: a variant of {from_}; edit it, then `divertsim validate {path}` and `divertsim run {path}`")
