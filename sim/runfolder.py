"""A run from start to finished folder: store, replications, tables; resumable after a kill.

The folder's SQLite store is the record of truth while a run is under way: each replication is
committed as it finishes. The tables are written from the store at the end, so a run that was
killed and resumed ends with exactly the files an uninterrupted run would have written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .calendar import Calendar
from .loading import effective_dict, scenario_hash
from .metrics import RepResult
from .output import manifest, write_json, write_tables
from .runner import execute
from .scenario import Scenario
from .store import STORE_NAME, Store, StoreError

LOCK_NAME = ".lock"


class RunFolderError(Exception):
    """The output folder cannot be used as asked (exists, locked, or belongs to another run)."""


def default_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario.name}-{stamp}"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two runs never write the same store."""
    fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunFolderError(f"{folder}: another run is writing to this folder") from None
        yield
    finally:
        os.close(fd)


def prepare(folder: Path, resume: bool) -> None:
    if folder.exists() and not resume:
        if any(folder.iterdir()):
            raise RunFolderError(f"{folder}: folder exists; use --resume to continue it or choose another --out")
    if resume and not (folder / STORE_NAME).exists():
        raise RunFolderError(f"{folder}: nothing to resume (no {STORE_NAME})")
    folder.mkdir(parents=True, exist_ok=True)


def remove_partial_files(folder: Path) -> None:
    """Temporary files a killed run was writing when it died (never read, always rewritten)."""
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def run_to_folder(
    scenario: Scenario,
    folder: Path,
    workers: int,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[RepResult]:
    """Run every replication the scenario asks for into ``folder`` and write its tables."""
    prepare(folder, resume)
    data = effective_dict(scenario)
    digest = scenario_hash(scenario)
    seed = scenario.run.seed
    n_reps = scenario.run.replications
    with folder_lock(folder):
        remove_partial_files(folder)
        try:
            store = Store(folder / STORE_NAME)
        except StoreError as exc:
            raise RunFolderError(str(exc)) from None
        with store:
            meta = store.get_meta()
            if "scenario_hash" in meta:
                if meta["scenario_hash"] != digest:
                    raise RunFolderError(
                        f"{folder}: holds a run of a different scenario or seed (hash {meta['scenario_hash']}, "
                        f"now {digest}); resume with the same scenario and options")
            else:
                store.set_meta({"kind": "run", "scenario_hash": digest, "seed": str(seed),
                                "replications": str(n_reps), "scenario": json.dumps(data)})
            t0 = time.perf_counter()
            write_json(folder / "manifest.json", manifest(data, digest, seed, n_reps, "running", None))
            done = {rep for point, rep in store.done() if point == 0}
            todo = [r for r in range(n_reps) if r not in done]
            finished = len(done)
            if progress:
                progress(finished, n_reps)

            def keep(result: RepResult) -> None:
                nonlocal finished
                store.put(0, result)
                finished += 1
                if progress:
                    progress(finished, n_reps)

            execute(scenario, todo, seed, workers, keep)
            results = [r for r in store.results(0) if r.replication < n_reps]
            cal = Calendar(scenario.run.start_date, scenario.run.months)
            write_tables(folder, results, cal, scenario.run.warmup_months)
            runtime = sum(r.runtime_s for r in results)
            write_json(folder / "manifest.json",
                       manifest(data, digest, seed, n_reps, "complete", round(time.perf_counter() - t0, 3),
                                {"cpu_seconds_in_replications": round(runtime, 3)}))
    return results

