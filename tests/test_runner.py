"""Replications: identical on every back end; stored, resumed, summarised; failures recorded."""

import json
import math

import numpy as np
import pytest

from helpers import scenario
from sim.experiments.executors import ProcessExecutor, SerialExecutor, Task, simulate
from sim.experiments.runfolder import RunFolder, RunFolderError, run_fixed
from sim.results.stats import summarise
from sim.results.store import STORE_NAME, Store, StoreError


def run_tasks(executor, sc, reps):
    got, failed = {}, {}
    tasks = [Task(0, r, sc.run.seed, sc.model_dump_json(by_alias=True)) for r in reps]
    executor.run(tasks, lambda t, r: got.__setitem__(t.rep, r), lambda t, m: failed.__setitem__(t.rep, m))
    executor.close()
    return got, failed


def same(a, b):
    assert a.headline == pytest.approx(b.headline, nan_ok=True, rel=0, abs=0)
    assert all(np.array_equal(a.monthly[k], b.monthly[k], equal_nan=True) for k in a.monthly)
    assert a.open_by_stage == b.open_by_stage


def test_serial_equals_processes():
    sc = scenario("justice-2019", factor=0.05, years=1)
    one, _ = run_tasks(SerialExecutor(), sc, [0, 1, 2])
    two, _ = run_tasks(ProcessExecutor(2), sc, [0, 1, 2])
    for rep in one:
        same(one[rep], two[rep])


def boom(scenario_json, rep, seed, keep_monthly):
    if rep == 1:
        raise ValueError("boom\nsecond line")
    return simulate(__import__("sim.inputs.scenario", fromlist=["Scenario"]).Scenario.model_validate_json(scenario_json),
                    rep, seed, keep_monthly)


@pytest.mark.parametrize("make", [lambda: SerialExecutor(fn=boom), lambda: ProcessExecutor(2, fn=boom)])
def test_a_failing_task_is_recorded_and_the_rest_finish(make):
    sc = scenario("status-quo", factor=0.05, years=1)
    got, failed = run_tasks(make(), sc, [0, 1, 2, 3])
    assert sorted(got) == [0, 2, 3]
    assert failed == {1: "ValueError: boom second line"}


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


def test_headline_only_results_round_trip(tmp_path):
    sc = scenario("status-quo", factor=0.05, years=1)
    r = simulate(sc, 0, keep_monthly=False)
    assert r.monthly == {}
    with Store(tmp_path / STORE_NAME) as st:
        st.put(3, r)
        back = list(st.results(3))[0]
    assert back.monthly == {} and back.headline == pytest.approx(r.headline, nan_ok=True)


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
    run_fixed(sc, whole, SerialExecutor())
    part = tmp_path / "part"
    with RunFolder(sc, part) as rf:  # a run that stopped after two replications
        rf.run([0, 1], SerialExecutor())
    manifest = json.loads((part / "manifest.json").read_text())
    assert manifest["status"] == "running"
    assert not (part / "summary.json").exists()
    run_fixed(sc, part, SerialExecutor(), resume=True)
    for name in ("summary.json", "replications.csv", "monthly.csv"):
        assert (part / name).read_text() == (whole / name).read_text(), name
    assert json.loads((part / "manifest.json").read_text())["status"] == "complete"


def test_refuses_existing_folder_other_scenario_and_second_writer(tmp_path):
    sc = scenario("justice-2019", factor=0.05, years=1, run__replications=1)
    out = tmp_path / "r"
    run_fixed(sc, out, SerialExecutor())
    with pytest.raises(RunFolderError, match="exists"):
        run_fixed(sc, out, SerialExecutor())
    other = scenario("justice-2019", factor=0.05, years=1, run__replications=1, run__seed=5)
    with pytest.raises(RunFolderError, match="with seed 20190610, not 5"):
        run_fixed(other, out, SerialExecutor(), resume=True)
    with pytest.raises(RunFolderError, match="nothing to resume"):
        run_fixed(sc, tmp_path / "new", SerialExecutor(), resume=True)
    with RunFolder(sc, out, resume=True):
        with pytest.raises(RunFolderError, match="another run"):
            RunFolder(sc, out, resume=True)
