"""Killed commands, then resumed or refused: a killed comparison resumes to results bit-identical
to an uninterrupted one; a killed run refuses a resume of another kind, seed or amount of work
without changing a byte, then resumes exactly; workers die with a killed coordinator (so a pipe
ends); and Ctrl-C while the command starts prints one line."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from small import small_args, small_set

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SMALL = small_args({"arrivals.per_month": 120, "initial.forensics.cases": 600})
TABLES = ("summary.json", "replications.csv", "monthly.csv")


def start(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def finish(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env=ENV, capture_output=True, text=True)


def stored(store: Path) -> int:
    try:
        with sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> bool:
    """SIGKILL the whole process group once ``ready()``; False if it finished first."""
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed


def ctrl_c_once_stored(proc: subprocess.Popen, store: Path, n: int, timeout: float = 120) -> str:
    """Ctrl-C the process group once ``store`` holds ``n`` results; its standard error."""
    deadline = time.monotonic() + timeout
    while stored(store) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the command ended before it was interrupted: the test proved nothing"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return err


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith("-shm")}


@pytest.mark.slow
def test_a_killed_comparison_resumes_bit_identical(tmp_path):
    compare = ["compare", "status-quo", "justice-2019", *SMALL, "--reps", "6", "--workers", "2"]
    whole = tmp_path / "whole"
    assert finish(*compare, "--out", str(whole)).returncode == 0
    # killed while the base scenario runs, then while the second one does, then resumed to the end
    part = tmp_path / "part"
    kills = 0
    for member, done in (("status-quo", 2), ("justice-2019", 3)):
        resume = ["--resume"] if (part / "manifest.json").exists() else []
        proc = start(*compare, "--out", str(part), *resume)
        kills += kill_when(proc, lambda: stored(part / member / "store.sqlite") >= done)
    assert kills == 2, "a comparison finished before it was killed: the test proved nothing"
    resumed = finish(*compare, "--out", str(part), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert (part / "comparison.json").read_bytes() == (whole / "comparison.json").read_bytes()
    for member in ("status-quo", "justice-2019"):
        for name in TABLES:
            assert (part / member / name).read_bytes() == (whole / member / name).read_bytes(), (member, name)
        assert not list((part / member).glob(".*.tmp"))


@pytest.mark.slow
def test_a_killed_run_refuses_another_resume_unchanged_then_resumes_exactly(tmp_path):
    run = ["run", "status-quo", *SMALL, "--reps", "6", "--workers", "1"]
    whole = tmp_path / "whole"
    assert finish(*run, "--out", str(whole)).returncode == 0
    part = tmp_path / "part"
    assert kill_when(start(*run, "--out", str(part)), lambda: stored(part / "store.sqlite") >= 2)
    before = files(part)
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "status-quo"\nreps = 1\n{small_set()}[factors]\n"scheme.completion_rate" = [0.6, 0.9]\n')
    wrong = {
        "holds a run, not a sweep": ["sweep", str(spec)],
        "holds a run, not a comparison": ["compare", "status-quo", "justice-2019", *SMALL, "--reps", "6"],
        "with seed 20190610, not 4": [*run, "--seed", "4"],
        "of other work (6 replications over 1 year, now 7 replications over 1 year)": ["run", "status-quo", *SMALL, "--reps", "7"],
        "of a different scenario": ["run", "justice-2019", *SMALL, "--reps", "6"],
    }
    for words, args in wrong.items():
        proc = finish(*args, "--resume", "--out", str(part))
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert files(part) == before, f"a refused resume changed the folder ({words})"
    resumed = finish(*run, "--resume", "--out", str(part))
    assert resumed.returncode == 0, resumed.stderr
    for name in TABLES:
        assert (part / name).read_bytes() == (whole / name).read_bytes(), name


@pytest.mark.slow
def test_workers_die_with_a_killed_coordinator_and_a_pipe_ends(tmp_path):
    """Only the main process is killed (not its group): its workers and the resource tracker go
    too, so whatever reads the command's output (``divertsim ... | tee``) sees the end."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", "status-quo", "--reps", "40", "--years", "3",
                             "--workers", "2", "--out", str(tmp_path / "r")], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while stored(tmp_path / "r" / "store.sqlite") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2, "the workers never started: the test proved nothing"
        proc.kill()
        proc.wait()
        gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"still running after their parent died: {[p.cmdline()[-3:] for p in alive]}"
        assert proc.stdout.read() is not None  # the pipe has ended: nobody holds it open any more
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.3, 0.9, 1.6, 2.5])
def test_ctrl_c_while_starting_prints_one_line(after, tmp_path):
    """Ctrl-C reaches the whole process group, workers included, at moments from the imports to
    the first replications."""
    proc = start("run", "status-quo", "--reps", "40", "--years", "3", "--workers", "2", "--out", str(tmp_path / "r"),
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("interrupted") and "Traceback" not in err, err


@pytest.mark.slow
def test_ctrl_c_during_a_dask_sweep_prints_one_line(tmp_path):
    """Dask's local workers ignore Ctrl-C too (they would each print a traceback): the sweep stops
    with one line once its cluster is up."""
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "status-quo"\nreps = 20\n{small_set()}[factors]\n"scheme.completion_rate" = [0.6, 0.75, 0.9]\n')
    out = tmp_path / "out"
    proc = start("sweep", str(spec), "--executor", "dask", "--workers", "2", "--out", str(out),
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err = ctrl_c_once_stored(proc, out / "store.sqlite", 2, timeout=60)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("interrupted: finished tasks are saved") and "Traceback" not in err, err


@pytest.mark.slow
def test_ctrl_c_stops_long_replications_at_once_and_the_run_resumes(tmp_path):
    """Workers ignore Ctrl-C, so the coordinator stops them itself: it does not wait for
    replications of many seconds to end, and what was finished is kept."""
    out = tmp_path / "r"
    args = ["run", "status-quo", "--reps", "3", "--years", "30", "--workers", "2", "--set", "arrivals.per_month=300",
            "--out", str(out)]
    proc = start(*args, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while stored(out / "store.sqlite") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it was interrupted: the test proved nothing"
    os.killpg(proc.pid, signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.count("\n") == 1, err
    assert time.monotonic() - sent < 1.5, "Ctrl-C waited for the workers' replications (seconds each) to end"
    resumed = finish(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr


@pytest.mark.slow
def test_the_line_ctrl_c_prints_finishes_the_work_first_asked_for(tmp_path):
    """Run as printed, the interrupt line's command finishes all 40 replications over the same years
    with the same overrides, and until then the manifest says the run was interrupted."""
    out = tmp_path / "r"
    proc = start("run", "status-quo", "--reps", "40", *SMALL, "--workers", "1", "--out", str(out),
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err = ctrl_c_once_stored(proc, out / "store.sqlite", 3)
    assert proc.returncode == 130 and "--resume --out" in err, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["work"]["replications"] == 40
    hint = shlex.split(err.split("continue with ")[1])
    assert hint[:3] == ["divertsim", "run", "status-quo"] and "--resume" in hint
    resumed = finish(*hint[1:])
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["replications"] == 40
    assert manifest["scenario"]["run"]["years"] == 1
