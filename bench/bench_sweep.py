"""Benchmark: parallel efficiency of sweeps on local processes and on Dask, overhead, memory.

    python bench/bench_sweep.py [--workers 2] [--sweep scenarios/sweeps/justice-grid.toml] [--reps 2]

The benchmark sweep is the shipped sweep (by default ``justice-grid``: 27 points of national
5-year runs after a 6-month warm-up), with ``--reps`` replications per point (2 by default, to
keep the benchmark to a few minutes; the file has 5). Starting the workers (processes importing the model, or a
Dask LocalCluster) is timed apart, as a one-time cost. It runs serially, on ``--workers`` local processes and on
a Dask LocalCluster of as many workers, and reports each wall time, the parallel efficiency
(serial time / (workers x parallel time)), the overhead per task (workers x wall time minus the
tasks' own run time, per task) and peak memory. A second measurement runs sweeps of 160 and 1,280
very short tasks through the command line and reports the coordinator's peak memory: it should
not grow with the number of tasks.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from procmem import run_and_sample  # noqa: E402

from sim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor  # noqa: E402
from sim.experiments.sweep import SweepPlan, run_sweep  # noqa: E402
from sim.experiments.sweepfile import load_sweep  # noqa: E402

SWEEP = """
name = "bench"
base = "{base}"
design = "grid"
reps = {reps}
seed = 1
[set]
"run.years" = {years}
"run.warmup_months" = 0
"run.start_date" = 2018-01-01
{extra}
[factors]
"decision.rules.deferred_prosecution.take_up" = {take_up}
"scheme.completion_rate" = [0.7, 0.8, 0.85, 0.9]
"""


def write(folder: Path, reps: int, years: float, take_up: list[float], extra: str = "") -> Path:
    path = folder / "bench.toml"
    path.write_text(SWEEP.format(base=ROOT / "scenarios" / "justice-2019.toml", reps=reps, years=years,
                                 take_up=json.dumps(take_up), extra=extra))
    return path


def task_seconds(folder: Path) -> float:
    with sqlite3.connect(folder / "store.sqlite") as db:
        return float(db.execute("SELECT sum(runtime) FROM tasks WHERE status = 'done'").fetchone()[0])


def timed(plan: SweepPlan, out: Path, make) -> dict:
    t0 = time.perf_counter()
    ex = make()
    if hasattr(ex, "start"):
        ex.start()
    t1 = time.perf_counter()
    try:
        run_sweep(plan, out, ex)
    finally:
        t2 = time.perf_counter()
        ex.close()
    return {"wall_s": round(t2 - t1, 2), "startup_s": round(t1 - t0, 2), "task_s": round(task_seconds(out), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every mode; each keeps its fastest")
    ap.add_argument("--sweep", type=Path, default=ROOT / "scenarios" / "sweeps" / "justice-grid.toml")
    ap.add_argument("--reps", type=int, default=2, help="replications per point (overrides the file)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    w = args.workers
    report: dict = {"workers": w, "sweep": args.sweep.name, "reps": args.reps}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plan = SweepPlan(load_sweep(args.sweep, {"reps": args.reps}), args.sweep)
        tasks = plan.design.tasks
        # the serial reference is one worker process, so that every task runs in the same kind of
        # process; modes alternate and each keeps its fastest round, because a shared machine's
        # speed drifts by more than the effects measured here
        makers = {"serial": lambda: ProcessExecutor(1), "in-process": SerialExecutor,
                  "processes": lambda: ProcessExecutor(w), "dask": lambda: DaskExecutor(w)}
        best: dict[str, dict] = {}
        walls: dict[str, list[float]] = {name: [] for name in makers}
        for round_ in range(args.rounds):
            for name, make in makers.items():
                r = timed(plan, tmp / f"{name}-{round_}", make)
                walls[name].append(r["wall_s"])
                if name not in best or r["wall_s"] < best[name]["wall_s"]:
                    best[name] = r
        serial = best["serial"]
        for name, r in best.items():
            if name in ("processes", "dask"):
                r["efficiency"] = round(serial["wall_s"] / (w * r["wall_s"]), 3)
                # the same ratio within each round (serial and parallel minutes apart), median over
                # rounds: less sensitive to the machine's drift than pairing the two fastest rounds
                r["efficiency_by_round"] = round(statistics.median(
                    s / (w * p) for s, p in zip(walls["serial"], walls[name])), 3)
                r["overhead_ms_per_task"] = round((w * r["wall_s"] - r["task_s"]) / tasks * 1000, 1)
            r["mean_task_s"] = round(r["task_s"] / tasks, 3)
            report[name] = r
        report["tasks"] = tasks
        print(f"benchmark sweep: {args.sweep.name}, {args.reps} replications per point, {tasks} tasks")
        for name in ("serial", "in-process", "processes", "dask"):
            r = report[name]
            extra = "" if "efficiency" not in r else (
                f", efficiency {r['efficiency']:.2f} (median of rounds {r['efficiency_by_round']:.2f}), "
                f"overhead {r['overhead_ms_per_task']} ms/task")
            print(f"  {name:10s} wall {r['wall_s']:6.2f} s, mean task {r['mean_task_s']:.3f} s, "
                  f"startup {r['startup_s']} s (not counted){extra}")

        # coordinator memory against the number of tasks: many short tasks through the CLI
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        tiny = '"arrivals.per_month" = 20\n"initial.forensics.cases" = 0\n"initial.crown_trial.cases" = 0\n'
        for n_take_up in (8, 64):
            take_up = [round(0.1 + 0.8 * i / (n_take_up - 1), 4) for i in range(n_take_up)]
            sub = tmp / f"mem{n_take_up}"
            sub.mkdir()
            path = write(sub, reps=5, years=0.25, take_up=take_up, extra=tiny)
            n_tasks = n_take_up * 4 * 5
            mem = run_and_sample([sys.executable, "-m", "sim", "sweep", str(path), "--workers", str(w),
                                  "--out", str(sub / "out")], cwd=ROOT, env=env)
            report[f"memory_{n_tasks}_tasks"] = mem
            print(f"  {n_tasks:4d} short tasks: coordinator peak {mem['coordinator_peak_mb']} MB, largest worker "
                  f"{mem['largest_other_process_peak_mb']} MB, all processes {mem['all_processes_peak_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
