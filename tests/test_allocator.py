"""The C allocator's settings in divertsim's own processes (sim/experiments/allocator.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiments import allocator
from sim.experiments.executors import ProcessExecutor

ROOT = Path(__file__).resolve().parent.parent
LINUX = sys.platform.startswith("linux")

#: page faults of four blocks of 3 MB made and freed together 40 times, as a replication makes and
#: frees its blocks (more freed at once than glibc's sliding threshold keeps)
CHURN = """
import resource, sys
import numpy as np
from sim.experiments import allocator
tuned = allocator.tune() if sys.argv[1] == "tune" else False
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    blocks = [np.ones(3 << 17) for _ in range(4)]  # 3 MB each
    del blocks
print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def churn(mode: str, **env: str) -> tuple[bool, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**clean, "PYTHONPATH": str(ROOT), **env}).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(not LINUX, reason="glibc's allocator")
def test_freed_blocks_are_reused_rather_than_faulted_in_again():
    tuned, tuned_faults = churn("tune")
    untuned, default_faults = churn("default")
    assert tuned and not untuned
    # 160 blocks of 768 pages: with the defaults most pages fault in again
    assert default_faults > 40 * 768
    assert tuned_faults < 8 * 768


@pytest.mark.skipif(not LINUX, reason="glibc's allocator")
def test_an_explicit_setting_in_the_environment_rules():
    tuned, faults = churn("tune", MALLOC_TRIM_THRESHOLD_="65536")
    assert not tuned and faults > 40 * 768
    assert not churn("tune", MALLOC_MMAP_THRESHOLD_="131072")[0]


@pytest.mark.skipif(not LINUX, reason="glibc's allocator")
def test_worker_processes_start_with_it():
    ex = ProcessExecutor(1)
    try:
        ex.start()
        assert ex._pool is not None
        assert ex._pool.submit(allocator.in_force).result()
    finally:
        ex.close()
