"""Benchmark: seconds per national replication of each shipped scenario, cases per second, memory.

    python bench/bench_model.py [--reps 5] [--scenarios status-quo justice-2019 ...] [--memory]

Each replication is timed in this process, one core, as ``simulate`` runs it in a worker: the
model and the computation of its results. The figure quoted is the median over ``--reps``
replications (replications differ only in their random numbers). ``--memory`` also runs
``divertsim run status-quo --reps 30`` in a subprocess and reports its peak resident memory
(each process's high-water mark, and all processes together).

It reports whether the hot modules run compiled (see ``sim/compiled.py``);
``DIVERTSIM_PURE_PYTHON=1`` times the pure-Python fallback. The C allocator is set as in a worker
(``sim/experiments/allocator.py``) unless ``--default-allocator`` is given.

Each replication is followed by a run of ``naive_reference.py``, a SimPy model of a much simpler
flow written the obvious way; ``ratio`` is divertsim's seconds per case over the reference's,
both medians from this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import naive_reference  # noqa: E402
from procmem import run_and_sample  # noqa: E402

from sim import compiled  # noqa: E402
from sim.engine.model import Model  # noqa: E402
from sim.experiments import allocator  # noqa: E402
from sim.inputs.loading import list_shipped, load_scenario  # noqa: E402
from sim.results.metrics import compute  # noqa: E402


def reference_loop_s() -> float:
    """A fixed pure-Python loop (20 million additions), timed to show how fast the machine is today.

    Shared machines vary by 10-30% from hour to hour; quoting this beside the figures lets a
    reader compare runs taken at different times. It ran in about 0.75 s on the reference machine
    when quiet.
    """
    t0 = time.perf_counter()
    s = 0
    for i in range(20_000_000):
        s += i
    return time.perf_counter() - t0


def time_scenario(name: str, reps: int) -> dict:
    """Time ``reps`` replications of ``name``, each followed by one of the naive reference model,
    so that both see the same machine and the ratio of their costs per case is fair."""
    sc = load_scenario(name)
    times, model_times, cases, naive_us = [], [], [], []
    for rep in range(reps):
        t0 = time.perf_counter()
        m = Model(sc, rep)
        m.run()
        t1 = time.perf_counter()
        compute(m)
        t2 = time.perf_counter()
        m.dispose()
        times.append(t2 - t0)
        model_times.append(t1 - t0)
        cases.append(m.cases_created)
        naive_s, naive_cases = naive_reference.run(rep)
        naive_us.append(naive_s / naive_cases * 1e6)
    med = statistics.median(times)
    us_per_case = med / statistics.median(cases) * 1e6
    naive = statistics.median(naive_us)
    return {
        "scenario": name,
        "years_simulated": sc.run.months / 12,
        "s_per_rep_median": round(med, 3),
        "s_per_rep_min": round(min(times), 3),
        "model_s_median": round(statistics.median(model_times), 3),
        "cases_per_rep": int(statistics.median(cases)),
        "cases_per_s": int(statistics.median(cases) / med),
        "us_per_case": round(us_per_case, 2),
        "naive_us_per_case": round(naive, 2),
        "ratio_to_naive": round(us_per_case / naive, 3),
    }


def peak_memory_30_reps(workers: int) -> dict:
    """Peak memory of ``divertsim run status-quo --reps 30``: each process's high-water mark
    (VmHWM) and the largest sum of resident memory over all its processes, sampled every 0.1 s."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim", "run", "status-quo", "--reps", "30", "--workers", str(workers),
               "--out", str(Path(tmp) / "run")]
        mem = run_and_sample(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return {"workers": workers, "wall_s": mem["wall_s"], "coordinator_peak_mb": mem["coordinator_peak_mb"],
            "largest_worker_peak_mb": mem["largest_other_process_peak_mb"],
            "all_processes_peak_mb": mem["all_processes_peak_mb"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scenarios", nargs="*", default=[p.stem for p in list_shipped()])
    ap.add_argument("--memory", action="store_true", help="also measure peak memory of a 30-replication run")
    ap.add_argument("--json", type=Path, help="write the figures to this file as well")
    ap.add_argument("--default-allocator", action="store_true", help="leave the C allocator as it starts")
    args = ap.parse_args()
    tuned = False if args.default_allocator else allocator.tune()
    ref = reference_loop_s()
    report = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "reference_loop_s": round(ref, 3), "compiled": compiled.in_use(), "allocator_tuned": tuned},
        "scenarios": [],
    }
    print(f"hot modules: {'compiled (mypyc)' if compiled.in_use() else 'pure Python'}")
    print(f"allocator: {'set as in a worker' if tuned else 'as the process started'}")
    print(f"reference loop: {ref:.2f} s (about 0.75 s on the quiet reference machine)")
    print(f"{'scenario':28s} {'years':>6s} {'s/rep':>7s} {'min':>7s} {'model s':>8s} {'cases':>8s} {'cases/s':>9s} "
          f"{'us/case':>8s} {'naive':>6s} {'ratio':>6s}")
    for name in args.scenarios:
        r = time_scenario(name, args.reps)
        report["scenarios"].append(r)
        print(f"{name:28s} {r['years_simulated']:6.1f} {r['s_per_rep_median']:7.3f} {r['s_per_rep_min']:7.3f} "
              f"{r['model_s_median']:8.3f} {r['cases_per_rep']:8d} {r['cases_per_s']:9d} {r['us_per_case']:8.2f} "
              f"{r['naive_us_per_case']:6.1f} {r['ratio_to_naive']:6.3f}")
    ref_after = reference_loop_s()
    report["machine"]["reference_loop_after_s"] = round(ref_after, 3)
    print(f"reference loop after: {ref_after:.2f} s")
    if args.memory:
        for workers in (1, 2):
            mem = peak_memory_30_reps(workers)
            report.setdefault("memory_30_reps", []).append(mem)
            print(f"30 replications, {workers} worker(s): wall {mem['wall_s']} s, coordinator peak "
                  f"{mem['coordinator_peak_mb']} MB, largest worker peak {mem['largest_worker_peak_mb']} MB, "
                  f"all processes together {mem['all_processes_peak_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
