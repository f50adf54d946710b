"""The transition log of one replication, read as stocks and flows at month edges.

Shared by the metrics (:mod:`sim.results.metrics`) and the paired, case-by-case reading of a
comparison (:mod:`sim.results.paired`), so that neither imports the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.record import STATE_BITS
from sim.results.edges import edges_at_or_before

if TYPE_CHECKING:
    from sim.engine.model import Model


class TransitionLog:
    """The transition log as it was written, each entry with its end (the same case's next entry),
    and every state's entries and exits counted by month, for stocks and flows at month edges.

    Each entry links to the case's previous one (``log.prev``), so no sort by case is needed; the
    counts are one lookup of each time's month (:mod:`sim.results.edges`) and one ``bincount``.
    "At an edge" means just before it: an entry counts from its time, an exit from just after.
    """

    def __init__(self, model: Model, edges: np.ndarray) -> None:
        log = model.rec.log
        key = log.key
        self.case = key >> STATE_BITS
        self.state = (key & ((1 << STATE_BITS) - 1)).astype(np.intp, copy=False)
        self.time = log.time
        self.prev = log.prev
        linked = self.prev >= 0
        # an entry ends at the next entry of its case; the entries with no previous one write to a
        # spare last slot, which is dropped (a scatter of every entry: no masked copies to make)
        n = len(key)
        until = np.full(n + 1, np.inf)
        until[np.where(linked, self.prev, n)] = self.time
        self.until = until[:n]
        self.first = ~linked
        k = len(edges)
        n_states = 1 << STATE_BITS

        def before_edges(times: np.ndarray) -> np.ndarray:  # per state: entries (or exits) before each edge
            j = edges_at_or_before(edges, times)
            j += self.state * (k + 1)  # in place: one array of the log's length fewer at a time
            counts = np.bincount(j, minlength=n_states * (k + 1)).reshape(n_states, k + 1)
            return np.cumsum(counts, axis=1)[:, :k]

        self._in = before_edges(self.time)
        self._out = before_edges(self.until)

    def entered(self, states: tuple[int, ...] | list[int]) -> np.ndarray:
        """Entries into any of ``states`` before each month edge (cumulative)."""
        return self._in[list(states)].sum(axis=0)

    def stock(self, states: tuple[int, ...] | list[int]) -> np.ndarray:
        """Cases in any of ``states`` just before each month edge."""
        rows = list(states)
        return self._in[rows].sum(axis=0) - self._out[rows].sum(axis=0)

    def first_times(self) -> np.ndarray:
        return self.time[self.first]


def mask(log: TransitionLog, states: tuple[int, ...]) -> np.ndarray:
    """Which rows of the log are in one of ``states`` (a table lookup: far cheaper than np.isin)."""
    table = np.zeros(1 << STATE_BITS, dtype=bool)
    table[list(states)] = True
    return table[log.state]


def risk_spans(model: Model, log: TransitionLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case id: the start and end of its time at risk, and its release from custody (inf if none).

    At risk from its first entry in the log for ``reoffending.window_years`` at liberty (custody
    inside the window extends it), or until the person reoffends."""
    rec = model.rec
    n_cases = model.cases_created
    t0 = np.full(n_cases, np.inf)
    t0[log.case[log.first]] = log.time[log.first]
    reoffended = np.full(n_cases, np.inf)
    reoffended[rec.reoffence_case] = rec.reoffence_t  # a person reoffends once per case
    jail_from = np.full(n_cases, np.inf)
    jail_to = np.full(n_cases, np.inf)
    jail_from[rec.prison_case] = rec.prison_in
    jail_to[rec.prison_case] = rec.prison_out
    end = t0 + model.sc.reoffending.window_years * 365.25
    inside = jail_from < end
    end[inside] += jail_to[inside] - jail_from[inside]
    return t0, np.minimum(end, reoffended), jail_to
