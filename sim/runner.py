"""Replications, serially or on local worker processes, each a pure function of (scenario, seed, rep).

A replication's random numbers depend only on the master seed and its replication number (see
:mod:`sim.streams`), so results are identical whatever the number of workers and whatever order
replications finish in. Results are handed to the caller as they finish, in the coordinating
process, which is the only writer of the results store.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing as mp
import os
import time
from typing import Callable, Iterable

from .metrics import RepResult, compute
from .model import Model
from .scenario import Scenario


def simulate(scenario: Scenario, replication: int, seed: int | None = None) -> RepResult:
    """Run one replication and compute its results."""
    t0 = time.perf_counter()
    model = Model(scenario, replication, seed)
    model.run()
    result = compute(model, runtime_s=time.perf_counter() - t0)
    del model
    gc.collect()  # the model's stages refer to each other: free the replication before the next
    return result


_WORKER_SCENARIO: Scenario | None = None


def _init_worker(scenario_json: str) -> None:
    global _WORKER_SCENARIO
    _WORKER_SCENARIO = Scenario.model_validate_json(scenario_json)


def _work(replication: int, seed: int) -> RepResult:
    assert _WORKER_SCENARIO is not None
    return simulate(_WORKER_SCENARIO, replication, seed)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def execute(
    scenario: Scenario,
    replications: Iterable[int],
    seed: int,
    workers: int,
    on_result: Callable[[RepResult], None],
) -> None:
    """Run ``replications`` and call ``on_result`` for each as it finishes.

    Ctrl-C cancels what has not started and re-raises once the workers have stopped; every result
    already passed to ``on_result`` is kept by the caller.
    """
    reps = list(replications)
    if not reps:
        return
    if workers <= 1 or len(reps) == 1:
        for rep in reps:
            on_result(simulate(scenario, rep, seed))
        return
    ctx = mp.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(reps)), mp_context=ctx,
                                  initializer=_init_worker, initargs=(scenario.model_dump_json(),))
    try:
        futures = [pool.submit(_work, rep, seed) for rep in reps]
        for fut in cf.as_completed(futures):
            on_result(fut.result())
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
