"""The app's comparisons: one at a time on warm workers, each cached in the embedded store.

A request is a base and policies (shipped names, or files the app itself saved from an upload),
the moved levers, replications, years and a seed. Its comparison runs through
:func:`sim.api.compare` into ``ROOT/runs/<key>``, where the key is the hash of every compared
scenario's effective parameters with the seed and the work: the same settings always find the
same folder, so returning to them (or reloading the page, or restarting the app) reads what is
there and runs only what is missing. Finished comparisons are also kept in memory, so that going
back to one is instant.

One thread runs the queue on one executor whose workers stay warm between comparisons; every
browser session can queue work and read its progress without waiting for another's, and a new
request from a session replaces the one it had queued or running (which stops at once: its
finished replications stay in its folder).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.api import CompareResult
    from sim.experiments.executors import Executor

#: the bounds of what a browser may ask for
MAX_REPS = 20
MAX_YEARS = 15.0
#: finished comparisons kept in memory
KEPT = 16
#: a request waits this long before it starts, so that a lever dragged across its range starts one run, not ten
SETTLE_S = 0.35


class Cancelled(Exception):
    """A comparison stopped because its session asked for another (or pressed cancel)."""


@dataclass(frozen=True)
class Request:
    """What one screen asks for. ``base`` and ``policies`` are shipped names or paths the app wrote."""

    base: str
    policies: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...] = ()
    reps: int = 5
    years: float = 10.0
    seed: int = 20190610

    def bounded(self) -> Request:
        """The request with its work held within the app's bounds."""
        reps = min(max(int(self.reps), 1), MAX_REPS)
        years = min(max(float(self.years), 1.0), MAX_YEARS)
        seed = min(max(int(self.seed), 0), 2**31 - 1)
        return Request(self.base, self.policies, self.overrides, reps, years, seed)


def key_of(request: Request) -> str:
    """The folder name of a request: every compared scenario's hash, the seed and the work."""
    from sim import api
    from sim.inputs.loading import scenario_hash

    scenarios, names = api._common(
        request.base, request.policies, request.reps, request.years, request.seed, dict(request.overrides)
    )
    blob = json.dumps([names, [scenario_hash(sc) for sc in scenarios], request.seed, request.reps, request.years])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    """A job as a screen reads it: its state, progress, and the comparison of what has finished."""

    state: str  # queued, running, done, cancelled, failed
    job: int = 0  # which request of the app's (a new one for every setting asked for)
    done: int = 0
    total: int = 0
    result: CompareResult | None = None
    replications: int = 0
    error: str | None = None
    folder: Path | None = None
    version: int = 0
    started: float = 0.0
    first_at: float | None = None  # seconds from start to the first paired replication
    final_at: float | None = None  # ... and to the last


@dataclass
class Job:
    request: Request
    session: str
    number: int = 0
    snapshot: Snapshot = field(default_factory=lambda: Snapshot("queued"))
    cancel: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.snapshot.job = self.number

    def read(self) -> Snapshot:
        with self.lock:
            return Snapshot(**vars(self.snapshot))

    def update(self, **changes: Any) -> None:
        with self.lock:
            for k, v in changes.items():
                setattr(self.snapshot, k, v)
            self.snapshot.version += 1


class Runner:
    """The queue of comparisons, one thread and one executor for all sessions."""

    def __init__(self, root: Path, executor: Executor) -> None:
        self.root = root
        self.executor = executor
        self._queue: list[Job] = []
        self._wake = threading.Condition()
        self._kept: OrderedDict[str, CompareResult] = OrderedDict()
        self._thread = threading.Thread(target=self._loop, name="divertsim-app-runner", daemon=True)
        self._stopped = False
        self._count = 0
        self._thread.start()

    def submit(self, request: Request, session: str) -> Job:
        """Queue ``request`` for ``session``, cancelling whatever that session had asked before."""
        with self._wake:
            self._count += 1
            job = Job(request.bounded(), session, self._count)
            for old in self._queue:
                if old.session == session:
                    old.cancel.set()
                    old.update(state="cancelled")
            self._queue = [j for j in self._queue if j.session != session]
            self._queue.append(job)
            self._wake.notify()
        return job

    def forget(self, session: str) -> None:
        """A closed page: stop and drop its work."""
        with self._wake:
            for job in self._queue:
                if job.session == session:
                    job.cancel.set()
            self._queue = [j for j in self._queue if j.session != session]

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            for job in self._queue:
                job.cancel.set()
            self._wake.notify()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                job = self._queue[0]
            if not job.cancel.wait(SETTLE_S):
                self._run(job)
            with self._wake:
                if self._queue and self._queue[0] is job:
                    self._queue.pop(0)

    def _run(self, job: Job) -> None:
        from sim import api

        req = job.request
        t0 = time.perf_counter()
        job.update(state="running", started=t0, total=req.reps)
        try:
            key = key_of(req)
        except ScenarioError as exc:
            job.update(state="failed", error=str(exc))
            return
        folder = self.root / "runs" / key
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            now = time.perf_counter() - t0
            job.update(state="done", result=kept, replications=req.reps, done=req.reps, folder=folder,
                       first_at=now, final_at=now)  # fmt: skip
            return

        def progress(done: int, total: int) -> None:
            if job.cancel.is_set():
                raise Cancelled
            with job.lock:
                job.snapshot.done = done // max(1, 1 + len(req.policies))

        def each(k: int, partial: CompareResult) -> None:
            if job.cancel.is_set():
                raise Cancelled
            now = time.perf_counter() - t0
            first = job.read().first_at
            job.update(result=partial, replications=k, done=k, first_at=first if first is not None else now)

        try:
            result = api.compare(
                req.base,
                *req.policies,
                reps=req.reps,
                years=req.years,
                seed=req.seed,
                overrides=dict(req.overrides),
                workers=self.executor,
                out=folder,
                resume=(folder / "manifest.json").exists(),
                progress=progress,
                each=each,
            )
        except Cancelled:
            job.update(state="cancelled")
            return
        except ScenarioError as exc:
            job.update(state="failed", error=str(exc))
            return
        except Exception as exc:  # shown in the page, one line; the app keeps serving
            job.update(state="failed", error=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300])
            return
        self._kept[key] = result
        if len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        job.update(state="done", result=result, replications=req.reps, done=req.reps, folder=folder,
                   final_at=time.perf_counter() - t0)  # fmt: skip
