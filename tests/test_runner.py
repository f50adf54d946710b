"""Replications: identical whatever the number of workers; stored, resumed, summarised."""

import json
import math

import numpy as np
import pytest

from helpers import scenario
from sim.runfolder import RunFolderError, run_to_folder
from sim.runner import execute, simulate
from sim.stats import summarise
from sim.store import STORE_NAME, Store, StoreError


def results_by_rep(sc, reps, workers):
    got = {}
    execute(sc, reps, sc.run.seed, workers, lambda r: got.__setitem__(r.replication, r))
    return got


def same(a, b):
    assert a.headline == pytest.approx(b.headline, nan_ok=True, rel=0, abs=0)
    assert all(np.array_equal(a.monthly[k], b.monthly[k], equal_nan=True) for k in a.monthly)
    assert a.open_by_stage == b.open_by_stage


def test_one_worker_equals_two_workers():
    sc = scenario("justice-2019", factor=0.05, years=1)
    one = results_by_rep(sc, [0, 1, 2], 1)
    two = results_by_rep(sc, [0, 1, 2], 2)
    for rep in one:
        same(one[rep], two[rep])


def test_summarise_ci():
    s = summarise([1.0, 2.0, 3.0, 4.0])
    assert s["mean"] == 2.5 and s["n"] == 4
    assert s["ci_low"] == pytest.approx(2.5 - 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2)
    assert summarise([5.0])["ci_low"] is None
    assert summarise([math.nan, math.nan])["n"] == 0
    assert summarise([1.0, math.nan, 3.0])["n"] == 2


def test_store_round_trip(tmp_path):
    sc = scenario("justice-2019", factor=0.05, years=1)
    r = simulate(sc, 0)
    with Store(tmp_path / STORE_NAME) as st:
        st.put(0, r)
        st.put_failure(0, 1, "boom")
        back = list(st.results(0))
        assert st.done() == {(0, 0)} and st.failures() == [(0, 1, "boom")]
    same(back[0], r)


def test_corrupt_store_is_reported(tmp_path):
    path = tmp_path / STORE_NAME
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 2000)
    with pytest.raises(StoreError):
        Store(path)
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        Store(path)


def test_run_folder_and_resume_give_identical_results(tmp_path):
    sc = scenario("justice-2019", factor=0.05, years=1, run__replications=4)
    whole = tmp_path / "whole"
    run_to_folder(sc, whole, workers=1)
    # a run that stopped after two replications, then resumed
    part = tmp_path / "part"
    partial = scenario("justice-2019", factor=0.05, years=1, run__replications=4)
    from sim import runfolder
    calls = []

    def flaky(scenario_, reps, seed, workers, on_result):
        for rep in reps:
            if len(calls) == 2:
                raise KeyboardInterrupt
            calls.append(rep)
            on_result(simulate(scenario_, rep, seed))

    original = runfolder.execute
    runfolder.execute = flaky
    try:
        with pytest.raises(KeyboardInterrupt):
            run_to_folder(partial, part, workers=1)
    finally:
        runfolder.execute = original
    manifest = json.loads((part / "manifest.json").read_text())
    assert manifest["status"] == "running"
    assert not (part / "summary.json").exists()
    run_to_folder(partial, part, workers=1, resume=True)
    for name in ("summary.json", "replications.csv", "monthly.csv"):
        assert (part / name).read_text() == (whole / name).read_text(), name
    assert json.loads((part / "manifest.json").read_text())["status"] == "complete"


def test_refuses_existing_folder_and_other_scenario(tmp_path):
    sc = scenario("justice-2019", factor=0.05, years=1, run__replications=1)
    out = tmp_path / "r"
    run_to_folder(sc, out, workers=1)
    with pytest.raises(RunFolderError, match="exists"):
        run_to_folder(sc, out, workers=1)
    other = scenario("justice-2019", factor=0.05, years=1, run__replications=1, run__seed=5)
    with pytest.raises(RunFolderError, match="different scenario"):
        run_to_folder(other, out, workers=1, resume=True)
    with pytest.raises(RunFolderError, match="nothing to resume"):
        run_to_folder(sc, tmp_path / "new", workers=1, resume=True)
