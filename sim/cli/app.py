"""The ``divertsim`` command line.

Every failure a user can cause (a bad scenario file, a bad argument, an unusable output folder)
ends with one line on standard error and exit status 2; no traceback is shown.
"""

from __future__ import annotations

from sim.experiments.processes import quiet_start, ready

quiet_start()  # the imports below take a second: Ctrl-C meanwhile prints one line, not a traceback

import functools
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sim import NOTICE, __version__
from sim.cli.arguments import MAX_EVALS, MAX_EVENTS, check_executor
from sim.errors import ScenarioError, printable, shorten
from sim.experiments import robustness as R
from sim.experiments.calibrate import fit, parse_free, raw_scenario, write_checks, write_fit
from sim.experiments.compare import comparison, unique_names, write_comparison
from sim.experiments.executors import default_workers, make_executor, replicate
from sim.experiments.replications import DEFAULT_MAX_REPS, DEFAULT_PRECISION, MAX_REPS, StoppingRule
from sim.experiments.runfolder import (
    Comparison,
    RunFolder,
    RunFolderError,
    auto_work,
    default_folder,
    fixed_work,
    prepare_folder,
    run_auto,
    run_fixed,
)
from sim.experiments.sensitivity import SensitivityError, analyze
from sim.experiments.sensitivity import write_tables as write_sensitivity
from sim.experiments.sweep import SweepPlan, check_sweep_store, run_sweep
from sim.experiments.sweepfile import load_sweep
from sim.experiments.targets import MAX_TARGET_REPS, check, load_targets
from sim.inputs.explain import parameters
from sim.inputs.loading import list_shipped, load_raw, load_scenario, resolve
from sim.inputs.loading import validate as validate_data
from sim.results.diagnostics import warnings as run_warnings
from sim.results.identity import IdentityError
from sim.results.metrics import HEADLINE
from sim.results.output import stamp_parquet
from sim.results.stats import summarise
from sim.results.store import StoreDamaged, StoreError

ready()

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="divertsim: illustrative model of court load under diversion policies (aggregate rates only).",
)
out_console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: the metrics shown on screen after a run (summary.json has them all)
SCREEN_METRICS = (
    "court.receipts_per_year",
    "court.crown.receipts",
    "court.disposals",
    "court.backlog_end",
    "court.crown.backlog_end",
    "court.wait_days_mean",
    "court.crown.wait_weeks_median",
    "court.sitting_days_used",
    "forensics.wait_days_mean",
    "forensics.backlog_end",
    "scheme.referred",
    "scheme.completed",
    "scheme.failed",
    "scheme.prosecuted_after_failure",
    "caution.issued",
    "sentence.custody_share",
    "prison.population_end",
    "cases.arrived",
    "cases.closed",
    "cases.open_at_end",
)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def _overrides(seed: int | None, years: float | None, sets: list[str]) -> list[str]:
    out = list(sets)
    if seed is not None:
        out.append(f"run.seed={seed}")
    if years is not None:
        out.append(f"run.years={years!r}")
    return out


def _reps(reps: str | None, most: int = MAX_REPS) -> int | None:
    """``--reps``: a whole number from 1 to ``most``, or ``auto`` (returned as None)."""
    if reps is None or reps == "auto":
        return None
    if not reps.strip().lstrip("+-").isdigit() or len(reps) > 20:
        raise ScenarioError("--reps", None, f"must be a whole number or 'auto' (got {reps!r})")
    n = int(reps)
    if not 1 <= n <= most:
        raise ScenarioError(
            "--reps", None, f"must be between 1 and {most:,} (got {n:,})" if n >= 1 else f"must be at least 1 (got {n})"
        )
    return n


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def _executor(kind: str, workers: int | None, scheduler: str | None):
    """The back end, once :func:`~sim.cli.arguments.check_executor` has accepted the options."""
    try:
        return make_executor(kind, workers or default_workers(), scheduler)
    except OSError as exc:
        fail(f"--scheduler: cannot reach {scheduler} ({exc})")


def _rule(precision: float, max_reps: int) -> StoppingRule:
    try:
        return StoppingRule(precision=precision, max_reps=max_reps)
    except ValueError as exc:
        raise ScenarioError("--precision/--max-reps", None, str(exc)) from None


REPS_HELP = "Replications, or 'auto' to add them until every headline metric's 95% CI is within --precision."


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or the name of a shipped scenario (see `divertsim list`).")
    ],
    reps: Annotated[str | None, typer.Option("--reps", help=REPS_HELP)] = None,
    precision: Annotated[
        float, typer.Option("--precision", help="Relative CI half-width for --reps auto.")
    ] = DEFAULT_PRECISION,
    max_reps: Annotated[
        int, typer.Option("--max-reps", help="Most replications --reps auto may run.")
    ] = DEFAULT_MAX_REPS,
    seed: Annotated[int | None, typer.Option("--seed", help="Master seed (overrides run.seed).")] = None,
    years: Annotated[float | None, typer.Option("--years", help="Horizon in years (overrides run.years).")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: KEY=VALUE (repeatable).")] = [],
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    executor: Annotated[str, typer.Option("--executor", help="processes or dask.")] = "processes",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run folder (default results/<scenario>-<timestamp>).")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out.")] = False,
    report_: Annotated[bool, typer.Option("--report", help="Also write report.html with its figures.")] = False,
    event_log: Annotated[
        bool, typer.Option("--event-log", help="Also write an event log (HSMA schema) of the first replications.")
    ] = False,
    event_log_reps: Annotated[int, typer.Option("--event-log-reps", help="Replications in the event log.")] = 1,
    event_log_format: Annotated[str, typer.Option("--event-log-format", help="parquet or csv.")] = "parquet",
    event_log_max: Annotated[
        int, typer.Option("--event-log-max-events", help="Most rows of the event log.")
    ] = 2_000_000,
) -> None:
    """Run a scenario's replications and write its run folder."""
    if event_log and event_log_format not in ("parquet", "csv"):
        fail(f"--event-log-format: must be parquet or csv (got {event_log_format!r})")
    if event_log and not 1 <= event_log_reps <= 100:
        fail("--event-log-reps: must be between 1 and 100")
    if event_log and not 1 <= event_log_max <= MAX_EVENTS:
        fail(f"--event-log-max-events: must be between 1 and {MAX_EVENTS:,}")
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    check_executor(executor, workers, scheduler)
    n = _reps(reps)
    rule = _rule(precision, max_reps) if reps == "auto" else None
    sets = _overrides(seed, years, set_) + ([f"run.replications={n}"] if n is not None else [])
    sc = load_scenario(scenario, sets)
    folder = out if out is not None else default_folder(sc.name)
    bar = _Progress("replications", sc.run.replications if rule is None else None)
    try:
        ex = _executor(executor, workers, scheduler)
        with ex_closing(ex):
            if rule is None:
                results = run_fixed(sc, folder, ex, resume=resume, progress=bar.update)
                stopping = None
            else:
                with RunFolder(sc, folder, resume, auto_work(rule, sc.run.years)) as rf:
                    decision = run_auto([rf], rule, ex, progress=bar.update)
                    stopping = _stopping(rule, decision)
                    results = rf.finish(decision.replications, {"stopping": stopping})
    except KeyboardInterrupt:
        bar.close()
        err_console.print(
            f"interrupted: finished replications are saved in {folder}; continue with --resume --out {folder}",
            markup=False,
        )
        raise typer.Exit(130) from None
    bar.close()
    _print_results(sc.name, results, folder, sc)
    if stopping:
        out_console.print(f"replications: {stopping['replications']} ({stopping['reason']})", markup=False)
    if event_log:
        from sim.results.eventlog import write as write_event_log

        path, rows, cut = write_event_log(
            folder, sc, min(event_log_reps, len(results)), event_log_format, event_log_max
        )
        out_console.print(
            f"event log: {path} ({rows:,} events{', cut at --event-log-max-events' if cut else ''})", markup=False
        )
    if report_:
        _report(folder, None)


def _stopping(rule: StoppingRule, decision) -> dict:
    return {
        "method": "confidence interval with Hoad-Robinson-Davies look-ahead",
        "precision": rule.precision,
        "look_ahead": rule.look_ahead,
        "max_reps": rule.max_reps,
        "replications": decision.replications,
        "reason": decision.reason,
        "not_within_precision": decision.imprecise,
    }


class ex_closing:
    def __init__(self, ex) -> None:
        self.ex = ex

    def __enter__(self):
        return self.ex

    def __exit__(self, *exc: object) -> None:
        self.ex.close()


class _Progress:
    """A progress bar with ETA on a terminal; nothing otherwise."""

    def __init__(self, label: str, total: int | None) -> None:
        self.bar = None
        if not sys.stderr.isatty():
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self.task = self.bar.add_task(label, total=total)
        self.bar.start()

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _print_results(name: str, results, folder: Path, sc) -> None:
    table = Table(title=f"{name}: {len(results)} replications (mean and 95% CI)", title_justify="left")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for key in SCREEN_METRICS:
        s = summarise(r.headline[key] for r in results)
        ci = "-" if s["ci_low"] is None else f"{_fmt(s['ci_low'])} to {_fmt(s['ci_high'])}"
        table.add_row(key, _fmt(s["mean"]), ci)
    out_console.print(table)
    _print_warnings(results, sc)
    out_console.print(f"results: {folder}", markup=False)
    out_console.print(NOTICE, markup=False)


def _print_warnings(results, sc) -> None:
    for w in run_warnings(results, sc):
        out_console.print(f"warning: {w}", markup=False)


@app.command()
def compare(
    base: Annotated[str, typer.Argument(help="The base scenario (file or shipped name).")],
    others: Annotated[list[str], typer.Argument(help="Scenarios to compare with the base.")],
    reps: Annotated[str | None, typer.Option("--reps", help=REPS_HELP)] = None,
    precision: Annotated[
        float, typer.Option("--precision", help="Relative CI half-width for --reps auto.")
    ] = DEFAULT_PRECISION,
    max_reps: Annotated[
        int, typer.Option("--max-reps", help="Most replications --reps auto may run.")
    ] = DEFAULT_MAX_REPS,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Master seed for every scenario (default: the base's).")
    ] = None,
    years: Annotated[float | None, typer.Option("--years", help="Horizon in years for every scenario.")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter in every scenario: KEY=VALUE.")] = [],
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    executor: Annotated[str, typer.Option("--executor", help="processes or dask.")] = "processes",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Comparison folder (default results/compare-<base>-<timestamp>).")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted comparison in --out.")] = False,
    report_: Annotated[bool, typer.Option("--report", help="Also write report.html with its figures.")] = False,
) -> None:
    """Run scenarios on common random numbers and report paired differences against the base."""
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    check_executor(executor, workers, scheduler)
    n = _reps(reps)
    rule = _rule(precision, max_reps) if reps == "auto" else None
    base_sc = load_scenario(base, _overrides(seed, years, set_))
    seed_all = base_sc.run.seed if seed is None else seed
    n_all = n if n is not None else base_sc.run.replications
    common = _overrides(seed_all, years, set_) + [f"run.replications={n_all}"]
    scenarios = [load_scenario(name, common) for name in [base, *others]]
    names = unique_names([sc.name for sc in scenarios])
    folder = out if out is not None else default_folder(f"compare-{names[0]}")
    years_all = scenarios[0].run.years
    work = fixed_work(n_all, years_all) if rule is None else auto_work(rule, years_all)
    bar = _Progress("replications", None)
    try:
        ex = _executor(executor, workers, scheduler)
        with ex_closing(ex), Comparison(folder, scenarios, names, work, resume) as cmp:
            if rule is None:
                for rf in cmp.runs:
                    rf.run(list(range(n_all)), ex, bar.update, total=n_all)
                n_used, stopping = n_all, None
            else:
                decision = run_auto(cmp.runs, rule, ex, progress=bar.update)
                n_used, stopping = decision.replications, _stopping(rule, decision)
            results = cmp.finish(n_used, {"stopping": stopping} if stopping else None)
    except KeyboardInterrupt:
        bar.close()
        err_console.print(
            f"interrupted: finished replications are saved in {folder}; continue with --resume --out {folder}",
            markup=False,
        )
        raise typer.Exit(130) from None
    bar.close()
    data = comparison(names, results, scenarios[0].run.years)
    if stopping:
        data["stopping"] = stopping
    data["warnings"] = {name: run_warnings(res, sc) for (name, res), sc in zip(results.items(), scenarios)}
    write_comparison(folder, data)
    _print_comparison(data, folder)
    for name, said in data["warnings"].items():
        for w in said:
            out_console.print(f"warning: {name}: {w}", markup=False)
    if report_:
        _report(folder, None)


def _print_comparison(data: dict, folder: Path) -> None:
    names = data["scenarios"]
    table = Table(
        title=f"{' vs '.join(names)}: {data['replications']} paired replications (95% CIs)", title_justify="left"
    )
    for col, justify in (
        ("metric", "left"),
        ("scenario", "left"),
        ("mean", "right"),
        ("95% CI", "right"),
        ("difference from base", "right"),
        ("difference 95% CI", "right"),
        ("lower in", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for key in SCREEN_METRICS:
        m = data["metrics"][key]
        for i, name in enumerate(names):
            s = m[name]
            ci = "-" if s["ci_low"] is None else f"{_fmt(s['ci_low'])} to {_fmt(s['ci_high'])}"
            if i == 0:
                table.add_row(key, f"{name} (base)", _fmt(s["mean"]), ci, "", "", "")
                continue
            d = s["diff"]
            dci = "-" if d["ci_low"] is None else f"{_fmt(d['ci_low'])} to {_fmt(d['ci_high'])}"
            share = "-" if d["share_lower"] is None else f"{d['share_lower']:.0%} of reps"
            table.add_row("", name, _fmt(s["mean"]), ci, _fmt(d["mean"]), dci, share)
    out_console.print(table)
    _print_freed_and_widening(data)
    out_console.print(data["paired_differences"], markup=False)
    if "stopping" in data:
        out_console.print(
            f"replications: {data['stopping']['replications']} ({data['stopping']['reason']})", markup=False
        )
    out_console.print(f"results: {folder}", markup=False)
    out_console.print(NOTICE, markup=False)


def _print_freed_and_widening(data: dict) -> None:
    """Sitting days freed a year (and their share of national capacity); what those diverted met under the base."""
    for name, days in data.get("sitting_days_freed", {}).items():
        parts = []
        for prefix, label in (("court.crown", "Crown Court"), ("court.magistrates", "magistrates' courts")):
            d, sh = (
                days[f"{prefix}.sitting_days_freed_per_year"],
                days[f"{prefix}.sitting_days_freed_share_of_capacity"],
            )
            if d["mean"] is not None:
                ci = "" if d["ci_low"] is None else f" ({_fmt(d['ci_low'])} to {_fmt(d['ci_high'])})"
                parts.append(f"{label} {_fmt(d['mean'])}{ci} a year, {sh['mean']:.2%} of its capacity")
        out_console.print(f"sitting days freed by {name} against {data['base']}: " + "; ".join(parts), markup=False)
    for name, nw in data.get("net_widening", {}).items():
        shares = ", ".join(f"{fate} {v['mean']:.0%}" for fate, v in nw["under_base"].items() if v["mean"])
        out_console.print(
            f"of the {_fmt(nw['diverted']['mean'])} detections {name} diverted, under {data['base']}: {shares}",
            markup=False,
        )


@app.command()
def robustness(
    base: Annotated[str, typer.Argument(help="The base scenario (file or shipped name).")],
    other: Annotated[str, typer.Argument(help="The scenario compared with the base.")],
    factor: Annotated[
        list[str],
        typer.Option("--factor", help="A structural factor to vary: NAME or NAME=LOW:HIGH (repeatable; default: all)."),
    ] = [],
    corners: Annotated[
        bool, typer.Option("--corners", help="Also every capacity low together, and every capacity high together.")
    ] = False,
    reps: Annotated[
        str | None, typer.Option("--reps", help="Paired replications at each point (default: the base's).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Master seed for every point (default: the base's).")
    ] = None,
    years: Annotated[float | None, typer.Option("--years", help="Horizon in years for every point.")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter in both scenarios: KEY=VALUE.")] = [],
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    executor: Annotated[str, typer.Option("--executor", help="processes or dask.")] = "processes",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder (default results/robustness-<base>-<other>-<timestamp>).")
    ] = None,
    report_: Annotated[bool, typer.Option("--report", help="Also write report.html with its figures.")] = False,
) -> None:
    """The paired policy difference at each structural factor's low and high setting: its range, and whether
    its sign changes."""
    check_executor(executor, workers, scheduler)
    if reps == "auto":
        fail("--reps: robustness runs a fixed number of replications at every point (got 'auto')")
    n = _reps(reps)
    factors = R.parse_factors(factor)
    base_sc = load_scenario(base, _overrides(seed, years, set_))
    n_all = n if n is not None else base_sc.run.replications
    if n_all < 2:
        fail(f"--reps: a confidence interval needs at least 2 replications (got {n_all})")
    common = _overrides(base_sc.run.seed if seed is None else seed, years, set_) + [f"run.replications={n_all}"]
    scenarios = [load_scenario(name, common) for name in (base, other)]
    names = unique_names([sc.name for sc in scenarios])
    plan = R.plan(scenarios, names, factors, corners)
    folder = out if out is not None else default_folder(f"robustness-{names[0]}-{names[1]}")
    bar = _Progress("replications", len(plan.unique) * n_all)
    try:
        ex = _executor(executor, workers, scheduler)
        with ex_closing(ex):
            data = R.run(plan, n_all, corners, folder, ex, progress=bar.update)
    except KeyboardInterrupt:
        bar.close()
        err_console.print(f"interrupted: a robustness run does not resume; {folder} is incomplete", markup=False)
        raise typer.Exit(130) from None
    bar.close()
    _print_robustness(data, folder)
    if report_:
        _report(folder, None)


def _print_robustness(data: dict, folder: Path) -> None:
    """One row per headline difference: the base point's difference, its range over the points, and the flag."""
    table = Table(
        title=f"{data['other']} vs {data['base']}: {len(data['points'])} points, {data['replications']} paired "
        "replications each (differences: other - base; days freed: base - other)",
        title_justify="left",
    )
    for col, justify in (
        ("difference", "left"),
        ("base point", "right"),
        ("95% CI", "right"),
        ("range of mean", "right"),
        ("range of CIs", "right"),
        ("FLAG", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for key, m in data["metrics"].items():
        b = m["base"]
        ci = "-" if b["ci_low"] is None else f"{R.number(b['ci_low'])} to {R.number(b['ci_high'])}"
        flag = {R.FLIP: "SIGN FLIP", R.WEAK: "weak"}.get(m["flag"], "")
        table.add_row(
            key,
            R.number(b["mean"]),
            ci,
            f"{R.number(m['mean_min'])} to {R.number(m['mean_max'])}",
            f"{R.number(m['ci_low_min'])} to {R.number(m['ci_high_max'])}",
            flag,
        )
    out_console.print(table)
    for key in data["flagged"]:
        out_console.print(f"SIGN FLIP: {key}: {R.detail(data, key)}", markup=False)
    for key in data["weak"]:
        out_console.print(f"note: {key}: {R.where(data['metrics'][key])}", markup=False)
    out_console.print(data["flip_definition"] + (" " + data["weak_definition"] if data["weak"] else ""), markup=False)
    out_console.print(f"results: {folder}", markup=False)
    out_console.print(R.conclusion(data), markup=False)
    out_console.print(NOTICE, markup=False)


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="A sweep file (see scenarios/sweeps/).")],
    reps: Annotated[int | None, typer.Option("--reps", help="Replications per point (overrides the file's).")] = None,
    samples: Annotated[int | None, typer.Option("--samples", help="Points to sample (overrides the file's).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    executor: Annotated[str, typer.Option("--executor", help="processes or dask.")] = "processes",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Sweep folder (default results/<sweep>-<timestamp>).")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted sweep in --out.")] = False,
    analyze_: Annotated[
        str | None, typer.Option("--analyze", help="sobol or morris: analyse sensitivity when done.")
    ] = None,
) -> None:
    """Run a parameter sweep (grid, Latin hypercube, Sobol', Saltelli or Morris design)."""
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    if analyze_ is not None and analyze_ not in ("sobol", "morris"):
        fail(f"--analyze: must be sobol or morris (got {analyze_!r})")
    check_executor(executor, workers, scheduler)
    overrides = {"reps": reps, "samples": samples, **({"analyze": analyze_} if analyze_ else {})}
    sweep_spec = load_sweep(spec, overrides)
    plan = SweepPlan(sweep_spec, spec)
    folder = out if out is not None else default_folder(sweep_spec.name)
    bar = _Progress("tasks", plan.design.tasks)
    try:
        ex = _executor(executor, workers, scheduler)
        with ex_closing(ex):
            summary = run_sweep(plan, folder, ex, resume=resume, progress=bar.update)
    except KeyboardInterrupt:
        bar.close()
        err_console.print(
            f"interrupted: finished tasks are saved in {folder}; continue with --resume --out {folder}", markup=False
        )
        raise typer.Exit(130) from None
    bar.close()
    out_console.print(
        f"{sweep_spec.name}: {len(plan.design.values)} points, {summary['done']} of {summary['tasks']} "
        f"tasks done, {summary['failed']} failed",
        markup=False,
    )
    for f in summary["failures"][:10]:
        out_console.print(f"  failed: point {f['point']} replication {f['replication']}: {f['error']}", markup=False)
    if sweep_spec.analyze:
        _sensitivity(folder, sweep_spec.analyze, None)
    out_console.print(f"results: {folder}", markup=False)
    out_console.print(NOTICE, markup=False)


@app.command()
def sensitivity(
    folder: Annotated[Path, typer.Argument(help="A finished sweep folder (saltelli or morris design).")],
    method: Annotated[str | None, typer.Option("--method", help="sobol or morris (default: the design's).")] = None,
    metric: Annotated[list[str], typer.Option("--metric", help="Metrics to analyse (default: the sweep file's).")] = [],
) -> None:
    """Sobol' indices or Morris mu*/sigma for each metric, ranked by influence."""
    if method is not None and method not in ("sobol", "morris"):
        fail(f"--method: must be sobol or morris (got {method!r})")
    bad = [m for m in metric if m not in HEADLINE]
    if bad:
        fail(f"--metric: '{bad[0]}' is not a headline metric")
    _sensitivity(folder, method, metric or None)
    out_console.print(NOTICE, markup=False)


def _sensitivity(folder: Path, method: str | None, metrics: list[str] | None) -> None:
    check_sweep_store(folder)
    try:
        used, rows, notes = analyze(folder, method, metrics)
    except SensitivityError as exc:
        fail(str(exc))
    paths = write_sensitivity(folder, used, rows)
    for path in paths:
        if path.suffix == ".parquet":
            stamp_parquet(path)
    key = "ST" if used == "sobol" else "mu_star"
    table = Table(title=f"{used} sensitivity: top influences on each metric (95% CI)", title_justify="left")
    for col in ("metric", "rank", "input", key, "95% CI") + (("S1",) if used == "sobol" else ("sigma",)):
        table.add_column(col, justify="left" if col in ("metric", "input") else "right")
    for r in rows:
        if r["rank"] > 4:
            continue
        other = r["S1"] if used == "sobol" else r["sigma"]
        table.add_row(
            r["metric"] if r["rank"] == 1 else "",
            str(r["rank"]),
            r["factor"],
            f"{r[key]:.3g}",
            f"{r[key + '_ci_low']:.3g} to {r[key + '_ci_high']:.3g}",
            f"{other:.3g}",
        )
    out_console.print(table)
    for note in notes:
        out_console.print(f"  {note}", markup=False)
    for p in paths:
        out_console.print(f"wrote {p}", markup=False)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A finished run, comparison or sweep folder.")],
    out: Annotated[Path | None, typer.Option("--out", help="The report file (default FOLDER/report.html).")] = None,
) -> None:
    """A self-contained HTML report with figures (also saved as PNG and SVG beside it)."""
    _report(folder, out)


def _report(folder: Path, out: Path | None) -> None:
    from sim.reports.report import ReportError
    from sim.reports.report import write as write_report

    try:
        path = write_report(folder, out)
    except ReportError as exc:
        fail(str(exc))
    out_console.print(f"report: {path} (figures in {path.parent / 'figures'})", markup=False)


@app.command(name="calibrate-check")
def calibrate_check(
    scenario: Annotated[str, typer.Argument(help="A scenario file or shipped name.")],
    targets_file: Annotated[Path, typer.Argument(help="A targets file (e.g. scenarios/targets/2018.toml).")],
    reps: Annotated[int | None, typer.Option("--reps", help="Replications (default: the targets file's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Master seed (overrides run.seed).")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: KEY=VALUE (repeatable).")] = [],
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for checks.json and checks.csv.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if a held-out target is missed too.")] = False,
) -> None:
    """Compare a scenario with published figures: the fit targets and the held-out ones.

    Exits 0 when every fit target is met (with --strict, every held-out one too) and 1 otherwise;
    held-out targets are always reported, so a miss on a figure the model was not fitted to shows."""
    check_executor("processes", workers, None)
    tg = load_targets(targets_file)
    n = _target_reps(reps, tg.replications)
    sc = load_scenario(scenario, _overrides(seed, tg.years, set_))
    check(tg, [], sc.run.start_date, sc.run.months, str(targets_file))  # every span inside the run, before any work
    folder = out if out is not None else default_folder(f"calibrate-check-{sc.name}")
    prepare_folder(folder, resume=False)
    ex = _executor("processes", workers, None)
    with ex_closing(ex):
        results = replicate(sc, n, ex, keep_monthly=tg.needs_monthly)
    checks = check(tg, results, sc.run.start_date, sc.run.months, str(targets_file))
    _print_checks(f"{sc.name} against {tg.name}: {n} replications over {tg.years:g} reported years", checks)
    written = write_checks(folder, sc, targets_file, tg, checks, n)
    out_console.print(f"wrote {written} (report: divertsim report {folder})", markup=False)
    missed = [c for c in checks if not c.within and (strict or c.target.role == "fit")]
    if missed:
        raise typer.Exit(1)


def _target_reps(reps: int | None, default: int) -> int:
    """``--reps`` for a targets check or fit, or the targets file's own number."""
    n = _reps(str(reps), MAX_TARGET_REPS) if reps is not None else default
    assert n is not None  # a number was given, so it is not 'auto'
    return n


def _print_checks(title: str, checks) -> None:
    table = Table(title=title, title_justify="left")
    for col in ("target", "role", "compared with", "model mean", "95% CI", "target band", "unit", "met"):
        table.add_column(col, justify="right" if col in ("model mean", "95% CI", "target band") else "left")
    for role in ("fit", "holdout"):
        for c in (c for c in checks if c.target.role == role):
            ci = "-" if c.ci_low is None else f"{_fmt(c.ci_low)} to {_fmt(c.ci_high)}"
            table.add_row(
                c.name,
                role,
                c.target.compared,
                _fmt(c.mean),
                ci,
                c.target.shown,
                c.target.unit,
                "yes" if c.within else "NO",
            )
    out_console.print(table)
    for c in checks:
        out_console.print(
            f"  {c.name}: {c.target.source}" + (f" Units: {c.target.units}" if c.target.units else ""), markup=False
        )
    for role, words in (("fit", "fit targets met"), ("holdout", "held-out targets met (never fitted)")):
        mine = [c for c in checks if c.target.role == role]
        if mine:
            out_console.print(f"{sum(c.within for c in mine)} of {len(mine)} {words}", markup=False)
    out_console.print(NOTICE, markup=False)


@app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="A scenario file or shipped name.")],
    targets_file: Annotated[Path, typer.Argument(help="A targets file (e.g. scenarios/targets/2018.toml).")],
    free: Annotated[
        list[str], typer.Option("--free", help="A parameter to fit: KEY or KEY=LOW:HIGH (repeatable).")
    ] = [],
    reps: Annotated[
        int | None, typer.Option("--reps", help="Replications per evaluation (default: the targets file's).")
    ] = None,
    max_evals: Annotated[int, typer.Option("--max-evals", help="Most evaluations of the objective.")] = 60,
    seed: Annotated[int | None, typer.Option("--seed", help="Master seed (overrides run.seed).")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: KEY=VALUE (repeatable).")] = [],
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for calibrated.toml and fit.json.")] = None,
) -> None:
    """Fit the named parameters to the targets and write the calibrated scenario with a record of the fit."""
    if not free:
        fail("--free: name at least one parameter to fit")
    if not 2 <= max_evals <= MAX_EVALS:
        fail(f"--max-evals: must be between 2 and {MAX_EVALS:,}")
    check_executor("processes", workers, None)
    tg = load_targets(targets_file)
    n = _target_reps(reps, tg.replications)
    path = resolve(scenario)
    overrides = _overrides(seed, tg.years, set_)
    sc = load_scenario(str(path), overrides)
    params = [parse_free(f, sc) for f in free]
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        fail(f"--free: {next(k for k in keys if keys.count(k) > 1)} is named twice")
    check(tg, [], sc.run.start_date, sc.run.months, str(targets_file))  # every span inside the run, before any work
    if not any(t.role == "fit" for t in tg.targets.values()):
        fail(f'{targets_file}: no target has role = "fit": there is nothing to calibrate to')
    raw = raw_scenario(path, overrides)
    folder = out if out is not None else default_folder(f"calibrate-{sc.name}")
    prepare_folder(folder, resume=False)
    ex = _executor("processes", workers, None)
    bar = _Progress("evaluations", max_evals)
    with ex_closing(ex):
        result = fit(
            raw,
            str(path),
            tg,
            params,
            n,
            ex,
            max_evals,
            progress=lambda i, v: bar.update(i, max_evals),
            targets_path=targets_file,
        )
    bar.close()
    written = write_fit(folder, raw, path, targets_file, tg, result, n, sc.run.seed)
    for key, value in result.values.items():
        out_console.print(f"{key} = {value:.6g}", markup=False)
    _print_checks(
        f"calibrated {sc.name} against {tg.name}: {n} replications, {result.evaluations} evaluations", result.checks
    )
    out_console.print(f"wrote {written} and {folder / 'fit.json'}", markup=False)


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


@functools.cache
def _command() -> Any:  # Typer's command, of the Click that Typer carries
    """The command line as Click sees it, built once (Typer rebuilds it from every function's
    signature on each call, which is most of the cost of a call that only refuses an argument)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every user error becomes one line on standard error and exit status 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = _command().main(args=args or ["--help"], standalone_mode=False, prog_name="divertsim")
    except (ScenarioError, RunFolderError, IdentityError, StoreDamaged) as exc:
        err_console.print(f"error: {shorten(printable(str(exc)), 2000)}", markup=False)
        return 2
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message()
        if message:
            err_console.print(f"error: {shorten(printable(' '.join(message.split())), 2000)}", markup=False)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted", markup=False)
        return 130
    except StoreError as exc:
        err_console.print(f"error: {exc}", markup=False)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(f"error: {shorten(printable(f'{where}{exc.strerror or exc}'), 2000)}", markup=False)
        return 1
    return result if isinstance(result, int) else 0


def console() -> None:  # pragma: no cover - the installed script
    sys.exit(main())
