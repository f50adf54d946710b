"""A run from start to finished folder: store, replications, tables; resumable after a kill.

The folder's SQLite store is the record of truth while a run is under way: each replication is
committed as it finishes. The tables are written from the store at the end, so a run that was
killed and resumed ends with exactly the files an uninterrupted run would have written.
Replications can be added in rounds (``--reps auto``) before the folder is finished.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.engine.calendar import Calendar
from sim.experiments.executors import Executor, Task
from sim.experiments.replications import Decision, StoppingRule
from sim.inputs.loading import effective_dict, scenario_hash
from sim.inputs.names import inside
from sim.inputs.scenario import Scenario
from sim.results import manifests
from sim.results.diagnostics import warnings as run_warnings
from sim.results.identity import KINDS, Identity, IdentityError, other_kind
from sim.results.manifests import (
    MANIFEST_NAME,
    ComparedManifest,
    ComparisonManifest,
    Manifest,
    RunManifest,
    Status,
    StoreMeta,
)
from sim.results.metrics import HEADLINE, RepResult
from sim.results.output import write_tables
from sim.results.store import STORE_NAME, Store, StoreDamaged, StoreError
from sim.results.warmup import of_scenario
from sim.results.warmup import summary as warmup_summary

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


def holds_nothing(folder: Path) -> bool:
    """True for a folder holding at most the lock and partial files of a run killed at its start."""
    return all(p.name == LOCK_NAME or (p.name.startswith(".") and p.name.endswith(".tmp")) for p in folder.iterdir())


def prepare_folder(folder: Path, resume: bool, kind: str = "run") -> None:
    """Refuse a folder in use for something else; create it. A folder to resume must hold a
    store (a comparison: a manifest), and a folder of another kind is named as such."""
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder}: exists and is not a folder")
    if folder.exists() and not resume and not holds_nothing(folder):
        raise RunFolderError(f"{folder}: folder exists; use --resume to continue it or choose another --out")
    if resume:
        try:
            held = manifests.held_kind(folder) if folder.is_dir() else None
        except IdentityError as exc:
            raise RunFolderError(str(exc)) from None
        if held is not None and held != kind:
            raise RunFolderError(other_kind(folder, held, kind))
        needed = MANIFEST_NAME if kind == "compare" else STORE_NAME
        if not (folder / needed).exists():
            raise RunFolderError(f"{folder}: nothing to resume (no {needed})")
    folder.mkdir(parents=True, exist_ok=True)


def check_store(folder: Path, identity: Identity, expected: Callable[[int, int], bool], months: int | None) -> None:
    """Before a resume writes anything: the store (opened read-only) and the manifest must record
    this kind, scenario, seed and work, and every row must be whole and asked for."""
    try:
        with Store(folder / STORE_NAME, readonly=True) as store:
            if store.fresh:  # killed while it was being created: nothing is held
                return
            rows = store.get_meta()
            identity.check_kind(rows.get("kind"), folder)
            meta = StoreMeta.from_rows(rows, folder)
            identity.check(meta.kind, meta.hash, meta.seed, meta.work, folder)
            problem = store.damage(expected, months)
    except IdentityError as exc:
        raise RunFolderError(str(exc)) from None
    if problem:
        raise StoreDamaged(f"{folder / STORE_NAME}: {problem}; it cannot be resumed")
    if (folder / MANIFEST_NAME).exists():  # a run killed before its first manifest has none
        check_manifest(folder, identity)


def check_manifest(folder: Path, identity: Identity) -> None:
    """The folder's manifest must be whole and record this kind, scenario, seed and work."""
    try:
        identity.check_kind(manifests.held_kind(folder), folder)
        held = manifests.read(folder)
        identity.check(held.kind, held.scenario_hash, held.seed, held.work, folder)
    except IdentityError as exc:
        raise RunFolderError(str(exc)) from None


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


@dataclass
class OpenFolder:
    """A folder ready for results: prepared, locked, checked for ``--resume``, its store open (if
    it keeps one) and its first manifest written."""

    folder: Path
    lock: FolderLock
    store: Store | None

    def results_store(self) -> Store:
        if self.store is None:
            raise RunFolderError(f"{self.folder}: keeps no results store")
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.lock.release()


def open_folder(
    folder: Path,
    identity: Identity,
    resume: bool,
    first: Manifest,
    resume_check: Callable[[], None] | None = None,
    store_meta: StoreMeta | None = None,
) -> OpenFolder:
    """The one way a folder is set up for a run, a comparison, a sweep or a robustness run.

    In this order, so that a refused resume changes nothing: refuse a folder in use for something
    else (:func:`prepare_folder`), lock it, run ``resume_check`` when resuming (the store and
    manifest must record this identity), remove the partial files of a killed write, open the
    store with ``store_meta`` when the folder keeps one, and write the ``first`` manifest."""
    if resume and resume_check is None:
        raise RunFolderError(f"{folder}: {KINDS[identity.kind]} cannot be resumed; choose another --out")
    prepare_folder(folder, resume, identity.kind)
    lock = FolderLock(folder)
    store: Store | None = None
    try:
        if resume and resume_check is not None:
            resume_check()
        remove_partial_files(folder)
        if store_meta is not None:
            try:
                store = Store(folder / STORE_NAME, meta=store_meta)
            except StoreError as exc:
                raise RunFolderError(str(exc)) from None
        manifests.write(folder, first)
    except BaseException:
        if store is not None:
            store.close()
        lock.release()
        raise
    return OpenFolder(folder, lock, store)


def fixed_work(n: int, years: float) -> dict[str, Any]:
    """The work of a run of ``n`` replications over ``years``."""
    return {"replications": n, "years": years}


def auto_work(rule: StoppingRule, years: float) -> dict[str, Any]:
    """The work of ``--reps auto`` over ``years``: its stopping rule (the replications it needs
    follow from it)."""
    return {"replications": "auto", "precision": rule.precision, "max_reps": rule.max_reps, "years": years}


def asked(work: dict[str, Any]) -> Callable[[int, int], bool]:
    """Whether a stored (point, replication) is one this work asks for: point 0, and a
    replication below the number asked for (below ``--max-reps`` for ``--reps auto``)."""
    most = work["max_reps"] if work.get("replications") == "auto" else work["replications"]
    if isinstance(most, bool) or not isinstance(most, int):
        raise TypeError(f"the work asked for names no number of replications ({most!r})")
    return lambda point, rep: point == 0 and 0 <= rep < most


class RunFolder:
    """One scenario's run folder, open for adding replications until :meth:`finish`.

    ``kind`` is ``run``, or ``compare`` for a scenario of a comparison; ``work`` is what was asked
    for (by default the scenario's replications). Resuming checks both before anything changes.
    """

    def __init__(
        self,
        scenario: Scenario,
        folder: Path,
        resume: bool = False,
        work: dict[str, Any] | None = None,
        kind: str = "run",
    ) -> None:
        self.scenario = scenario
        self.folder = folder
        self.data = effective_dict(scenario)
        self.seed = scenario.run.seed
        self.identity = Identity(
            kind,
            scenario_hash(scenario),
            self.seed,
            work if work is not None else fixed_work(scenario.run.replications, scenario.run.years),
        )
        self.json = scenario.model_dump_json(by_alias=True)
        self.failures: dict[int, str] = {}
        self._open = open_folder(
            folder,
            self.identity,
            resume,
            self._manifest("running"),
            lambda: check_store(folder, self.identity, asked(self.identity.work), scenario.run.months),
            StoreMeta.of(self.identity, scenario=self.data),
        )
        self.store = self._open.results_store()
        self._t0 = time.perf_counter()

    def _manifest(self, status: Status, **more: Any) -> RunManifest | ComparedManifest:
        model = ComparedManifest if self.identity.kind == "compare" else RunManifest
        return model(
            status=status, **Manifest.of(self.identity), scenario_name=self.data.get("name"), scenario=self.data, **more
        )

    def done(self) -> set[int]:
        return {rep for point, rep in self.store.done() if point == 0}

    def run(
        self, reps: list[int], executor: Executor, progress: Progress | None = None, total: int | None = None
    ) -> None:
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
        cpu = sum(r.runtime_s for r in results)
        # everything the manifest says is worked out first, so that the tables and the manifest
        # that marks them complete are written back to back: a kill between the two leaves tables
        # under a "running" manifest, and that window should be a write, not a computation
        warnings = run_warnings(results, self.scenario)
        warmup = warmup_summary(of_scenario(results, self.scenario))
        write_tables(self.folder, results, cal, self.scenario.run.warmup_months)
        finished = self._manifest(
            "complete",
            replications=len(results),
            runtime_s=round(time.perf_counter() - self._t0, 3),
            cpu_seconds_in_replications=round(cpu, 3),
            warnings=warnings,
            warmup=warmup,
            **(extra or {}),
        )
        manifests.write(self.folder, finished)
        return results

    def close(self) -> None:
        self._open.close()

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Comparison:
    """A comparison's folder: its own manifest and lock, and one :class:`RunFolder` per scenario
    (``OUT/<name>``, names checked to stay inside ``OUT``).

    Resuming checks the comparison's manifest and every scenario's store before any of them is
    opened for writing, so a refused resume changes nothing; then each scenario continues from
    its own store, and the results equal an uninterrupted comparison's.
    """

    def __init__(
        self, folder: Path, scenarios: list[Scenario], names: list[str], work: dict[str, Any], resume: bool = False
    ) -> None:
        try:
            paths = [inside(folder, name) for name in names]
        except ValueError as exc:
            raise RunFolderError(f"{folder}: {exc}") from None
        self.folder = folder
        self.names = names
        members = [Identity("compare", scenario_hash(sc), sc.run.seed, work) for sc in scenarios]
        blob = json.dumps([[n, m.digest] for n, m in zip(names, members)]).encode()
        self.identity = Identity("compare", hashlib.sha256(blob).hexdigest()[:16], scenarios[0].run.seed, work)
        self._open = open_folder(
            folder,
            self.identity,
            resume,
            self._manifest("running", None),
            lambda: self._check(scenarios, paths, members),
        )
        self.runs: list[RunFolder] = []
        try:
            for sc, path in zip(scenarios, paths):
                self.runs.append(RunFolder(sc, path, resume=(path / STORE_NAME).exists(), work=work, kind="compare"))
        except BaseException:
            self.close()
            raise

    def _check(self, scenarios: list[Scenario], paths: list[Path], members: list[Identity]) -> None:
        check_manifest(self.folder, self.identity)
        for sc, path, member in zip(scenarios, paths, members):
            if (path / STORE_NAME).exists():
                check_store(path, member, asked(member.work), sc.run.months)

    def _manifest(self, status: Status, replications: int | None) -> ComparisonManifest:
        return ComparisonManifest(
            status=status, **Manifest.of(self.identity), scenarios=self.names, replications=replications
        )

    def finish(self, n: int, extra: dict | None = None) -> dict[str, list[RepResult]]:
        """Every scenario's tables from its first ``n`` replications, then the comparison's manifest."""
        results = {name: rf.finish(n, extra) for name, rf in zip(self.names, self.runs)}
        manifests.write(self.folder, self._manifest("complete", n))
        return results

    def close(self) -> None:
        for rf in self.runs:
            rf.close()
        self.runs = []
        self._open.close()

    def __enter__(self) -> Comparison:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_fixed(
    scenario: Scenario, folder: Path, executor: Executor, resume: bool = False, progress: Progress | None = None
) -> list[RepResult]:
    """A run with the scenario's number of replications."""
    n = scenario.run.replications
    with RunFolder(scenario, folder, resume, fixed_work(n, scenario.run.years)) as rf:
        rf.run(list(range(n)), executor, progress, total=n)
        return rf.finish(n)


#: hears that replications 0..k-1 of every compared scenario are in, with their results so far
EachPair = Callable[[int, dict[str, list[RepResult]]], None]


def run_paired(
    folders: list[RunFolder],
    names: list[str],
    n: int,
    executor: Executor,
    progress: Progress | None = None,
    each: EachPair | None = None,
) -> None:
    """Replications 0..n-1 of every folder, replication by replication across the folders (r of
    each, then r + 1), so that ``each`` can hear the paired results as every replication completes:
    a what-if screen redraws as they come in. What a store already holds is not run again."""
    done = [f.done() for f in folders]
    complete = sum(len(d & set(range(n))) for d in done)
    total = n * len(folders)
    if progress:
        progress(complete, total)
    have = min(_prefix(d) for d in done)
    failures: dict[tuple[int, int], str] = {}

    def tell() -> None:
        nonlocal have
        reached = min(_prefix(d) for d in done)
        if reached > have:
            have = min(reached, n)
            if each is not None:
                each(have, {name: f.results(have) for name, f in zip(names, folders)})

    def keep(task: Task, result: RepResult) -> None:
        nonlocal complete
        folders[task.point].store.put(0, result)
        done[task.point].add(task.rep)
        complete += 1
        if progress:
            progress(complete, total)
        tell()

    def failed(task: Task, message: str) -> None:
        folders[task.point].store.put_failure(0, task.rep, message)
        failures[(task.point, task.rep)] = message

    if each is not None and have > 0:
        each(min(have, n), {name: f.results(min(have, n)) for name, f in zip(names, folders)})
    tasks = (Task(i, r, f.seed, f.json) for r in range(n) for i, f in enumerate(folders) if r not in done[i])
    executor.run(tasks, keep, failed)
    if failures:
        (i, rep), message = min(failures.items())
        raise RunFolderError(f"{folders[i].folder}: replication {rep} failed: {message}")


def run_auto(
    folders: list[RunFolder],
    rule: StoppingRule,
    executor: Executor,
    progress: Progress | None = None,
    waiting: Callable[[str], None] | None = None,
) -> Decision:
    """Add replications to every folder in rounds until the stopping rule holds for all of them.

    Every folder gets the same replications, so compared scenarios stay paired. The decision uses
    the values in replication order, so it does not depend on the number of workers. Before each
    round after the first, ``waiting`` hears which metric the rule is waiting for.
    """
    n_have = min((_prefix(f.done()) for f in folders), default=0)
    while True:
        decision = _decide(folders, rule, n_have)
        if decision.stop:
            return decision
        if waiting is not None and decision.imprecise:
            waiting(waiting_for(folders, rule, n_have, decision.imprecise))
        n_next = n_have + rule.next_batch(n_have, executor.workers)
        for f in folders:
            f.run(list(range(n_next)), executor, progress, total=n_next)
        n_have = n_next


def waiting_for(folders: list[RunFolder], rule: StoppingRule, n: int, imprecise: list[str]) -> str:
    """``after N replications, waiting for METRIC: its 95% CI is ±X of its mean (wants ±P)``, the
    widest of the targets not yet precise, and how many more there are."""
    widths = rule.widths(_series(folders, n), n)
    worst = max(imprecise, key=lambda name: widths.get(name, 0.0))
    more = f" and {len(imprecise) - 1} more" if len(imprecise) > 1 else ""
    width = widths.get(worst, math.inf)
    said = "undefined" if not math.isfinite(width) else f"±{width:.1%} of its mean"
    return f"after {n} replications, waiting for {worst}{more}: its 95% CI is {said} (wants ±{rule.precision:.1%})"


def _prefix(done: set[int]) -> int:
    """How many replications 0, 1, 2, ... are all present."""
    n = 0
    while n in done:
        n += 1
    return n


def _series(folders: list[RunFolder], n: int) -> dict[str, list[float]]:
    """Every target's values over the first ``n`` replications (``scenario: metric`` when compared)."""
    series: dict[str, list[float]] = {}
    for f in folders:
        for key, values in f.series(n).items():
            series[f"{f.scenario.name}: {key}" if len(folders) > 1 else key] = values
    return series


def _decide(folders: list[RunFolder], rule: StoppingRule, n: int) -> Decision:
    if n == 0:
        return Decision(False, 0, "no replications yet")
    return rule.decide(_series(folders, n))
