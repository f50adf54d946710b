"""``sweep`` and ``sensitivity``: each calls :mod:`sim.api` and prints what it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim import NOTICE, api
from sim.cli.app import out_console, say
from sim.cli.arguments import backend, reps_number
from sim.cli.errors import fail
from sim.cli.options import Executor, Out, Reps, Resume, Scheduler, Workers
from sim.cli.progress import resumable, working

METHODS = ("sobol", "morris")


def sweep(
    spec: Annotated[
        Path,
        typer.Argument(
            help="A sweep file, or the name of a shipped one (justice-grid, global-uncertainty, justice-effect)."
        ),
    ],
    reps: Reps = None,
    samples: Annotated[int | None, typer.Option("--samples", help="Points to sample (overrides the file's).")] = None,
    workers: Workers = None,
    executor: Executor = "processes",
    scheduler: Scheduler = None,
    out: Out = None,
    resume: Resume = False,
    analyze_: Annotated[
        str | None, typer.Option("--analyze", help="sobol or morris: analyse sensitivity when done.")
    ] = None,
) -> None:
    """Run a parameter sweep (grid, Latin hypercube, Sobol', Saltelli or Morris design)."""
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    if analyze_ is not None and analyze_ not in METHODS:
        fail(f"--analyze: must be sobol or morris (got {analyze_!r})")
    where = backend(executor, workers, scheduler)
    n = reps_number(reps, auto=False)
    with working("tasks", resumable("tasks")) as progress:
        res = api.sweep(spec, n, samples, analyze_, where, out, resume, progress)
    say(f"{res.spec.name}: {res.points} points, {res.done} of {res.tasks} tasks done, {res.failed} failed")
    for f in res.failures[:10]:
        say(f"  failed: point {f['point']} replication {f['replication']}: {f['error']}")
    if res.sensitivity is not None:
        print_sensitivity(res.sensitivity)
    say(f"results: {res.folder}")
    say(NOTICE)


def sensitivity(
    folder: Annotated[Path, typer.Argument(help="A finished sweep folder (saltelli or morris design).")],
    method: Annotated[str | None, typer.Option("--method", help="sobol or morris (default: the design's).")] = None,
    metric: Annotated[list[str], typer.Option("--metric", help="Metrics to analyse (default: the sweep file's).")] = [],
) -> None:
    """Sobol' indices or Morris mu*/sigma for each metric, ranked by influence."""
    if method is not None and method not in METHODS:
        fail(f"--method: must be sobol or morris (got {method!r})")
    from sim.experiments.sweepfile import metric_names

    bad = [m for m in metric if m not in metric_names(effects=True)]
    if bad:
        fail(f"--metric: '{bad[0]}' is not a headline metric or the effect (effect.<metric>) of one")
    print_sensitivity(api.sensitivity(folder, method, metric or None))
    say(NOTICE)


def print_sensitivity(res: api.SensitivityResult) -> None:
    """The top four influences on each metric with their CIs, the metrics left out, and the files written."""
    key = "ST" if res.method == "sobol" else "mu_star"
    table = Table(title=f"{res.method} sensitivity: top influences on each metric (95% CI)", title_justify="left")
    for col in ("metric", "rank", "input", key, "95% CI") + (("S1",) if res.method == "sobol" else ("sigma",)):
        table.add_column(col, justify="left" if col in ("metric", "input") else "right")
    for r in res.rows:
        if r["rank"] > 4:
            continue
        other = r["S1"] if res.method == "sobol" else r["sigma"]
        table.add_row(
            r["metric"] if r["rank"] == 1 else "",
            str(r["rank"]),
            r["factor"],
            f"{r[key]:.3g}",
            f"{r[key + '_ci_low']:.3g} to {r[key + '_ci_high']:.3g}",
            f"{other:.3g}",
        )
    out_console.print(table)
    for note in res.notes:
        say(f"  {note}")
    for p in res.paths:
        say(f"wrote {p}")
