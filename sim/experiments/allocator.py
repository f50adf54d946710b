"""The C allocator's settings in divertsim's own processes: its workers and the command line.

A replication makes and frees thousands of blocks of a few hundred kilobytes (a case block's
draws, the record's chunks, the results' arrays). With glibc's defaults the space freed at the
top of the heap is handed back to the system once it passes a threshold that slides with the
largest block freed, so the next blocks fault their pages in afresh: about 7,700 page faults a
5-year replication. Blocks below 32 MiB taken from the heap, and up to 64 MiB of free space kept at
its top, leave 190: 7-10% less CPU time a national replication (paired runs, ``bench/README.md``),
for up to 64 MB more resident memory a process (32 MiB kept gave no measurable gain: the results
of one replication free more than that at once). Every number the model makes is the same either
way: this only says where memory comes from.

Applied where divertsim owns the process (worker processes, the Dask workers it starts, the
``divertsim`` command and the benchmarks, which time replications as a worker runs them), never
on import: a program that imports divertsim keeps its own allocator. An explicit
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` in the environment is left to rule.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
#: blocks at least this large are mapped on their own (glibc's largest allowed setting)
MMAP_THRESHOLD = 32 << 20
#: free space at the top of the heap beyond this is handed back to the system
TRIM_THRESHOLD = 64 << 20

_applied = False


def tune() -> bool:
    """Set the two thresholds in this process (glibc on Linux only; elsewhere nothing). Returns
    whether they are in force."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux") or {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"} & set(os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied


def in_force() -> bool:
    """Whether :func:`tune` has set the thresholds in this process."""
    return _applied
