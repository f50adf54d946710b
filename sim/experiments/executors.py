"""Where replications run: in this process, on local worker processes, or on a Dask cluster.

Every task is a pure function of (scenario, replication, seed), so the three back ends give
bit-identical results; only the coordinating process sees results, and it is the only writer of
the results store. At most a few tasks per worker are in flight at once, so the coordinator's
memory does not grow with the number of tasks. A task that raises is reported with its error and
the others go on; a worker process that dies is replaced and its tasks run again (Dask does the
same for its workers); a task that kills its worker three times is reported as failed.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing as mp
import os
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from sim.engine.model import Model
from sim.experiments import allocator
from sim.experiments.processes import die_with_parent, interrupts_held, interrupts_ignored
from sim.inputs.scenario import Scenario
from sim.results.metrics import RepResult, compute

IN_FLIGHT_PER_WORKER = 4
MAX_WORKER_DEATHS = 3


@dataclass(frozen=True)
class Task:
    """One replication of one scenario (a sweep point, or a compared scenario)."""

    point: int
    rep: int
    seed: int
    scenario_json: str
    keep_monthly: bool = True
    #: a scenario to run beside it under the same random numbers, recording the differences
    #: (a sweep of the policy effect); empty for none
    against_json: str = ""

    @property
    def args(self) -> tuple[Any, ...]:
        """The task function's arguments (``against_json`` only when there is one, so that a
        four-argument function serves every other task)."""
        base = (self.scenario_json, self.rep, self.seed, self.keep_monthly)
        return (*base, self.against_json) if self.against_json else base


def simulate(scenario: Scenario, replication: int, seed: int | None = None, keep_monthly: bool = True) -> RepResult:
    """Run one replication and compute its results."""
    t0 = time.perf_counter()
    model = Model(scenario, replication, seed)
    model.run()
    # a run or comparison keeps what a comparison reads case by case; a sweep keeps headlines only
    result = compute(model, runtime_s=time.perf_counter() - t0, paired=keep_monthly)
    model.dispose()
    if not keep_monthly:
        result.monthly = {}
    return result


_SCENARIOS: OrderedDict[str, Scenario] = OrderedDict()


def _scenario(scenario_json: str) -> Scenario:
    """Validated scenario for a JSON text, cached per worker (a sweep sends many points)."""
    sc = _SCENARIOS.get(scenario_json)
    if sc is None:
        sc = Scenario.model_validate_json(scenario_json)
        _SCENARIOS[scenario_json] = sc
        if len(_SCENARIOS) > 64:
            _SCENARIOS.popitem(last=False)
    return sc


def run_task(scenario_json: str, rep: int, seed: int, keep_monthly: bool, against_json: str = "") -> RepResult:
    """The work of one task, wherever it runs. With ``against_json`` the replication of that
    scenario under the same seed runs too, and ``effect.<metric>`` (this one's value minus its)
    joins every headline metric: a sweep of the difference a policy makes."""
    result = simulate(_scenario(scenario_json), rep, seed, keep_monthly)
    if against_json:
        base = simulate(_scenario(against_json), rep, seed, keep_monthly=False).headline
        result.headline.update({f"effect.{k}": v - base[k] for k, v in list(result.headline.items()) if k in base})
    return result


def _warm(parent: int) -> None:
    """Worker start-up: die with the parent, leave Ctrl-C to it, set the allocator for the model's
    blocks (:mod:`sim.experiments.allocator`) and import what a task needs before the first task arrives."""
    die_with_parent(parent)
    allocator.tune()
    from sim.engine import model  # noqa: F401
    from sim.results import metrics  # noqa: F401


def _ready(_: int) -> bool:
    return True


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


OnDone = Callable[[Task, RepResult], None]
OnFail = Callable[[Task, str], None]
TaskFn = Callable[..., RepResult]  # run_task's arguments: (scenario_json, rep, seed, keep_monthly[, against_json])


class Executor(Protocol):
    workers: int

    def run(self, tasks: Iterable[Task], on_done: OnDone, on_fail: OnFail) -> None: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Tasks one after another in this process (``--workers 1``)."""

    def __init__(self, fn: TaskFn = run_task) -> None:
        self.workers = 1
        self.fn = fn

    def run(self, tasks: Iterable[Task], on_done: OnDone, on_fail: OnFail) -> None:
        for task in tasks:
            try:
                result = self.fn(*task.args)
            except Exception as exc:  # a failing task is recorded; the run goes on
                on_fail(task, describe(exc))
            else:
                on_done(task, result)

    def close(self) -> None:
        pass


def _stop_now(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once (they ignore Ctrl-C) rather than wait for their tasks to end.

    A worker stopped while it was sending a result leaves part of a message in the results'
    pipe, and the pool's manager thread, reading it, would wait for the rest for ever (and the
    command with it, at its stop or its exit). Once the workers are gone, closing this process's
    own end for writing to that pipe leaves none open, so that read ends and the thread with it."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


class ProcessExecutor:
    """Tasks on local worker processes (spawned, so nothing is inherited by accident)."""

    def __init__(self, workers: int, fn: TaskFn = run_task, start_method: str = "spawn") -> None:
        self.workers = workers
        self.fn = fn
        self.start_method = start_method  # "fork" only where the caller's script must not run again
        self._pool: cf.ProcessPoolExecutor | None = None

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context(self.start_method),
            initializer=_warm,
            initargs=(os.getpid(),),
        )

    def _submit(self, *args: Any) -> cf.Future:
        """Submit a task; a worker this starts starts with Ctrl-C held (see sim.experiments.processes)."""
        assert self._pool is not None
        with interrupts_held():
            return self._pool.submit(*args)

    def start(self) -> None:
        """Start every worker now (they import the model once), rather than on the first tasks."""
        if self._pool is None:
            self._pool = self._new_pool()
        futures = [self._submit(_ready, i) for i in range(self.workers)]
        for fut in futures:
            fut.result()

    def run(self, tasks: Iterable[Task], on_done: OnDone, on_fail: OnFail) -> None:
        todo: Iterator[Task] = iter(tasks)
        retry: list[Task] = []
        deaths: dict[tuple[int, int], int] = {}
        if self._pool is None:
            self._pool = self._new_pool()
        running: dict[cf.Future, Task] = {}
        window = self.workers * IN_FLIGHT_PER_WORKER
        try:
            while True:
                broken = False
                while len(running) < window:
                    task = retry.pop() if retry else next(todo, None)
                    if task is None:
                        break
                    try:
                        fut = self._submit(self.fn, *task.args)
                    except BrokenProcessPool:  # a worker died since the last wait: the pool refuses work
                        retry.append(task)
                        broken = True
                        break
                    running[fut] = task
                if not running and not broken:
                    return
                if broken:  # keep what finished before the worker died; the rest runs again below
                    done = {fut for fut in running if fut.done()}
                else:
                    done = cf.wait(running, return_when=cf.FIRST_COMPLETED)[0]
                for fut in done:
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        key = (task.point, task.rep)
                        deaths[key] = deaths.get(key, 0) + 1
                        if deaths[key] >= MAX_WORKER_DEATHS:
                            on_fail(task, f"WorkerDied: the worker running this task died {deaths[key]} times")
                        else:
                            retry.append(task)
                    except Exception as exc:
                        on_fail(task, describe(exc))
                    else:
                        on_done(task, result)
                if broken:  # every task in flight is lost with the pool: run them again on a new one
                    retry.extend(running.values())
                    running.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
        except BaseException:
            if self._pool is not None:
                _stop_now(self._pool)
                self._pool = None
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def run_chunk(fn: TaskFn, items: list[tuple[Any, ...]]) -> list[tuple[bool, Any]]:
    """Several tasks in one Dask task: ``(True, result)`` or ``(False, error)`` for each, in order."""
    out: list[tuple[bool, Any]] = []
    for args in items:
        try:
            out.append((True, fn(*args)))
        except Exception as exc:
            out.append((False, describe(exc)))
    return out


def _worker_environ(key: str) -> dict[str, Any]:
    """The environment Dask gives the workers it starts, less ``MALLOC_TRIM_THRESHOLD_``.

    Dask sets glibc's trim threshold to 64 KiB so that workers hand memory back at once. Any
    setting of it also turns off glibc's sliding threshold for large blocks, so every block of the
    model's size (a case block's draws, the record's chunks, the results' arrays) is then mapped
    and unmapped afresh, its pages faulted in each time: a replication took about a quarter more
    CPU time (paired runs; ``bench/README.md``). Without it the workers set the allocator as a
    process-pool worker does (:mod:`sim.experiments.allocator`, from their preload), and Dask no
    longer writes it into this process's environment for every process started later."""
    import dask

    environ = dask.config.get(key, default={}) or {}
    return {k: v for k, v in dict(environ).items() if k != "MALLOC_TRIM_THRESHOLD_"}


class DaskExecutor:
    """Tasks on a Dask cluster: an existing scheduler, or a LocalCluster of ``workers`` processes.

    Replications travel in chunks of ``chunk`` per Dask task: the scheduler's and the client's
    work per Dask task is then shared by several replications, which matters when the cluster
    shares a few cores with them. Near the end chunks shrink, down to one replication, so that no
    worker is left running a long chunk while the others have nothing to do. A chunk whose worker
    dies is run again by Dask.
    """

    def __init__(self, workers: int, scheduler: str | None = None, fn: TaskFn = run_task, chunk: int = 4) -> None:
        self.chunk = max(1, chunk)
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RuntimeError("the dask executor needs dask[distributed]") from exc
        self.fn = fn
        self._cluster: Any = None
        if scheduler:
            self._client = Client(scheduler, timeout="30s")
            self.workers = max(1, sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values()))
        else:
            import dask

            # the tasks are pure Python: the workers' sampling profiler and memory monitor would
            # take the interpreter lock from them every few milliseconds; the workers start without
            # Dask's trim threshold and set the allocator from their preload (see _worker_environ);
            # Ctrl-C is for this process alone (see sim.experiments.processes)
            with (
                dask.config.set(
                    {
                        "distributed.worker.profile.enabled": False,
                        "distributed.worker.memory.monitor-interval": "1s",
                        "distributed.worker.preload": ["sim.experiments.processes"],
                        "distributed.nanny.pre-spawn-environ": _worker_environ("distributed.nanny.pre-spawn-environ"),
                        "distributed.nanny.environ": _worker_environ("distributed.nanny.environ"),
                    }
                ),
                interrupts_ignored(),
            ):
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=40,
                )
            self._client = Client(self._cluster)
            self.workers = workers

    def run(self, tasks: Iterable[Task], on_done: OnDone, on_fail: OnFail) -> None:
        from dask.distributed import as_completed

        todo = iter(tasks)
        window = self.workers * 2
        running: dict[Any, list[Task]] = {}
        pending = as_completed()
        # a look-ahead of a few chunks (bounded, so memory stays flat in the number of tasks):
        # once the iterator is spent, what is left is known and split finely across the workers
        ahead: deque[Task] = deque()
        reach = window * self.chunk

        def submit() -> bool:
            ahead.extend(itertools.islice(todo, reach - len(ahead)))
            if not ahead:
                return False
            size = self.chunk if len(ahead) >= reach else max(1, min(self.chunk, len(ahead) // window))
            chunk = [ahead.popleft() for _ in range(min(size, len(ahead)))]
            items = [t.args for t in chunk]
            fut = self._client.submit(
                run_chunk,
                self.fn,
                items,
                pure=False,
                key=f"divertsim-{chunk[0].point}-{chunk[0].rep}-{uuid.uuid4().hex}",
            )
            running[fut] = chunk
            pending.add(fut)
            return True

        try:
            while len(running) < window and submit():
                pass
            for fut in pending:
                chunk = running.pop(fut)
                if fut.status == "error":  # the chunk itself failed (e.g. it could not be sent)
                    for task in chunk:
                        on_fail(task, describe(fut.exception()))
                else:
                    for task, (ok, value) in zip(chunk, fut.result()):
                        (on_done if ok else on_fail)(task, value)
                fut.release()
                submit()
        except BaseException:
            for fut in running:
                fut.cancel()
            raise

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def replicate(scenario: Scenario, reps: int, executor: Executor, keep_monthly: bool = False) -> list[RepResult]:
    """Replications 0..reps-1 of ``scenario`` (not stored), in order; the first failure is raised."""
    text = scenario.model_dump_json(by_alias=True)
    got: dict[int, RepResult] = {}
    failed: dict[int, str] = {}
    executor.run(
        (Task(0, r, scenario.run.seed, text, keep_monthly) for r in range(reps)),
        lambda t, res: got.__setitem__(t.rep, res),
        lambda t, msg: failed.__setitem__(t.rep, msg),
    )
    if failed:
        rep = min(failed)
        raise RuntimeError(f"replication {rep} failed: {failed[rep]}")
    return [got[r] for r in range(reps)]


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    """The back end for ``--executor`` and ``--workers`` (one worker runs in this process)."""
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    if kind != "processes":
        raise ValueError(f"unknown executor {kind!r} (processes or dask)")
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
