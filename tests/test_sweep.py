"""Sweeps: designs, the store, exports, failures, resume, back ends, and sensitivity analysis."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from small import small_set

from sim.cli import main
from sim.experiments import allocator
from sim.experiments.designs import build
from sim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.results.metrics import HEADLINE
from sim.experiments.sensitivity import morris_indices, sobol_indices
from sim.experiments.sweep import SweepPlan, run_sweep
from sim.experiments.sweepfile import SweepSpec, load_sweep

ROOT = Path(__file__).resolve().parent.parent
SMALL_SET = "\n" + small_set({"run.warmup_months": 0, "scheme.facilitators": 5})


def write_sweep(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'base = "{ROOT / "scenarios" / "justice-2019.toml"}"\nseed = 7\n' + body + SMALL_SET)
    return path


GRID = """
design = "grid"
reps = 2
[factors]
"scheme.completion_rate" = [0.6, 0.9]
"court.charging.charge_share" = { min = 0.7, max = 0.8, levels = 2 }
"""


# ------------------------------------------------------------------------------------------- designs
def spec(**kw):
    base = {"base": "x", "factors": {"police.nfa_share": {"min": 0.1, "max": 0.3}, "court.crown_share": {"min": 0.6, "max": 0.8}}}
    return SweepSpec.model_validate({**base, **kw})


def test_grid_is_the_full_product():
    s = SweepSpec.model_validate({"base": "x", "reps": 3, "factors": {
        "police.nfa_share": [0.1, 0.2, 0.3], "court.crown_share": {"min": 0.6, "max": 0.8, "levels": 3},
        "forensics.examiners": {"values": [10, 20], "integer": True}}})
    d = build(s)
    assert len(d.values) == 18 and d.tasks == 54 and all(r == [0, 1, 2] for r in d.reps)
    assert sorted({v[1] for v in d.values}) == pytest.approx([0.6, 0.7, 0.8])


@pytest.mark.parametrize("design, n, rows", [("lhs", 20, 20), ("sobol", 16, 16), ("saltelli", 16, 16 * 5), ("morris", 10, 10 * 4)])
def test_sampled_designs_sizes_and_bounds(design, n, rows):
    reps = 1 if design in ("saltelli", "morris") else 2
    d = build(spec(design=design, samples=n, reps=reps))
    assert len(d.values) == rows
    x = np.array(d.values)
    assert np.all((x[:, 0] >= 0.1) & (x[:, 0] <= 0.3)) and np.all((x[:, 1] >= 0.6) & (x[:, 1] <= 0.8))
    if design == "lhs":  # one point in each of the n strata of every factor
        for j, (lo, hi) in enumerate([(0.1, 0.3), (0.6, 0.8)]):
            strata = np.floor((x[:, j] - lo) / (hi - lo) * n).clip(0, n - 1)
            assert sorted(strata) == list(range(n))
    if design in ("saltelli", "morris"):
        assert d.problem["names"][-1] == "replication" and all(len(r) == 1 and 0 <= r[0] < 1000 for r in d.reps)
    assert build(spec(design=design, samples=n, reps=reps)).values == d.values  # the seed fixes the design


# ------------------------------------------------------------------------------------- sensitivity
def ishigami_problem():
    return {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}


def test_sobol_recovers_ishigami():
    from SALib.sample import sobol as saltelli
    from SALib.test_functions import Ishigami

    p = ishigami_problem()
    x = saltelli.sample(p, 2048, calc_second_order=False, seed=1)
    rows = {r["factor"]: r for r in sobol_indices(p, Ishigami.evaluate(x), seed=1)}
    # analytic values for a = 7, b = 0.1
    assert rows["x1"]["S1"] == pytest.approx(0.3139, abs=0.04)
    assert rows["x2"]["S1"] == pytest.approx(0.4424, abs=0.04)
    assert rows["x3"]["S1"] == pytest.approx(0.0, abs=0.04)
    assert rows["x1"]["ST"] == pytest.approx(0.5576, abs=0.05)
    assert rows["x3"]["ST"] == pytest.approx(0.2437, abs=0.05)
    assert rows["x1"]["ST_ci_low"] <= rows["x1"]["ST"] <= rows["x1"]["ST_ci_high"]
    assert [rows[k]["rank"] for k in ("x1", "x2", "x3")] == [1, 2, 3]


def test_morris_ranks_ishigami():
    from SALib.sample import morris
    from SALib.test_functions import Ishigami

    p = ishigami_problem()
    x = morris.sample(p, 200, num_levels=4, seed=2)
    rows = {r["factor"]: r for r in morris_indices(p, x, Ishigami.evaluate(x), levels=4, seed=2)}
    # x1 and x2 are influential; x3 acts only through interaction with x1 (large sigma relative to mu)
    assert rows["x3"]["mu_star"] > 0 and rows["x3"]["sigma"] > abs(rows["x3"]["mu"])
    assert min(rows["x1"]["mu_star"], rows["x2"]["mu_star"]) > 0.5 * rows["x3"]["mu_star"]


# ---------------------------------------------------------------------------------------- running
def read_csv(path):
    return list(csv.DictReader(line for line in path.open() if not line.startswith("#")))


def test_grid_sweep_writes_tidy_results_and_points(tmp_path):
    path = write_sweep(tmp_path, GRID)
    plan = SweepPlan(load_sweep(path), path)
    out = tmp_path / "out"
    summary = run_sweep(plan, out, SerialExecutor())
    assert summary == {"tasks": 8, "done": 8, "failed": 0, "failures": [], "retried_failures": 0}
    tidy = pd.read_parquet(out / "results.parquet")
    assert list(tidy.columns) == ["point", "replication", "metric", "value"]
    assert len(tidy) == 8 * len(HEADLINE)
    assert len(read_csv(out / "results.csv")) == len(tidy)
    points = read_csv(out / "points.csv")
    assert len(points) == 4
    assert {float(p["scheme.completion_rate"]) for p in points} == {0.6, 0.9}
    one = tidy[(tidy.point == 2) & (tidy.metric == "court.receipts")]["value"]
    assert float(points[2]["court.receipts.mean"]) == pytest.approx(one.mean())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["kind"] == "sweep" and manifest["points"] == 4
    assert "not a tool" in manifest["notice"]
    # common random numbers: replication r of every point sees the same arrivals
    arrived = tidy[tidy.metric == "cases.new"].pivot(index="point", columns="replication", values="value")
    assert (arrived.nunique() == 1).all()


def boom(scenario_json, rep, seed, keep_monthly):
    from sim.experiments.executors import run_task

    if '"completion_rate":0.9' in scenario_json and rep == 1:
        raise RuntimeError("injected failure")
    return run_task(scenario_json, rep, seed, keep_monthly)


def test_a_failing_task_is_recorded_and_the_sweep_goes_on(tmp_path):
    path = write_sweep(tmp_path, GRID)
    plan = SweepPlan(load_sweep(path), path)
    summary = run_sweep(plan, tmp_path / "out", SerialExecutor(fn=boom))
    assert summary["done"] == 6 and summary["failed"] == 2
    assert {f["error"] for f in summary["failures"]} == {"RuntimeError: injected failure"}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["failed_tasks"] == 2


def results_of(folder):
    df = pd.read_parquet(folder / "results.parquet")
    return df.sort_values(["point", "replication", "metric"]).reset_index(drop=True)


@pytest.mark.slow
def test_serial_processes_and_dask_are_bit_identical(tmp_path):
    path = write_sweep(tmp_path, GRID)
    plan = SweepPlan(load_sweep(path), path)
    outs = {}
    for name, ex in (("serial", SerialExecutor()), ("processes", ProcessExecutor(2)), ("dask", DaskExecutor(2))):
        try:
            run_sweep(plan, tmp_path / name, ex)
        finally:
            ex.close()
        outs[name] = results_of(tmp_path / name)
    pd.testing.assert_frame_equal(outs["serial"], outs["processes"], check_exact=True)
    pd.testing.assert_frame_equal(outs["serial"], outs["dask"], check_exact=True)
    assert (tmp_path / "serial" / "points.csv").read_text() == (tmp_path / "dask" / "points.csv").read_text()


@pytest.mark.slow
def test_dask_workers_keep_the_allocators_own_thresholds(monkeypatch):
    """Dask gives its workers MALLOC_TRIM_THRESHOLD_ (and writes it into this process's environment,
    for every process started later), which makes glibc map every large block afresh: a
    replication then ran about a quarter slower. Neither keeps it; the rest of Dask's worker
    environment (one BLAS thread) stays."""
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    ex = DaskExecutor(1)
    try:
        trim = ex._client.submit(os.getenv, "MALLOC_TRIM_THRESHOLD_", pure=False).result()
        threads = ex._client.submit(os.getenv, "OMP_NUM_THREADS", pure=False).result()
        tuned = ex._client.submit(allocator.in_force, pure=False).result()
    finally:
        ex.close()
    assert trim is None
    assert os.getenv("MALLOC_TRIM_THRESHOLD_") is None
    assert threads == "1"
    assert tuned or not sys.platform.startswith("linux")  # and the allocator is set as in a process-pool worker


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    path = write_sweep(tmp_path, GRID.replace("reps = 2", "reps = 3"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    whole = tmp_path / "whole"
    assert subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1", "--out", str(whole)],
                          env=env, capture_output=True).returncode == 0
    part = tmp_path / "part"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2", "--out", str(part)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import sqlite3
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with sqlite3.connect(part / "store.sqlite") as db:
                if db.execute("SELECT count(*) FROM tasks").fetchone()[0] >= 3:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, at once
    proc.wait()
    resumed = subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2", "--out", str(part),
                              "--resume"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(results_of(whole), results_of(part), check_exact=True)
    assert (whole / "points.csv").read_text() == (part / "points.csv").read_text()


@pytest.mark.slow
def test_saltelli_sweep_on_the_model_and_its_sensitivity(tmp_path, capsys):
    path = write_sweep(tmp_path, """
design = "saltelli"
samples = 8
reps = 1
replication_pool = 50
analyze = "sobol"
metrics = ["court.receipts", "scheme.referred"]
[factors]
"decision.rules.deferred_prosecution.take_up" = { min = 0.2, max = 0.9 }
"court.charging.charge_share" = { min = 0.6, max = 0.9 }
""")
    out = tmp_path / "sal"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    table = pd.read_parquet(out / "sensitivity_sobol.parquet")
    assert set(table.metric) == {"court.receipts", "scheme.referred"}
    assert set(table.factor) == {"decision.rules.deferred_prosecution.take_up", "court.charging.charge_share", "replication"}
    top = table[(table.metric == "scheme.referred") & (table["rank"] == 1)].factor.item()
    assert top == "decision.rules.deferred_prosecution.take_up"  # referrals depend on take-up, not on charging
    assert (out / "sensitivity_sobol.csv").exists()
    assert main(["sensitivity", str(out), "--metric", "court.receipts"]) == 0
    assert "court.receipts" in capsys.readouterr().out


# ------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("body, words", [
    ('design = "grid"\n[factors]\n"scheme.completion_rat" = [0.5]\n', "not a scenario parameter"),
    ('design = "grid"\n[factors]\n', "at least one factor"),
    ('design = "lhs"\n[factors]\n"police.nfa_share" = [0.1, 0.2]\n', "samples a range"),
    ('design = "grid"\n[factors]\n"police.nfa_share" = { min = 0.1, max = 0.3 }\n', "levels"),
    ('design = "grid"\n[factors]\n"police.nfa_share" = { min = 0.5, max = 0.3, levels = 2 }\n', "must be below"),
    ('design = "grid"\n[factors]\n"police.nfa_share" = [0.2, 1.5]\n', "point 1"),
    ('design = "saltelli"\nsamples = 8\nreps = 2\n[factors]\n"police.nfa_share" = { min = 0.1, max = 0.3 }\n', "reps = 1"),
    ('design = "sobol"\nsamples = 10\n[factors]\n"police.nfa_share" = { min = 0.1, max = 0.3 }\n', "power of two"),
    ('design = "grid"\nanalyze = "sobol"\n[factors]\n"police.nfa_share" = [0.1]\n', "saltelli"),
    ('design = "cube"\n[factors]\n"police.nfa_share" = [0.1]\n', "design"),
    ('design = "grid"\nmetrics = ["court.everything"]\n[factors]\n"police.nfa_share" = [0.1]\n', "headline metric"),
    ('design = "grid"\nbogus = 1\n[factors]\n"police.nfa_share" = [0.1]\n', "unknown key"),
])
def test_bad_sweep_files_one_line_exit_2(tmp_path, body, words, capsys):
    path = write_sweep(tmp_path, body)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and words in err and str(path) in err
    assert not (tmp_path / "o").exists()


def test_bad_base_and_missing_file(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('base = "no-such.toml"\n[factors]\n"police.nfa_share" = [0.1]\n')
    assert main(["sweep", str(path)]) == 2
    assert "neither a file" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert main(["sensitivity", str(tmp_path)]) == 2


@pytest.mark.slow
def test_shipped_sweeps_are_valid():
    for path in sorted((ROOT / "scenarios" / "sweeps").glob("*.toml")):
        plan = SweepPlan(load_sweep(path), path)
        assert plan.design.tasks > 0


def test_sensitivity_refuses_a_grid(tmp_path, capsys):
    path = write_sweep(tmp_path, GRID)
    out = tmp_path / "g"
    run_sweep(SweepPlan(load_sweep(path), path), out, SerialExecutor())
    assert main(["sensitivity", str(out)]) == 2
    assert "saltelli" in capsys.readouterr().err
