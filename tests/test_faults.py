"""Faults: unwritable and full disks, a second writer, corrupt stores, killed workers and killed
coordinators. Each ends in a clear error or in results identical to an undisturbed run."""

import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from small import small_args, small_set

from sim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.experiments.sweep import SweepPlan, run_sweep
from sim.experiments.sweepfile import load_sweep

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SMALL = small_args()
SWEEP = f"""
base = "{ROOT / 'scenarios' / 'justice-2019.toml'}"
design = "grid"
reps = 3
seed = 5
{small_set({"scheme.facilitators": 5})}[factors]
"scheme.completion_rate" = [0.6, 0.75, 0.9]
"court.charging.charge_share" = [0.7, 0.8]
"""


def divertsim(*args, preexec=None, **kw):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          preexec_fn=preexec, **kw)


def one_line_error(proc, code):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    return proc.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def integrity(store: Path) -> str:
    try:
        with sqlite3.connect(store) as db:  # reads the write-ahead log too
            return db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.OperationalError:  # a read-only disk: the log was checkpointed when the run closed
        with sqlite3.connect(f"{store.as_uri()}?immutable=1", uri=True) as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]


# ------------------------------------------------------------------------------- unwritable disks
def test_output_folder_that_cannot_be_created():
    err = one_line_error(divertsim("run", "status-quo", "--out", "/sys/divertsim-cannot-write", *SMALL), 1)
    assert "/sys/divertsim-cannot-write" in err


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MB tmpfs that can be made read-only (needs mount rights), else skip."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.slow
def test_read_only_folder_clear_error_and_earlier_results_intact(small_fs):
    done = small_fs / "done"
    assert divertsim("run", "status-quo", "--reps", "2", "--workers", "1", "--out", str(done), *SMALL).returncode == 0
    before = snapshot(done)
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], capture_output=True).returncode == 0
    one_line_error(divertsim("run", "status-quo", "--reps", "3", "--workers", "1", "--resume", "--out", str(done), *SMALL), 1)
    one_line_error(divertsim("run", "status-quo", "--reps", "2", "--workers", "1", "--out", str(small_fs / "new"), *SMALL), 1)
    assert snapshot(done) == before and not (small_fs / "new").exists()
    assert integrity(done / "store.sqlite") == "ok"


@pytest.mark.slow
def test_disk_full_clear_error_nothing_corrupt(small_fs):
    done = small_fs / "done"
    assert divertsim("run", "status-quo", "--reps", "2", "--workers", "1", "--out", str(done), *SMALL).returncode == 0
    before = snapshot(done)
    filler = small_fs / "filler"
    free = shutil.disk_usage(small_fs).free
    filler.write_bytes(b"\0" * max(0, free - 150_000))  # leave room for a start, not for a whole run
    full = small_fs / "full"
    err = one_line_error(divertsim("run", "status-quo", "--reps", "30", "--workers", "1", "--out", str(full), *SMALL), 1)
    assert "full" in err.lower() or "space" in err.lower()
    assert snapshot(done) == before
    if (full / "store.sqlite").exists():
        assert integrity(full / "store.sqlite") == "ok"
        assert json.loads((full / "manifest.json").read_text())["status"] == "running"


@pytest.mark.slow
def test_file_size_limit_acts_like_a_full_disk(tmp_path):
    """Without mount rights: a file-size limit makes writes fail as a full disk would."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (120_000, 120_000))

    out = tmp_path / "big"
    proc = divertsim("run", "status-quo", "--reps", "30", "--workers", "1", "--out", str(out), *SMALL, preexec=limit)
    one_line_error(proc, 1)
    assert integrity(out / "store.sqlite") == "ok"


# -------------------------------------------------------------------------- second writer, corruption
@pytest.mark.slow
def test_second_sweep_on_the_same_folder_refuses(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP.replace("reps = 3", "reps = 30"))
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(spec), "--workers", "1", "--out", str(out)],
                             cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not (out / "store.sqlite").exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        err = one_line_error(divertsim("sweep", str(spec), "--resume", "--out", str(out)), 2)
        assert "another run is writing" in err
        err = one_line_error(divertsim("sweep", str(spec), "--out", str(out)), 2)
        assert "folder exists" in err
    finally:
        first.kill()
        first.wait()


@pytest.mark.slow
def test_truncated_or_corrupt_store_is_reported(tmp_path):
    out = tmp_path / "r"
    assert divertsim("run", "status-quo", "--reps", "3", "--workers", "1", "--out", str(out), *SMALL).returncode == 0
    store = out / "store.sqlite"
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    err = one_line_error(divertsim("run", "status-quo", "--reps", "4", "--workers", "1", "--resume", "--out", str(out), *SMALL), 2)
    assert "store" in err and ("corrupt" in err or "not a readable" in err)
    one_line_error(divertsim("report", str(out)), 2)  # a damaged store is the user's to see: exit 2
    store.write_bytes(data[:100] + b"\xff" * 4096 + data[4196:])
    one_line_error(divertsim("run", "status-quo", "--reps", "4", "--workers", "1", "--resume", "--out", str(out), *SMALL), 2)


# ------------------------------------------------------------------------------------- dead workers
def results(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "results.parquet").sort_values(["point", "replication", "metric"]).reset_index(drop=True)


def kill_after(store: Path, done: int, pids, stop: threading.Event, killed: threading.Event) -> threading.Thread:
    """In the background: once ``done`` tasks are stored, SIGKILL the first of ``pids()``."""
    def watch():
        while not stop.is_set():
            try:
                with sqlite3.connect(store) as db:
                    n = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
            except sqlite3.Error:
                n = 0
            if n >= done:
                victims = pids()
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    killed.set()
                    return
            time.sleep(0.02)
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def serial_reference(tmp_path: Path) -> SweepPlan:
    """The fault sweep's plan, run serially into ``tmp_path/serial`` as the reference."""
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)
    plan = SweepPlan(load_sweep(spec), spec)
    run_sweep(plan, tmp_path / "serial", SerialExecutor())
    return plan


def same_as_serial(tmp_path: Path, plan: SweepPlan, summary: dict, name: str) -> None:
    assert summary["failed"] == 0 and summary["done"] == plan.design.tasks
    pd.testing.assert_frame_equal(results(tmp_path / "serial"), results(tmp_path / name), check_exact=True)


def sweep_killing_a_worker(tmp_path: Path, plan: SweepPlan, ex, name: str, pids: list[int]) -> None:
    """Run the sweep on ``ex``, SIGKILL one of ``pids`` once 3 tasks are stored; same results as serial."""
    stop, killed = threading.Event(), threading.Event()
    watcher = kill_after(tmp_path / name / "store.sqlite", 3, lambda: pids, stop, killed)
    try:
        summary = run_sweep(plan, tmp_path / name, ex)
    finally:
        stop.set()
        ex.close()
    watcher.join(1)
    assert killed.is_set(), "the worker was never killed: the test proved nothing"
    same_as_serial(tmp_path, plan, summary, name)


@pytest.mark.slow
def test_killed_process_worker_is_replaced_and_results_identical(tmp_path):
    plan = serial_reference(tmp_path)
    ex = ProcessExecutor(2)
    ex.start()
    sweep_killing_a_worker(tmp_path, plan, ex, "procs", list(ex._pool._processes))


@pytest.mark.slow
def test_a_pool_broken_between_tasks_is_replaced(tmp_path):
    """A worker that dies while no task is awaited breaks the pool at the next submission."""
    plan = serial_reference(tmp_path)
    ex = ProcessExecutor(1)
    ex.start()
    os.kill(next(iter(ex._pool._processes)), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not ex._pool._broken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ex._pool._broken, "the pool never noticed its dead worker: the test proved nothing"
    try:
        summary = run_sweep(plan, tmp_path / "procs", ex)
    finally:
        ex.close()
    same_as_serial(tmp_path, plan, summary, "procs")


@pytest.mark.slow
def test_killed_dask_worker_is_replaced_and_results_identical(tmp_path):
    plan = serial_reference(tmp_path)
    ex = DaskExecutor(2, chunk=1)
    sweep_killing_a_worker(tmp_path, plan, ex, "dask", list(ex._client.run(os.getpid).values()))


# ----------------------------------------------------------------------------- killed coordinators
@pytest.mark.slow
def test_sweep_killed_at_random_moments_resumes_to_identical_results(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP.replace("reps = 3", "reps = 60"))
    whole = tmp_path / "whole"
    started = time.monotonic()
    assert divertsim("sweep", str(spec), "--workers", "2", "--out", str(whole)).returncode == 0
    # kill moments scale with how long the whole sweep takes here, so that three of the four
    # attempts are still running when killed however fast the model and the machine are
    whole_s = time.monotonic() - started
    rng = random.Random(11)
    part = tmp_path / "part"
    kills = 0
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(spec), "--workers", "2", "--out", str(part),
                                 *(["--resume"] if (part / "store.sqlite").exists() else [])], cwd=ROOT, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.15, 0.35) * whole_s)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        if (part / "store.sqlite").exists():
            assert integrity(part / "store.sqlite") == "ok"
        if (part / "manifest.json").exists():
            json.loads((part / "manifest.json").read_text())  # never half-written
    assert kills >= 3
    final = divertsim("sweep", str(spec), "--workers", "2", "--out", str(part), "--resume")
    assert final.returncode == 0, final.stderr
    pd.testing.assert_frame_equal(results(whole), results(part), check_exact=True)
    assert (whole / "points.csv").read_text() == (part / "points.csv").read_text()


#: tasks whose results (20 MB each) take a worker most of its time to send
BIG_RESULTS = '''
def big(scenario_json, rep, seed, keep_monthly):
    return bytes(20_000_000)
'''

STOP_MID_SEND = '''
import sys, time
sys.path.insert(0, sys.argv[1])
from bigtask import big
from sim.experiments.executors import ProcessExecutor, Task

class Enough(Exception):
    pass

def on_done(task, result):
    if task.rep >= 3:
        raise Enough  # as Ctrl-C would, while the other worker is sending its result

if __name__ == "__main__":
    ex = ProcessExecutor(2, fn=big)
    tasks = [Task(0, rep, 0, "") for rep in range(40)]
    t0 = time.monotonic()
    try:
        ex.run(tasks, on_done, lambda task, err: None)
    except Enough:
        print(f"stopped in {time.monotonic() - t0:.1f} s")
'''


@pytest.mark.slow
def test_workers_stopped_while_sending_results_do_not_hang_the_stop(tmp_path):
    """Stopping the pool (Ctrl-C, or any error in the coordinator) terminates its workers; one
    stopped while sending a result leaves part of a message in the pipe, which the pool's manager
    thread would wait for the rest of for ever. Each of the repeats here stops the pool while the
    other worker is, most likely, mid-send."""
    (tmp_path / "bigtask.py").write_text(BIG_RESULTS)
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", STOP_MID_SEND, str(tmp_path)], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env={**os.environ, "PYTHONPATH": f"{ROOT}:{tmp_path}"})
        assert done.returncode == 0 and done.stdout.startswith("stopped"), done.stderr[-2000:]
