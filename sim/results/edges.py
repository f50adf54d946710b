"""How many month edges are at or before each time: the month a recorded time falls in.

Every monthly series is a count of recorded times against the month edges, and the transition log
alone holds about a million times a national replication, read twice (entries and exits). A binary
search per time (``np.searchsorted``) was then the largest single cost of computing a replication's
results. The edges are whole days from the start (calendar months), so the edges at or before a
time ``t`` are the edges at or before ``floor(t)``: one lookup in a table with a row per day of the
horizon, built with a search per day rather than per time, gives the same counts.
"""

from __future__ import annotations

import numpy as np

#: below this many times a binary search per time is as quick as building the table
_TABLE_FROM = 4096


def edges_at_or_before(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``np.searchsorted(edges, times, side="right")``, exactly (NaN and infinities included).

    ``edges`` are sorted; the table is used when they are whole days from day 0, which month
    edges are, and the search otherwise."""
    times = np.asarray(times, dtype=float)
    if len(times) < _TABLE_FROM or not len(edges) or edges[0] != 0 or not np.all(edges == np.floor(edges)):
        return np.searchsorted(edges, times, side="right")
    last = int(edges[-1])
    # row d holds the count at day d, for d from 0 to last + 1 (all), and the last row the count
    # before the start (none), which an index of -1 reads
    table = np.empty(last + 3, dtype=np.intp)
    table[: last + 2] = np.searchsorted(edges, np.arange(last + 2, dtype=float), side="right")
    table[-1] = 0
    day = np.floor(times)
    np.clip(day, -1.0, last + 1.0, out=day)  # -inf to -1, inf to last + 1; NaN stays NaN
    nan = np.isnan(day)
    if nan.any():
        day[nan] = last + 1.0  # a search puts NaN after every edge
    return table[day.astype(np.intp)]
