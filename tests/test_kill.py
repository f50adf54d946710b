"""A run killed with SIGKILL leaves no file that looks complete, and --resume finishes it exactly."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: twelve short replications, so that a kill after the first few lands while the run is still going
ARGS = ["run", "status-quo", "--reps", "12", "--workers", "1", "--years", "1",
        "--set", "arrivals.per_month=120", "--set", "forensics.examiners=17", "--set", "court.crown.sitting_days_per_month=55",
        "--set", "court.magistrates.sitting_days_per_month=17", "--set", "court.charging.lawyers=3",
        "--set", "initial.forensics.cases=1000", "--set", "initial.crown_trial.cases=60"]


def divertsim(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, **kw)


def done_reps(folder: Path) -> int:
    import sqlite3

    store = folder / "store.sqlite"
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store) as db:
            return db.execute("SELECT count(*) FROM tasks WHERE status = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    whole = tmp_path / "whole"
    assert divertsim(*ARGS, "--out", str(whole)).wait() == 0
    for attempt in range(3):  # kill at a few different moments
        part = tmp_path / f"part{attempt}"
        proc = divertsim(*ARGS, "--out", str(part))
        deadline = time.time() + 120
        while done_reps(part) < attempt + 1 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        manifest = json.loads((part / "manifest.json").read_text())
        if manifest["status"] == "running":
            assert not (part / "summary.json").exists()
        resumed = divertsim(*ARGS, "--out", str(part), "--resume")
        assert resumed.wait() == 0, resumed.stderr.read()
        assert not list(part.glob(".*.tmp")), "a temporary file was left behind"
        for name in ("summary.json", "replications.csv", "monthly.csv"):
            assert (part / name).read_text() == (whole / name).read_text(), name
