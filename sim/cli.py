"""The ``divertsim`` command line.

Every failure a user can cause (a bad scenario file, a bad argument, an unusable output folder)
ends with one line on standard error and exit status 2; no traceback is shown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import NOTICE, __version__
from .errors import ScenarioError
from .explain import parameters
from .loading import list_shipped, load_raw, load_scenario, resolve, validate as validate_data
from .runfolder import RunFolderError, default_folder, run_to_folder
from .runner import default_workers
from .stats import summarise

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="divertsim: illustrative model of court load under diversion policies (aggregate rates only).",
)
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: the metrics shown on screen after a run (summary.json has them all)
SCREEN_METRICS = (
    "court.receipts_per_year", "court.crown.receipts", "court.disposals", "court.backlog_end",
    "court.crown.backlog_end", "court.wait_days_mean", "court.crown.wait_weeks_median",
    "court.sitting_days_used", "forensics.wait_days_mean", "forensics.backlog_end",
    "scheme.referred", "scheme.completed", "scheme.failed", "scheme.prosecuted_after_failure",
    "caution.issued", "sentence.custody_share", "prison.population_end",
    "cases.arrived", "cases.closed", "cases.open_at_end",
)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def _overrides(reps: Optional[int], seed: Optional[int], years: Optional[float], sets: list[str]) -> list[str]:
    out = list(sets)
    if reps is not None:
        out.append(f"run.replications={reps}")
    if seed is not None:
        out.append(f"run.seed={seed}")
    if years is not None:
        out.append(f"run.years={years!r}")
    return out


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="A scenario file, or the name of a shipped scenario (see `divertsim list`).")],
    reps: Annotated[Optional[int], typer.Option("--reps", help="Replications (overrides run.replications).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Master seed (overrides run.seed).")] = None,
    years: Annotated[Optional[float], typer.Option("--years", help="Horizon in years (overrides run.years).")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: KEY=VALUE (repeatable).")] = [],
    workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Run folder (default results/<scenario>-<timestamp>).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out.")] = False,
) -> None:
    """Run a scenario's replications and write its run folder."""
    if workers is not None and workers < 1:
        fail("--workers: must be at least 1")
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    sc = load_scenario(scenario, _overrides(reps, seed, years, set_))
    folder = out if out is not None else default_folder(sc)
    n_workers = workers or default_workers()
    progress_cb, progress_close = _progress(sc.run.replications)
    try:
        results = run_to_folder(sc, folder, n_workers, resume=resume, progress=progress_cb)
    except KeyboardInterrupt:
        progress_close()
        err_console.print(f"interrupted: finished replications are saved in {folder}; "
                          f"continue with --resume --out {folder}", markup=False)
        raise typer.Exit(130)
    progress_close()
    _print_results(sc.name, results, folder)


def _progress(total: int):
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("eta"), TimeRemainingColumn(), console=err_console, transient=True)
    task = bar.add_task("run", total=total)
    bar.start()

    def update(done: int, _total: int) -> None:
        bar.update(task, completed=done)

    return update, bar.stop


def _print_results(name: str, results, folder: Path) -> None:
    table = Table(title=f"{name}: {len(results)} replications (mean and 95% CI)", title_justify="left")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for key in SCREEN_METRICS:
        s = summarise(r.headline[key] for r in results)
        ci = "-" if s["ci_low"] is None else f"{_fmt(s['ci_low'])} to {_fmt(s['ci_high'])}"
        table.add_row(key, _fmt(s["mean"]), ci)
    out_console.print(table)
    out_console.print(f"results: {folder}", markup=False)
    out_console.print(NOTICE, markup=False)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files (or shipped names) to check.")],
) -> None:
    """Check scenario files; print one line per file and exit 2 if any is invalid."""
    bad = 0
    for name in files:
        try:
            sc = load_scenario(name)
        except ScenarioError as exc:
            err_console.print(f"invalid: {exc}", markup=False)
            bad += 1
        else:
            out_console.print(f"ok: {resolve(name)} ({sc.name})", markup=False)
    if bad:
        raise typer.Exit(2)


@app.command()
def explain(
    scenario: Annotated[str, typer.Argument(help="A scenario file or shipped name.")],
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: KEY=VALUE (repeatable).")] = [],
) -> None:
    """Every effective parameter with its value, unit and source."""
    sc = load_scenario(scenario, set_)
    out_console.print(f"# {sc.name}: every effective parameter (value unit [set by] source)", markup=False)
    for p in parameters(sc):
        unit = "" if p.unit in ("-", "") else f" {p.unit}"
        out_console.print(f"{p.key} = {p.value}{unit}  [{p.set_by}]  {p.source}", markup=False)
    out_console.print(f"# {NOTICE}", markup=False)


@app.command(name="list")
def list_() -> None:
    """The shipped scenarios, one line each."""
    for path in list_shipped():
        try:
            raw = load_raw(path)
            sc = validate_data({**raw, "name": raw.get("name", path.stem)}, str(path))
            out_console.print(f"{path.stem:28s} {sc.description}", markup=False)
        except ScenarioError as exc:
            out_console.print(f"{path.stem:28s} INVALID: {exc}", markup=False)


@app.command()
def version() -> None:
    """Print the version."""
    out_console.print(f"divertsim {__version__}", markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every user error becomes one line on standard error and exit status 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = app(args=args or ["--help"], standalone_mode=False, prog_name="divertsim")
    except (ScenarioError, RunFolderError) as exc:
        err_console.print(f"error: {exc}", markup=False)
        return 2
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message()
        if message:
            err_console.print(f"error: {message}", markup=False)
        return 2
    except typer.Abort:
        err_console.print("interrupted", markup=False)
        return 130
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(f"error: {where}{exc.strerror or exc}", markup=False)
        return 1
    return result if isinstance(result, int) else 0


def console() -> None:  # pragma: no cover - the installed script
    sys.exit(main())
