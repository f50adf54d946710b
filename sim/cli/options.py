"""The options that several commands share, each declared once here: a command names the alias
(``workers: Workers = None``) and so every command spells, types and explains it the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Reps = Annotated[
    str | None,
    typer.Option(
        "--reps",
        help="Replications (default: the scenario's, sweep file's or targets file's); for run and compare, "
        "'auto' adds them until every headline metric's 95% CI is within --precision.",
    ),
]
Precision = Annotated[float, typer.Option("--precision", help="Relative CI half-width for --reps auto.")]
MaxReps = Annotated[int, typer.Option("--max-reps", help="Most replications --reps auto may run.")]
Seed = Annotated[
    int | None, typer.Option("--seed", help="Master seed (overrides run.seed; with several scenarios: the base's).")
]
Years = Annotated[
    float | None, typer.Option("--years", help="Horizon in years (overrides run.years, in every scenario).")
]
Sets = Annotated[
    list[str], typer.Option("--set", help="Override a parameter, in every scenario: KEY=VALUE (repeatable).")
]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]
Executor = Annotated[str, typer.Option("--executor", help="processes or dask.")]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
]
Out = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Where to write: the folder (default results/<name>-<timestamp>), or for report the file "
        "(default FOLDER/report.html), for new the scenario file (default scenarios/NAME.toml).",
    ),
]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the interrupted run, comparison or sweep in --out.")]
Report = Annotated[bool, typer.Option("--report", help="Also write report.html with its figures.")]
Metrics = Annotated[
    list[str],
    typer.Option(
        "--metrics",
        help="Rows to print: metric names or shell patterns such as 'court.crown.*' (comma-separated or "
        "repeated; default: the main court, forensic and scheme figures; '*' for all).",
    ),
]
OutputFormat = Annotated[
    str,
    typer.Option("--format", help="table (for reading), csv or json (for piping: only the data on standard output)."),
]
