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

#: page faults of four blocks of MB megabytes made and freed together 40 times, as a replication
#: makes and frees its blocks (more freed at once than glibc's sliding threshold keeps)
CHURN = """
import resource, sys
import numpy as np
from sim.experiments import allocator
tuned = allocator.tune() if sys.argv[1] == "tune" else False
size = int(sys.argv[2]) << 17  # doubles
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    blocks = [np.ones(size) for _ in range(4)]
    del blocks
print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def churn(mode: str, mb: int = 3, **env: str) -> tuple[bool, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    # numpy asks for huge pages for large blocks, which would make the count of faults depend on
    # what the system has free; without them, a block of n MB is 256 n page faults
    env = {**clean, "PYTHONPATH": str(ROOT), "NUMPY_MADVISE_HUGEPAGE": "0", **env}
    out = subprocess.run([sys.executable, "-c", CHURN, mode, str(mb)], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env).stdout.split()
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
def test_blocks_above_glibcs_largest_threshold_are_reused_too():
    """At 8 times the national volume the results' arrays pass 32 MiB, which glibc would map on
    their own and unmap when freed: tuned, the heap serves and keeps them."""
    tuned, tuned_faults = churn("tune", mb=40)
    untuned, default_faults = churn("default", mb=40)
    assert tuned and not untuned
    # 160 blocks of 10,240 pages: with the defaults every one faults in again
    assert default_faults > 100 * 10_240
    assert tuned_faults < 8 * 10_240


@pytest.mark.skipif(not LINUX, reason="glibc's allocator")
def test_an_explicit_setting_in_the_environment_rules():
    tuned, faults = churn("tune", MALLOC_TRIM_THRESHOLD_="65536")
    assert not tuned and faults > 40 * 768
    assert not churn("tune", MALLOC_MMAP_THRESHOLD_="131072")[0]
    assert not churn("tune", MALLOC_MMAP_MAX_="65536")[0]


@pytest.mark.skipif(not LINUX, reason="glibc's allocator")
def test_worker_processes_start_with_it():
    ex = ProcessExecutor(1)
    try:
        ex.start()
        assert ex._pool is not None
        assert ex._pool.submit(allocator.in_force).result()
    finally:
        ex.close()
