"""``calibrate-check`` and ``calibrate``: each calls :mod:`sim.api` and prints what it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim import NOTICE, api
from sim.cli.app import out_console, say
from sim.cli.arguments import MAX_EVALS, backend, reps_number
from sim.cli.errors import fail
from sim.cli.options import Out, Reps, Seed, Sets, Workers
from sim.cli.progress import working
from sim.experiments.targets import MAX_TARGET_REPS, Check
from sim.results.numbers import number

Targets = Annotated[
    Path, typer.Argument(help="A targets file, or the name of a shipped one (2018, history-2016-2019).")
]
ScenarioName = Annotated[str, typer.Argument(help="A scenario file or shipped name.")]


def calibrate_check(
    scenario: ScenarioName,
    targets_file: Targets,
    reps: Reps = None,
    seed: Seed = None,
    set_: Sets = [],
    workers: Workers = None,
    out: Out = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if a held-out target is missed too.")] = False,
) -> None:
    """Compare a scenario with published figures: the fit targets and the held-out ones.

    Exits 0 when every fit target is met (with --strict, every held-out one too) and 1 otherwise;
    held-out targets are always reported, so a miss on a figure the model was not fitted to shows."""
    where = backend("processes", workers, None)
    n = reps_number(reps, MAX_TARGET_REPS, auto=False)
    with working("replications"):
        res = api.calibrate_check(scenario, targets_file, n, seed, set_, where, out)
    print_checks(
        f"{res.scenario.name} against {res.targets.name}: {res.replications} replications over "
        f"{res.targets.years:g} reported years",
        res.checks,
    )
    say(f"wrote {res.written} (report: divertsim report {res.folder})")
    if not (res.all_met if strict else res.fit_met):
        raise typer.Exit(1)


def print_checks(title: str, checks: list[Check]) -> None:
    """Each target beside the model, fit targets first; each one's source; how many were met."""
    table = Table(title=title, title_justify="left")
    for col in ("target", "role", "compared with", "model mean", "95% CI", "target band", "unit", "met"):
        table.add_column(col, justify="right" if col in ("model mean", "95% CI", "target band") else "left")
    for role in ("fit", "holdout"):
        for c in (c for c in checks if c.target.role == role):
            ci = "-" if c.ci_low is None else f"{number(c.ci_low)} to {number(c.ci_high)}"
            table.add_row(
                c.name,
                role,
                c.target.compared,
                number(c.mean),
                ci,
                c.target.shown,
                c.target.unit,
                "yes" if c.within else "NO",
            )
    out_console.print(table)
    for c in checks:
        say(f"  {c.name}: {c.target.source}" + (f" Units: {c.target.units}" if c.target.units else ""))
    for role, words in (("fit", "fit targets met"), ("holdout", "held-out targets met (never fitted)")):
        mine = [c for c in checks if c.target.role == role]
        if mine:
            say(f"{sum(c.within for c in mine)} of {len(mine)} {words}")
    say(NOTICE)


def calibrate(
    scenario: ScenarioName,
    targets_file: Targets,
    free: Annotated[
        list[str], typer.Option("--free", help="A parameter to fit: KEY or KEY=LOW:HIGH (repeatable).")
    ] = [],
    reps: Reps = None,
    max_evals: Annotated[int, typer.Option("--max-evals", help="Most evaluations of the objective.")] = 60,
    seed: Seed = None,
    set_: Sets = [],
    workers: Workers = None,
    out: Out = None,
) -> None:
    """Fit the named parameters to the targets and write the calibrated scenario with a record of the fit."""
    if not free:
        fail("--free: name at least one parameter to fit")
    if not 2 <= max_evals <= MAX_EVALS:
        fail(f"--max-evals: must be between 2 and {MAX_EVALS:,}")
    where = backend("processes", workers, None)
    n = reps_number(reps, MAX_TARGET_REPS, auto=False)
    with working("evaluations") as progress:
        res = api.calibrate(scenario, targets_file, free, n, max_evals, seed, set_, where, out, progress)
    for key, value in res.values.items():
        say(f"{key} = {value:.6g}")
    print_checks(
        f"calibrated {res.scenario.name} against {res.targets.name}: {res.replications} replications, "
        f"{res.fit.evaluations} evaluations",
        res.fit.checks,
    )
    say(f"wrote {res.written} and {res.folder / 'fit.json'}")
