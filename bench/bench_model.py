"""Benchmark: seconds per national replication of each shipped scenario, cases per second, memory.

    python bench/bench_model.py [--reps 5] [--scenarios status-quo justice-2019 ...] [--memory]

Each replication is timed in this process, one core, as ``simulate`` runs it in a worker: the
model and the computation of its results. The figure quoted is the median over ``--reps``
replications (replications differ only in their random numbers). ``--memory`` also runs
``divertsim run status-quo --reps 30`` in a subprocess and reports its peak resident memory
(the coordinating process and the largest worker).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.loading import list_shipped, load_scenario  # noqa: E402
from sim.metrics import compute  # noqa: E402
from sim.model import Model  # noqa: E402


def time_scenario(name: str, reps: int) -> dict:
    sc = load_scenario(name)
    times, model_times, cases = [], [], []
    for rep in range(reps):
        t0 = time.perf_counter()
        m = Model(sc, rep)
        m.run()
        t1 = time.perf_counter()
        compute(m)
        t2 = time.perf_counter()
        times.append(t2 - t0)
        model_times.append(t1 - t0)
        cases.append(m.cases_created)
    med = statistics.median(times)
    return {
        "scenario": name,
        "years_simulated": sc.run.months / 12,
        "s_per_rep_median": round(med, 3),
        "s_per_rep_min": round(min(times), 3),
        "model_s_median": round(statistics.median(model_times), 3),
        "cases_per_rep": int(statistics.median(cases)),
        "cases_per_s": int(statistics.median(cases) / med),
        "us_per_case": round(med / statistics.median(cases) * 1e6, 2),
    }


def peak_memory_30_reps(workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c",
               "import resource, sys\n"
               "from sim.cli import main\n"
               f"code = main(['run', 'status-quo', '--reps', '30', '--workers', '{workers}', '--out', sys.argv[1]])\n"
               "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
               "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
               "print('PEAK', own, kids)\n"
               "sys.exit(code)\n",
               str(Path(tmp) / "run")]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - t0
    line = next(line for line in out.stdout.splitlines() if line.startswith("PEAK"))
    own_kb, kids_kb = map(int, line.split()[1:])
    return {"workers": workers, "wall_s": round(wall, 1), "coordinator_peak_mb": round(own_kb / 1024, 1),
            "largest_worker_peak_mb": round(kids_kb / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scenarios", nargs="*", default=[p.stem for p in list_shipped()])
    ap.add_argument("--memory", action="store_true", help="also measure peak memory of a 30-replication run")
    ap.add_argument("--json", type=Path, help="write the figures to this file as well")
    args = ap.parse_args()
    report = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "scenarios": [],
    }
    print(f"{'scenario':28s} {'years':>6s} {'s/rep':>7s} {'min':>7s} {'model s':>8s} {'cases':>8s} {'cases/s':>9s} {'us/case':>8s}")
    for name in args.scenarios:
        r = time_scenario(name, args.reps)
        report["scenarios"].append(r)
        print(f"{name:28s} {r['years_simulated']:6.1f} {r['s_per_rep_median']:7.3f} {r['s_per_rep_min']:7.3f} "
              f"{r['model_s_median']:8.3f} {r['cases_per_rep']:8d} {r['cases_per_s']:9d} {r['us_per_case']:8.2f}")
    if args.memory:
        for workers in (1, 2):
            mem = peak_memory_30_reps(workers)
            report.setdefault("memory_30_reps", []).append(mem)
            print(f"30 replications, {workers} worker(s): wall {mem['wall_s']} s, coordinator peak "
                  f"{mem['coordinator_peak_mb']} MB, largest worker peak {mem['largest_worker_peak_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
