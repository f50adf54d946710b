"""Checks of command-line options that say how to run (workers, back end, limits), made before
anything is loaded, started or created: a bad option never leaves a folder or a process behind."""

from __future__ import annotations

import re

from sim.api import Backend
from sim.errors import ScenarioError
from sim.experiments.executors import default_workers
from sim.experiments.replications import MAX_REPS

#: most evaluations ``calibrate --max-evals`` may ask for
MAX_EVALS = 10_000
#: most rows ``--event-log-max-events`` may ask for (a national ten-year replication has ~1.2 million)
MAX_EVENTS = 100_000_000

_SCHEDULER = re.compile(
    r"^(?:(?:tcp|tls|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))"
    r"(?::(\d{1,5}))?$"
)


def max_workers() -> int:
    """More worker processes than this only adds memory: four per core, and never fewer than eight."""
    return max(8, 4 * default_workers())


def check_scheduler(address: str) -> None:
    """A Dask scheduler address: ``[tcp://]HOST[:PORT]`` (or tls, ws, wss), port 1 to 65535."""
    match = _SCHEDULER.match(address)
    if match is None or (match[1] is not None and not 1 <= int(match[1]) <= 65535):
        raise ScenarioError(
            "--scheduler", None, f"not a scheduler address such as tcp://127.0.0.1:8786 (got {address!r})"
        )


def reps_number(reps: str | None, most: int = MAX_REPS, auto: bool = True) -> int | None:
    """``--reps``: a whole number from 1 to ``most``, or (where ``auto`` is allowed) ``auto``, returned
    as None like an absent ``--reps``: the command then asks for the stopping rule or the default."""
    if reps is None or (auto and reps == "auto"):
        return None
    if not reps.strip().lstrip("+-").isdigit() or len(reps) > 20:
        words = "a whole number or 'auto'" if auto else "a whole number"
        raise ScenarioError("--reps", None, f"must be {words} (got {reps!r})")
    n = int(reps)
    if not 1 <= n <= most:
        raise ScenarioError(
            "--reps", None, f"must be between 1 and {most:,} (got {n:,})" if n >= 1 else f"must be at least 1 (got {n})"
        )
    return n


def backend(kind: str, workers: int | None, scheduler: str | None) -> Backend:
    """``--executor``, ``--workers`` and ``--scheduler``, checked, as the API's back end. The command's
    entry point is guarded, so local workers are spawned (nothing is inherited by accident)."""
    check_executor(kind, workers, scheduler)
    return Backend("dask" if kind == "dask" else "processes", workers, scheduler, start_method="spawn")


def check_executor(kind: str, workers: int | None, scheduler: str | None) -> None:
    """``--executor``, ``--workers`` and ``--scheduler`` as a whole."""
    if kind not in ("processes", "dask"):
        raise ScenarioError("--executor", None, f"must be processes or dask (got {kind!r})")
    if workers is not None and workers < 1:
        raise ScenarioError("--workers", None, f"must be at least 1 (got {workers})")
    if workers is not None and workers > max_workers():
        raise ScenarioError(
            "--workers", None, f"at most {max_workers()} on this machine of {default_workers()} cores (got {workers:,})"
        )
    if scheduler is not None:
        if kind != "dask":
            raise ScenarioError("--scheduler", None, "only with --executor dask")
        check_scheduler(scheduler)
