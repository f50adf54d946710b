"""``run``, ``compare`` and ``robustness``: each calls :mod:`sim.api` and prints what it returns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from sim import NOTICE, api
from sim.cli import tables
from sim.cli.app import out_console, say, warn
from sim.cli.arguments import MAX_EVENTS, backend, reps_number
from sim.cli.errors import fail
from sim.cli.options import (
    Executor,
    MaxReps,
    Metrics,
    Out,
    OutputFormat,
    Precision,
    Report,
    Reps,
    Resume,
    Scheduler,
    Seed,
    Sets,
    Workers,
    Years,
)
from sim.cli.progress import resumable, working
from sim.experiments import robustness as R
from sim.experiments.replications import DEFAULT_MAX_REPS, DEFAULT_PRECISION
from sim.inputs.names import overrides_label
from sim.results.metrics import ADDED_LOAD, HEADLINE
from sim.results.numbers import number
from sim.results.stats import summarise

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


def run(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or the name of a shipped scenario (see `divertsim list`).")
    ],
    reps: Reps = None,
    precision: Precision = DEFAULT_PRECISION,
    max_reps: MaxReps = DEFAULT_MAX_REPS,
    seed: Seed = None,
    years: Years = None,
    set_: Sets = [],
    workers: Workers = None,
    executor: Executor = "processes",
    scheduler: Scheduler = None,
    out: Out = None,
    resume: Resume = False,
    report_: Report = False,
    metrics: Metrics = [],
    format_: OutputFormat = "table",
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
    fmt, rows = screen(format_, metrics)
    if event_log and event_log_format not in ("parquet", "csv"):
        fail(f"--event-log-format: must be parquet or csv (got {event_log_format!r})")
    if event_log and not 1 <= event_log_reps <= 100:
        fail("--event-log-reps: must be between 1 and 100")
    if event_log and not 1 <= event_log_max <= MAX_EVENTS:
        fail(f"--event-log-max-events: must be between 1 and {MAX_EVENTS:,}")
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    where = backend(executor, workers, scheduler)
    n: int | Literal["auto"] | None = "auto" if reps == "auto" else reps_number(reps)
    with working("replications", resumable("replications")) as progress:
        res = api.run(
            scenario, n, years, seed, set_, where, out, precision=precision, max_reps=max_reps, resume=resume,
            progress=progress, waiting=warn,
        )  # fmt: skip
    tell = say if fmt == "table" else warn
    print_run(res, rows, fmt)
    if res.stopping:
        tell(f"replications: {res.stopping['replications']} ({res.stopping['reason']})")
    if event_log:
        log = api.event_log(res, event_log_reps, "csv" if event_log_format == "csv" else "parquet", event_log_max)
        tell(f"event log: {log.path} ({log.rows:,} events{', cut at --event-log-max-events' if log.cut else ''})")
    if report_:
        print_report(api.report(res.folder), tell)


def screen(format_: str, metrics: list[str]) -> tuple[tables.Format, list[str]]:
    """Check ``--format`` and ``--metrics`` before anything runs; the format and the rows to print."""
    if format_ not in tables.FORMATS:
        fail(f"--format: must be one of {', '.join(tables.FORMATS)} (got {format_!r})")
    try:
        rows = tables.choose(metrics, HEADLINE, SCREEN_METRICS)
    except ValueError as exc:
        fail(str(exc))
    return format_, rows  # type: ignore[return-value]


def print_run(res: api.RunResult, metrics: list[str], fmt: tables.Format = "table") -> None:
    """The chosen metrics' means and CIs with their units, the run's warnings, the folder and the notice."""
    years = res.scenario.run.years
    summaries = {k: summarise(r.headline[k] for r in res.results) for k in metrics}
    title = (
        f"{res.scenario.name}{_with(res.overrides)}: {len(res.results)} replications, mean ± 95% CI half-width; "
        "totals are over "
        f"the {_years(years)} reported after the warm-up"
    )
    say(
        tables.render(
            tables.run_rows(res.scenario.name, summaries, years), fmt, title, _meta(res.folder, years, res.overrides)
        )
    )
    tell = say if fmt == "table" else warn
    for w in res.warnings:
        tell(f"warning: {w}")
    tell(f"results: {res.folder}")
    tell(NOTICE)


def _with(overrides: list[str]) -> str:
    return f" with {overrides_label(overrides)}" if overrides else ""


def _years(years: float) -> str:
    return f"{years:g} year" + ("" if years == 1 else "s")


def _meta(folder: Path, years: float, overrides: list[str]) -> dict[str, Any]:
    return {"folder": str(folder), "reported_years": years, "overrides": overrides}


def print_report(path: Path, tell: Callable[[str], None] = say) -> None:
    tell(f"report: {path} (figures in {path.parent / 'figures'})")


def compare(
    base: Annotated[str, typer.Argument(help="The base scenario (file or shipped name).")],
    others: Annotated[list[str], typer.Argument(help="Scenarios to compare with the base.")],
    reps: Reps = None,
    precision: Precision = DEFAULT_PRECISION,
    max_reps: MaxReps = DEFAULT_MAX_REPS,
    seed: Seed = None,
    years: Years = None,
    set_: Sets = [],
    workers: Workers = None,
    executor: Executor = "processes",
    scheduler: Scheduler = None,
    out: Out = None,
    resume: Resume = False,
    report_: Report = False,
    metrics: Metrics = [],
    format_: OutputFormat = "table",
) -> None:
    """Run scenarios on common random numbers and report paired differences against the base."""
    fmt, rows = screen(format_, metrics)
    if resume and out is None:
        fail("--resume needs --out naming the folder to continue")
    where = backend(executor, workers, scheduler)
    n: int | Literal["auto"] | None = "auto" if reps == "auto" else reps_number(reps)
    with working("replications", resumable("replications")) as progress:
        res = api.compare(
            base, *others, reps=n, years=years, seed=seed, overrides=set_, workers=where, out=out,
            precision=precision, max_reps=max_reps, resume=resume, progress=progress, waiting=warn,
        )  # fmt: skip
    print_comparison(res.data, res.folder, rows, res.runs[res.base].scenario.run.years, fmt, res.overrides)
    tell = say if fmt == "table" else warn
    for name, said in res.warnings.items():
        for w in said:
            tell(f"warning: {name}: {w}")
    if report_:
        print_report(api.report(res.folder), tell)


def print_comparison(
    data: dict[str, Any],
    folder: Path,
    metrics: list[str],
    years: float,
    fmt: tables.Format = "table",
    overrides: list[str] | None = None,
) -> None:
    """The chosen metrics of every scenario, with the paired differences from the base, then the days
    freed, the net-widening shares, how the replications were chosen, the folder and the notice."""
    names = data["scenarios"]
    title = (
        f"{' vs '.join(names)}{_with(overrides or [])}: {data['replications']} paired replications, mean ± 95% CI "
        "half-width; totals "
        f"are over the {_years(years)} reported after the warm-up"
    )
    say(
        tables.render(
            tables.comparison_rows(data, metrics, years),
            fmt,
            title,
            {**_meta(folder, years, overrides or []), "base": names[0]},
        )
    )
    tell = say if fmt == "table" else warn
    _print_freed_and_widening(data, tell)
    if fmt == "table":
        added = [m for m in ADDED_LOAD if m in data["metrics"]]
        say("")
        say(tables.render(tables.comparison_rows(data, added, years), fmt, ADDED_TITLE))
        _print_how_fast(data)
        _print_costs_by_year(data)
    tell(data["paired_differences"])
    if "stopping" in data:
        tell(f"replications: {data['stopping']['replications']} ({data['stopping']['reason']})")
    tell(f"results: {folder}")
    tell(NOTICE)


ADDED_TITLE = (
    "added load elsewhere and cost (the base, then each policy with its paired difference; written to added_load.csv)"
)

#: the series the printed "how fast" tables follow (comparison.json and the CSVs have them all)
HOW_FAST_SHOWN = ("court_receipts", "crown_sitting_days_used", "crown_backlog_end", "cost_gbp")


def _print_how_fast(data: dict[str, Any]) -> None:
    """Per policy: the long-run monthly effect and the months to half and nine tenths of it; then the
    difference in each reported year."""
    for name, speed in (data.get("how_fast") or {}).items():
        start = speed.get("policy_start_month", 0)
        say(f"how fast {name} acts against {data['base']} (months from the policy's start, month {start}; 95% CI):")
        say(f"  {'series':<26} {'effect a month':>16} {'to 50%':>15} {'to 90%':>15}")
        for series in HOW_FAST_SHOWN:
            t = speed["times"][series]
            e = t["long_run_effect_per_month"]
            cells = [_months(t[f"months_to_{p}pct"]) for p in (50, 90)]
            effect = tables.with_ci(e["mean"], e["ci_low"], e["ci_high"])
            say(f"  {series:<26} {effect:>16} {cells[0]:>15} {cells[1]:>15}")
        say(f"  difference by reported year ({name} - {data['base']}; flows: the year's total, stocks: its end):")
        years = sorted({r["year"] for r in speed["by_year"]})
        say("  " + f"{'series':<26}" + "".join(f"{'year ' + str(y):>13}" for y in years[:4]))
        for series in HOW_FAST_SHOWN:
            rows = {r["year"]: r for r in speed["by_year"] if r["series"] == series}
            say("  " + f"{series:<26}" + "".join(f"{tables.number_short(rows[y]['mean']):>13}" for y in years[:4]))
        if len(years) > 4:
            say(f"  (years 5-{years[-1]} in differences_by_year.csv)")


def _months(t: dict[str, Any]) -> str:
    if t["months"] is None:
        return "no clear effect"
    ci = "" if t["ci_low"] is None else f" ({t['ci_low']:.0f}-{t['ci_high']:.0f})"
    return f"{t['months']:.0f}{ci}"


def _print_costs_by_year(data: dict[str, Any]) -> None:
    """The cost of each reported year, and each policy's paired difference from the base (its net cost)."""
    rows = data.get("costs_by_year") or []
    if not rows:
        return
    names = data["scenarios"]
    say(f"cost by reported year, GBP, undiscounted (paired difference from {names[0]}: the net cost; - is a saving)")
    say(f"  {'year':<9} {names[0][:20]:>20} " + " ".join(f"{n[:24]:>24}" for n in names[1:]))
    for row in rows:
        year = f"{row['year']}" + (f" ({row['months']} mo)" if row["months"] < 12 else "")
        base = tables.with_ci(row[names[0]]["mean"], row[names[0]]["ci_low"], row[names[0]]["ci_high"])
        diffs = [
            tables.with_ci(row[n]["diff"]["mean"], row[n]["diff"]["ci_low"], row[n]["diff"]["ci_high"])
            for n in names[1:]
        ]
        say(f"  {year:<9} {base:>20} " + " ".join(f"{d:>24}" for d in diffs))


def _print_freed_and_widening(data: dict[str, Any], tell: Callable[[str], None] = say) -> None:
    """Sitting days freed a year (and their share of national capacity); what those diverted met under the base."""
    for name, days in data.get("sitting_days_freed", {}).items():
        parts = []
        for prefix, label in (("court.crown", "Crown Court"), ("court.magistrates", "magistrates' courts")):
            d, sh = (
                days[f"{prefix}.sitting_days_freed_per_year"],
                days[f"{prefix}.sitting_days_freed_share_of_capacity"],
            )
            if d["mean"] is not None:
                ci = "" if d["ci_low"] is None else f" ({number(d['ci_low'])} to {number(d['ci_high'])})"
                parts.append(f"{label} {number(d['mean'])}{ci} a year, {sh['mean']:.2%} of its capacity")
        tell(f"sitting days freed by {name} against {data['base']}: " + "; ".join(parts))
    for name, nw in data.get("net_widening", {}).items():
        shares = ", ".join(f"{fate} {v['mean']:.0%}" for fate, v in nw["under_base"].items() if v["mean"])
        tell(f"of the {number(nw['diverted']['mean'])} detections {name} diverted, under {data['base']}: {shares}")


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
    reps: Reps = None,
    seed: Seed = None,
    years: Years = None,
    set_: Sets = [],
    workers: Workers = None,
    executor: Executor = "processes",
    scheduler: Scheduler = None,
    out: Out = None,
    report_: Report = False,
) -> None:
    """The paired policy difference at each structural factor's low and high setting: its range, and whether
    its sign changes."""
    where = backend(executor, workers, scheduler)
    if reps == "auto":
        fail("--reps: robustness runs a fixed number of replications at every point (got 'auto')")
    n = reps_number(reps)
    with working("replications", lambda folder: f"a robustness run does not resume; {folder} is incomplete") as bar:
        res = api.robustness(base, other, factor, corners, n, years, seed, set_, where, out, progress=bar)
    print_robustness(res.data, res.folder)
    if report_:
        print_report(api.report(res.folder))


def print_robustness(data: dict[str, Any], folder: Path) -> None:
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
        say(f"SIGN FLIP: {key}: {R.detail(data, key)}")
    for key in data["weak"]:
        say(f"note: {key}: {R.where(data['metrics'][key])}")
    say(data["flip_definition"] + (" " + data["weak_definition"] if data["weak"] else ""))
    say(f"results: {folder}")
    say(R.conclusion(data))
    say(NOTICE)
