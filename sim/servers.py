"""A pool of identical servers with a sitting calendar: examiners, lawyers, assessors, courtrooms.

Each stage of the pipeline with finite capacity is one :class:`ServerPool`. Work arrives as
``push(ready, work, item, cls)``: the item can start no earlier than ``ready`` and needs ``work``
server-days (a 7-hour trial in a 4.33-hour sitting day is 1.62 server-days). Servers sit only on
the days the calendar gives them (server ``r`` sits on day ``d`` when ``r < counts[d]``), a job
continues on the server's next sitting day when it does not fit in the current one (a part-heard
trial keeps its courtroom), and a sitting day's hours are spread over the calendar day.

The pool is a non-preemptive multi-server queue, FIFO within a priority class and classes served
in order (class 0 first), so a court can list short hearings ahead of trials. With one class it is
the FIFO c-server queue of queueing theory; with ``counts`` constant and Poisson input it is M/M/c
or M/G/c, which the tests check against Erlang C and Pollaczek-Khinchine.

Why windows: the pool is advanced one day at a time by its stage's SimPy process
(:meth:`advance`). Within the window it computes every start exactly, in time order, from the
items whose ready time falls before the window's end. The stage hands each start to ``on_start``
at once, with its end time already known, so the case's next step is scheduled without a further
event. This keeps the cost per case to a few heap operations (see ``bench/``), while every start
time stays exact: nothing is rounded to days. Items pushed with a ready time earlier than the
window being processed (a hand-off against the pipeline order) start as soon as a server is free.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Any, Callable, Sequence

INF = float("inf")

OnStart = Callable[[Any, int, float, float, float], None]
"""``on_start(item, cls, ready, start, end)``: called once per job, in start-time order."""


class ServerPool:
    __slots__ = (
        "name", "counts", "ndays", "n_servers", "n_classes", "on_start", "busy_by_day",
        "_pending", "_instant", "_queues", "_servers", "_seq", "_clock", "fifo",
    )

    def __init__(self, name: str, counts: Sequence[int], on_start: OnStart, n_classes: int = 1) -> None:
        if n_classes < 1:
            raise ValueError("a pool needs at least one priority class")
        self.name = name
        self.counts = list(counts)
        self.ndays = len(self.counts)
        self.n_servers = max(self.counts, default=0)
        self.n_classes = n_classes
        self.fifo = n_classes == 1
        self.on_start = on_start
        #: server-days of work done on each model day (for utilisation)
        self.busy_by_day = [0.0] * self.ndays
        self._pending: list[tuple[float, int, int, float, Any]] = []
        self._instant: list[tuple[float, int, int, Any]] = []
        self._queues: list[deque[tuple[float, float, Any]]] = [deque() for _ in range(n_classes)]
        self._servers: list[tuple[float, int]] = [(0.0, r) for r in range(self.n_servers)]
        self._seq = 0
        self._clock = 0.0

    # ------------------------------------------------------------------------------------ input
    def push(self, ready: float, work: float, item: Any, cls: int = 0) -> None:
        """Offer ``item`` from time ``ready``, needing ``work`` server-days, in priority ``cls``.

        A job with no work takes no server and starts (and ends) at ``ready``: a stage whose
        duration is set to zero is a stage that costs nothing and holds nobody up.
        """
        self._seq += 1
        if work > 0:
            heapq.heappush(self._pending, (ready, self._seq, cls, work, item))
        else:
            heapq.heappush(self._instant, (ready, self._seq, cls, item))

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        """Start every job whose start time is earlier than ``until``, in start-time order."""
        instant = self._instant
        while True:
            while instant and instant[0][0] < until:
                ready, _, cls, item = heapq.heappop(instant)
                self.on_start(item, cls, ready, ready, ready)
            self._serve(until)
            if not (instant and instant[0][0] < until):
                return

    def _serve(self, until: float) -> None:
        servers = self._servers
        if not servers:
            return
        pending = self._pending
        queues = self._queues
        counts = self.counts
        ndays = self.ndays
        on_start = self.on_start
        heappop, heapreplace = heapq.heappop, heapq.heapreplace
        clock = self._clock
        fifo = self.fifo
        busy = self.busy_by_day
        finish = self._finish
        while True:
            t_server, r = servers[0]
            if fifo:
                # one class: the next job is always the earliest-ready item, no queue needed
                if not pending:
                    break
                t = pending[0][0]
                if t < clock:
                    t = clock
            elif any(queues):
                t = clock
            else:
                if not pending:
                    break
                t = pending[0][0]
                if t < clock:
                    t = clock
            if t_server > t:
                t = t_server
            if t >= until:
                break
            day = int(t)
            if day >= ndays:
                break
            if counts[day] <= r:
                # this server does not sit at t: it is next free on its next sitting day
                d = day + 1
                while d < ndays and counts[d] <= r:
                    d += 1
                heapreplace(servers, (float(d) if d < ndays else INF, r))
                continue
            clock = t
            if fifo:
                ready, _, cls, work, item = heappop(pending)
            else:
                while pending and pending[0][0] <= t:
                    ready, _, cls, work, item = heappop(pending)
                    queues[cls].append((ready, work, item))
                for cls, q in enumerate(queues):
                    if q:
                        ready, work, item = q.popleft()
                        break
            if work <= day + 1 - t:  # fits in today's sitting (the common case for hearings)
                end = t + work
                busy[day] += work
            else:
                end = finish(r, t, work)
            heapreplace(servers, (end, r))
            on_start(item, cls, ready, t, end)
        self._clock = clock

    def _finish(self, r: int, start: float, work: float) -> float:
        """When server ``r``, starting at ``start``, has done ``work`` server-days of sitting time."""
        counts = self.counts
        busy = self.busy_by_day
        t = start
        d = int(t)
        ndays = self.ndays
        while d < ndays:
            if counts[d] > r:
                room = d + 1 - t
                if work <= room:
                    busy[d] += work
                    return t + work
                busy[d] += room
                work -= room
            d += 1
            t = float(d)
        return t + work  # beyond the horizon: no calendar, the job simply ends later

    # ------------------------------------------------------------------------------ inspection
    def waiting(self) -> int:
        """Items offered but not started (whatever their ready time)."""
        return len(self._pending) + len(self._instant) + sum(len(q) for q in self._queues)

    def items(self) -> list[tuple[float, Any]]:
        """``(ready, item)`` for every item not yet started, for end-of-run accounting."""
        out = [(p[0], p[4]) for p in self._pending] + [(p[0], p[3]) for p in self._instant]
        for q in self._queues:
            out.extend((ready, item) for ready, _, item in q)
        return out
