"""A run from start to finished folder: store, replications, tables; resumable after a kill.

The folder's SQLite store is the record of truth while a run is under way: each replication is
committed as it finishes. The tables are written from the store at the end, so a run that was
killed and resumed ends with exactly the files an uninterrupted run would have written.
Replications can be added in rounds (``--reps auto``) before the folder is finished.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Callable

from .calendar import Calendar
from .diagnostics import warnings as run_warnings
from .executors import Executor, Task
from .loading import effective_dict, scenario_hash
from .metrics import HEADLINE, RepResult
from .output import manifest, write_json, write_tables
from .replications import Decision, StoppingRule
from .scenario import Scenario
from .store import STORE_NAME, Store, StoreError

LOCK_NAME = ".lock"

Progress = Callable[[int, int], None]


class RunFolderError(Exception):
    """The output folder cannot be used as asked (exists, locked, or belongs to another run)."""


def default_folder(name: str, root: Path = Path("results")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{name}-{stamp}"


def remove_partial_files(folder: Path) -> None:
    """Temporary files a killed run was writing when it died (never read, always rewritten)."""
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def prepare_folder(folder: Path, resume: bool) -> None:
    """Refuse a folder in use for something else; create it; clear a killed run's partial files."""
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder}: exists and is not a folder")
    if folder.exists() and not resume and any(folder.iterdir()):
        raise RunFolderError(f"{folder}: folder exists; use --resume to continue it or choose another --out")
    if resume and not (folder / STORE_NAME).exists():
        raise RunFolderError(f"{folder}: nothing to resume (no {STORE_NAME})")
    folder.mkdir(parents=True, exist_ok=True)


class FolderLock:
    """An exclusive lock on a folder, so that two runs never write the same store."""

    def __init__(self, folder: Path) -> None:
        self.fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise RunFolderError(f"{folder}: another run is writing to this folder") from None

    def release(self) -> None:
        os.close(self.fd)


class RunFolder:
    """One scenario's run folder, open for adding replications until :meth:`finish`."""

    def __init__(self, scenario: Scenario, folder: Path, resume: bool = False) -> None:
        prepare_folder(folder, resume)
        self.scenario = scenario
        self.folder = folder
        self.data = effective_dict(scenario)
        self.digest = scenario_hash(scenario)
        self.seed = scenario.run.seed
        self.json = scenario.model_dump_json(by_alias=True)
        self.failures: dict[int, str] = {}
        self._lock = FolderLock(folder)
        try:
            remove_partial_files(folder)
            try:
                self.store = Store(folder / STORE_NAME)
            except StoreError as exc:
                raise RunFolderError(str(exc)) from None
            meta = self.store.get_meta()
            if "scenario_hash" in meta and meta["scenario_hash"] != self.digest:
                self.store.close()
                raise RunFolderError(
                    f"{folder}: holds a run of a different scenario or seed (hash {meta['scenario_hash']}, "
                    f"now {self.digest}); resume with the same scenario and options")
            if "scenario_hash" not in meta:
                self.store.set_meta({"kind": "run", "scenario_hash": self.digest, "seed": str(self.seed),
                                     "scenario": json.dumps(self.data)})
            write_json(folder / "manifest.json", manifest(self.data, self.digest, self.seed, None, "running", None))
        except BaseException:
            self._lock.release()
            raise
        self._t0 = time.perf_counter()

    def done(self) -> set[int]:
        return {rep for point, rep in self.store.done() if point == 0}

    def run(self, reps: list[int], executor: Executor, progress: Progress | None = None, total: int | None = None) -> None:
        """Run the replications in ``reps`` not yet in the store, committing each as it finishes."""
        done = self.done()
        todo = [r for r in reps if r not in done]
        finished = len(done)
        total = total if total is not None else len(set(reps) | done)
        if progress:
            progress(finished, total)

        def keep(task: Task, result: RepResult) -> None:
            nonlocal finished
            self.store.put(0, result)
            finished += 1
            if progress:
                progress(finished, total)

        def failed(task: Task, message: str) -> None:
            self.store.put_failure(0, task.rep, message)
            self.failures[task.rep] = message

        executor.run((Task(0, r, self.seed, self.json) for r in todo), keep, failed)
        if self.failures:
            rep, message = min(self.failures.items())
            raise RunFolderError(f"{self.folder}: replication {rep} failed: {message}")

    def results(self, n: int) -> list[RepResult]:
        """The first ``n`` replications, in order."""
        return [r for r in self.store.results(0) if r.replication < n]

    def series(self, n: int, metrics: tuple[str, ...] = HEADLINE) -> dict[str, list[float]]:
        results = self.results(n)
        return {k: [r.headline[k] for r in results] for k in metrics}

    def finish(self, n: int, extra: dict | None = None) -> list[RepResult]:
        """Write the tables and the final manifest from the first ``n`` replications."""
        results = self.results(n)
        cal = Calendar(self.scenario.run.start_date, self.scenario.run.months)
        write_tables(self.folder, results, cal, self.scenario.run.warmup_months)
        cpu = sum(r.runtime_s for r in results)
        write_json(self.folder / "manifest.json",
                   manifest(self.data, self.digest, self.seed, len(results), "complete",
                            round(time.perf_counter() - self._t0, 3),
                            {"cpu_seconds_in_replications": round(cpu, 3), "warnings": run_warnings(results),
                             **(extra or {})}))
        return results

    def close(self) -> None:
        self.store.close()
        self._lock.release()

    def __enter__(self) -> "RunFolder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_fixed(scenario: Scenario, folder: Path, executor: Executor, resume: bool = False,
              progress: Progress | None = None) -> list[RepResult]:
    """A run with the scenario's number of replications."""
    n = scenario.run.replications
    with RunFolder(scenario, folder, resume) as rf:
        rf.run(list(range(n)), executor, progress, total=n)
        return rf.finish(n)


def run_auto(folders: list[RunFolder], rule: StoppingRule, executor: Executor,
             progress: Progress | None = None) -> Decision:
    """Add replications to every folder in rounds until the stopping rule holds for all of them.

    Every folder gets the same replications, so compared scenarios stay paired. The decision uses
    the values in replication order, so it does not depend on the number of workers.
    """
    n_have = min((_prefix(f.done()) for f in folders), default=0)
    while True:
        decision = _decide(folders, rule, n_have)
        if decision.stop:
            return decision
        n_next = n_have + rule.next_batch(n_have, executor.workers)
        for f in folders:
            f.run(list(range(n_next)), executor, progress, total=n_next)
        n_have = n_next


def _prefix(done: set[int]) -> int:
    """How many replications 0, 1, 2, ... are all present."""
    n = 0
    while n in done:
        n += 1
    return n


def _decide(folders: list[RunFolder], rule: StoppingRule, n: int) -> Decision:
    series: dict[str, list[float]] = {}
    for f in folders:
        for key, values in f.series(n).items():
            series[f"{f.scenario.name}: {key}" if len(folders) > 1 else key] = values
    if n == 0:
        return Decision(False, 0, "no replications yet")
    return rule.decide(series)
