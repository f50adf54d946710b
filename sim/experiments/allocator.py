"""The C allocator's settings in divertsim's own processes: its workers and the command line.

A replication makes and frees thousands of blocks of a few hundred kilobytes (a case block's
draws, the record's chunks, the results' arrays). With glibc's defaults the space freed at the
top of the heap is handed back to the system once it passes a threshold that slides with the
largest block freed, so the next blocks fault their pages in afresh: about 7,700 page faults a
5-year replication. Blocks below 32 MiB taken from the heap, and up to 64 MiB of free space kept at
its top, left 190: 7-10% less CPU time a national replication (paired runs, ``bench/README.md``).

At larger volumes the results' arrays pass 32 MiB, the largest block glibc's threshold lets the
heap serve: each was mapped on its own and unmapped when freed, so every replication's results
faulted their pages in again (at 8 times the national volume, 5-12% of a replication's time went
to the kernel providing fresh pages). So no block is mapped on its own, and the heap keeps up to
1 GiB free at its top: a process holds on to the memory its largest replication needed, which the
next one reuses, instead of handing it back in between. Its peak is the same as when such blocks
were mapped (the largest replication reaches it either way). Every number the model makes is the
same either way: this only says where memory comes from.

Applied where divertsim owns the process (worker processes, the Dask workers it starts, the
``divertsim`` command and the benchmarks, which time replications as a worker runs them), never
on import: a program that imports divertsim keeps its own allocator. An explicit
``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_MMAP_MAX_`` or ``MALLOC_TRIM_THRESHOLD_`` in the environment is
left to rule.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_MAX = -4
#: blocks mapped on their own at once, at most: none, whatever their size (see above)
MMAP_MAX = 0
#: free space at the top of the heap beyond this is handed back to the system
TRIM_THRESHOLD = 1 << 30

#: the environment's settings of the same, which rule when present
_ENV = frozenset({"MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_"})

_applied = False


def tune() -> bool:
    """Set both in this process (glibc on Linux only; elsewhere nothing). Returns
    whether they are in force."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux") or _ENV & set(os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _applied = all(
        mallopt(option, value) for option, value in ((M_MMAP_MAX, MMAP_MAX), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    )
    return _applied


def in_force() -> bool:
    """Whether :func:`tune` has set them in this process."""
    return _applied
