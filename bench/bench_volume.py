"""Benchmark: the cost of a case as the volume grows (arrivals, capacities and stocks scaled together).

    python bench/bench_volume.py [--scenario justice-2019] [--factors 1 2 4 8] [--reps 3] [--rounds 1] [--years 10]

At factor k every arrival rate, every server count and sitting-day figure, every background
caseload and every initial stock of the scenario is multiplied by k (``VOLUME_KEYS``), so that
utilisations, waits and shares stay where they are and only the number of cases grows. A model
whose per-case cost is flat in volume shows the same microseconds per case at every factor;
``ratio`` is each factor's cost per case over factor 1's.

Each factor runs in its own subprocess, so that its peak resident memory (``peak MB``, the
process's high-water mark) belongs to that factor alone; within it ``--reps`` replications are
timed one after another as a worker runs them (the model and the computation of its results), and
the median is reported. Memory flat in the number of replications shows as the same peak whatever
``--reps``.

A shared machine's speed drifts by more than the effect measured here, so ``--rounds R`` runs the
factors R times, alternating (1, 8, 1, 8, ...): each factor's figures are then the median over
rounds, and its ratio is the median over rounds of its ratio to the first factor in the same round
(minutes apart), which drift moves far less than a ratio between runs far apart.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Every key that sets a volume: arrivals, servers, sitting days, background caseloads, stocks.
VOLUME_KEYS = (
    "arrivals.per_month",
    "forensics.examiners",
    "court.charging.lawyers",
    "court.magistrates.sitting_days_per_month",
    "court.magistrates.background.receipts_per_month",
    "court.magistrates.background.initial_cases",
    "court.crown.sitting_days_per_month",
    "court.crown.background.receipts_per_month",
    "court.crown.background.initial_cases",
    "scheme.facilitators",
    "initial.forensics.cases",
    "initial.crown_trial.cases",
)


def scaled_scenario(name: str, factor: float, years: float | None) -> Any:
    """``name`` with every volume key multiplied by ``factor``, the way ``divertsim robustness``
    scales a capacity (whole numbers stay whole; schedules and year-by-year inputs scale too)."""
    from sim.experiments.robustness import Factor, Point, apply
    from sim.inputs.loading import effective_dict, load_scenario, validate

    volume = Factor("volume", VOLUME_KEYS, factor, factor, scale=True, capacity=False, meaning="", why="")
    data = apply(effective_dict(load_scenario(name)), Point("volume", "high", ((volume, "high"),)))
    if years is not None:
        data["run"]["years"] = years
    return validate(data, f"{name} (volume x{factor:g})")


def one_factor(name: str, factor: float, reps: int, years: float | None, tune: bool = True) -> dict[str, Any]:
    """Time ``reps`` replications of ``name`` at ``factor`` in this process (run as a subprocess),
    with the C allocator set as in a worker unless ``tune`` is false."""
    from sim import compiled
    from sim.engine.model import Model
    from sim.experiments import allocator
    from sim.results.metrics import compute

    tuned = allocator.tune() if tune else False
    sc = scaled_scenario(name, factor, years)
    times, cases = [], []
    for rep in range(reps):
        t0 = time.perf_counter()
        m = Model(sc, rep)
        m.run()
        compute(m)
        times.append(time.perf_counter() - t0)
        cases.append(m.cases_created)
        m.dispose()
    med = statistics.median(times)
    n = statistics.median(cases)
    return {
        "factor": factor,
        "compiled": compiled.in_use(),
        "allocator_tuned": tuned,
        "s_per_rep_median": round(med, 3),
        "s_per_rep_min": round(min(times), 3),
        "cases_per_rep": int(n),
        "us_per_case": round(med / n * 1e6, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_factor(args: argparse.Namespace, factor: float) -> dict[str, Any]:
    """One factor's figures, from its own subprocess."""
    cmd = [sys.executable, __file__, "--scenario", args.scenario, "--reps", str(args.reps), "--one", str(factor)]
    if args.years is not None:
        cmd += ["--years", str(args.years)]
    if args.default_allocator:
        cmd.append("--default-allocator")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="justice-2019")
    ap.add_argument("--factors", type=float, nargs="*", default=[1, 2, 4, 8])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1, help="run the factors this many times, alternating")
    ap.add_argument("--years", type=float, help="reported years (default: the scenario's)")
    ap.add_argument("--json", type=Path, help="write the figures to this file as well")
    ap.add_argument("--default-allocator", action="store_true", help="leave the C allocator as it starts")
    ap.add_argument("--one", type=float, help=argparse.SUPPRESS)  # a single factor, in a subprocess
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one_factor(args.scenario, args.one, args.reps, args.years, not args.default_allocator)))
        return
    rounds = max(1, args.rounds)
    by_factor: dict[float, list[dict[str, Any]]] = {f: [] for f in args.factors}
    of = f"median of {args.reps} replications" + (f", median of {rounds} alternating rounds" if rounds > 1 else "")
    print(f"{args.scenario}: arrivals, capacities and stocks scaled together; {of}")
    for round_ in range(rounds):
        first = None
        for factor in args.factors:
            r = run_factor(args, factor)
            first = first or r
            r["ratio_in_round"] = r["us_per_case"] / first["us_per_case"]
            by_factor[factor].append(r)
            if rounds > 1:
                us, ratio = r["us_per_case"], r["ratio_in_round"]
                print(f"  round {round_ + 1}: x{factor:g} {us:.2f} us/case, ratio {ratio:.3f}")
    print(f"{'factor':>6s} {'s/rep':>7s} {'min':>7s} {'cases':>9s} {'us/case':>8s} {'ratio':>6s} {'peak MB':>8s}")
    rows = []
    for factor, runs in by_factor.items():
        row = {
            "factor": factor,
            "compiled": runs[0]["compiled"],
            "allocator_tuned": runs[0]["allocator_tuned"],
            "s_per_rep_median": round(statistics.median(r["s_per_rep_median"] for r in runs), 3),
            "s_per_rep_min": min(r["s_per_rep_min"] for r in runs),
            "cases_per_rep": runs[0]["cases_per_rep"],
            "us_per_case": round(statistics.median(r["us_per_case"] for r in runs), 3),
            "ratio_to_1x": round(statistics.median(r["ratio_in_round"] for r in runs), 3),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "rounds": runs,
        }
        rows.append(row)
        print(f"{factor:6g} {row['s_per_rep_median']:7.3f} {row['s_per_rep_min']:7.3f} {row['cases_per_rep']:9d} "
              f"{row['us_per_case']:8.2f} {row['ratio_to_1x']:6.3f} {row['peak_mb']:8.1f}")
    print(f"hot modules: {'compiled (mypyc)' if rows and rows[0]['compiled'] else 'pure Python'}; allocator: "
          f"{'set as in a worker' if rows and rows[0]['allocator_tuned'] else 'as the process started'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
