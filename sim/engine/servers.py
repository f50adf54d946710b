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

Why days: the pool is advanced one day at a time by the model's daily process (:meth:`advance`).
For the day it computes every start exactly, in time order, from the items whose ready time falls
in or before the day; nothing is rounded to days. The pool hands each start at once to its
receiver (the stage), with its end time already known, so the case's next step is scheduled
without a further event. Items wait in per-day buckets until their day and then in plain FIFO
queues, so a long backlog costs nothing per item beyond an append and a pop. The code is written
to be compiled (see :mod:`sim.compiled`): small objects with typed fields rather than tuples. An
item pushed for a day already drawn up (a hand-off against the pipeline order) joins the queue in
ready order and starts no earlier than the next day's list; its wait still counts from its own
ready time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any, Final

from librt.vecs import vec
from mypy_extensions import i64

INF: Final = float("inf")
DEADLINE: Final = 0  # a job's own deadline passed while it waited (decided when it would have started)
REVIEW: Final = 1  # a job has waited the pool's patience (decided at that moment)
_GONE: Final = -1.0  # the work of a job that has left its queue unserved
_NO_DAY: Final = -(2**62)
_COMPACT: Final = 1024  # a FIFO drops its served entries once this many, and half its list, have piled up

OnStart = Callable[[Any, int, float, float, float], None]
"""``on_start(item, cls, ready, start, end)``: called once per job, in start-time order."""


class Job:
    """What a pool serves: when it is ready, its priority class and its work (server-days).

    A case is a job (:class:`sim.engine.case.Case` subclasses this), so offering a case to a pool
    allocates nothing: the pool files the case itself. That is sound because a case waits in at
    most one pool at a time, and a pool reads a job's fields before handing it to its stage, whose
    start callback offers the case on at most once (``tests/test_servers.py`` checks this over
    whole runs). Any other item is wrapped in a :class:`Held`. Compiled, only compiled classes may
    subclass this one.
    """

    __slots__ = ("ready", "cls", "work", "deadline")

    def __init__(self) -> None:
        self.ready = 0.0
        self.cls = 0
        self.work = 0.0
        self.deadline = INF  # leaves the queue unserved at this time (see ServerPool, "patience")


#: what holds the place of a job that left a queue unserved (the job itself is free to go elsewhere)
_LEFT: Final = Job()
_LEFT.work = _GONE


class Held(Job):
    """An item that is not itself a job (a test's label, say), filed in a pool."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        super().__init__()
        self.item = item


def item_of(job: Job) -> Any:
    """What was offered: the job itself, or the item a :class:`Held` wraps."""
    return job.item if isinstance(job, Held) else job


class Receiver:
    """What a pool hands each start to: the stage that owns the pool.

    A stage subclasses this and tells its pools apart by ``tag``. Compiled, calling a method of a
    known class passes the times as plain doubles; calling a stored function would box three floats
    and an integer per job. A plain function (as in the tests) is wrapped in :class:`Function`.
    """

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        raise NotImplementedError

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """A waiting job reached its deadline (``why`` = DEADLINE) or the pool's patience (REVIEW) at ``t``.

        Returns whether the job leaves the queue (a job at its deadline always leaves)."""
        raise NotImplementedError


class Function(Receiver):
    """A plain ``on_start(item, cls, ready, start, end)`` function as a receiver."""

    def __init__(self, on_start: OnStart) -> None:
        self.on_start = on_start

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        self.on_start(item_of(job), cls, ready, start, end)


class _Server:
    """One server: when it is next free, and its index (which breaks ties, as in a heap of pairs)."""

    __slots__ = ("free", "index")

    def __init__(self, free: float, index: int) -> None:
        self.free = free
        self.index = index


def _later(heap: list[_Server], free: float) -> None:
    """Restore the heap of servers after its first server's free time moved on to ``free``.

    A server's free time only ever increases, so the first server only sinks. Written out rather
    than heapq's replace of (time, index) pairs because, compiled, comparing two fields costs a
    few instructions where comparing two tuples costs a few hundred, and no tuple is built.
    """
    n = len(heap)
    pos = 0
    first = heap[0]
    first.free = free
    r = first.index
    while True:
        child = 2 * pos + 1
        if child >= n:
            break
        c = heap[child]
        if child + 1 < n:
            d = heap[child + 1]
            if d.free < c.free or (d.free == c.free and d.index < c.index):
                child += 1
                c = d
        if c.free < free or (c.free == free and c.index < r):
            heap[pos] = c
            pos = child
        else:
            break
    heap[pos] = first


def after_ties(items: list[Job], ready: float, lo: int, hi: int) -> int:
    """The first index in ``items[lo:hi]`` (in ready order) of a job ready later than ``ready``
    (``hi`` if none): where a job ready then goes, after any job ready at the same time.

    A binary search, so that the cost grows with the log of the list, not with the list."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if items[mid].ready > ready:
            hi = mid
        else:
            lo = mid + 1
    return lo


def file_by_ready(items: list[Job], job: Job, lo: int = 0) -> None:
    """Insert ``job`` into ``items[lo:]``, a list in ready order, after any job ready at the same time."""
    ready = job.ready
    hi = len(items)
    if hi > lo and items[hi - 1].ready > ready:
        items.insert(after_ties(items, ready, lo, hi - 1), job)
    else:
        items.append(job)


class _Fifo:
    """A first-in, first-out queue of jobs: a list and the index of its head.

    Compiled, each operation is a direct call and a list access; a ``deque``'s methods are looked
    up by name on every call.
    """

    __slots__ = ("items", "head", "review")

    def __init__(self) -> None:
        self.items: list[Job] = []
        self.head = 0
        self.review = 0  # jobs before this index have been reviewed (see ServerPool.patience)

    def size(self) -> int:
        return len(self.items) - self.head

    def first(self) -> Job:
        return self.items[self.head]

    def pop(self) -> Job:
        items = self.items
        h = self.head
        job = items[h]
        # the list lets go of the job now, while it is in the cache: dropping served jobs only
        # when the list is compacted touched each of them again, long after
        items[h] = _LEFT
        h += 1
        if h == len(items):
            items.clear()
            h = 0
            self.review = 0
        elif h >= _COMPACT and 2 * h >= len(items):
            del items[:h]
            self.review = max(0, self.review - h)
            h = 0
        self.head = h
        return job

    def insert(self, job: Job) -> None:
        """Add ``job`` after every job ready no later than it (a late job joins in ready order)."""
        file_by_ready(self.items, job, self.head)

    def clear(self) -> None:
        self.items.clear()
        self.head = 0
        self.review = 0


def draw_up(bucket: list[Job]) -> list[Job]:
    """A day's ``bucket`` in ready order, jobs ready at the same time in the order they were filed.

    Jobs are appended as they are filed and put in order once, when the day's list is drawn up.
    Filing each in place instead, by a binary search, touched about log2(n) jobs scattered in memory
    per job, so each case cost more as the volume grew. The order is a binary insertion sort, stable
    (ties keep their filing order, as ``list.sort`` would): a day's bucket is short (about 20 jobs
    at the national volume) and half its jobs are already after the one before, and compiled, each
    comparison reads two doubles, where ``list.sort(key=...)`` called a Python-level key function
    and boxed a float for every job, then compared the boxes."""
    n = len(bucket)
    for i in range(1, n):
        job = bucket[i]
        ready = job.ready
        if bucket[i - 1].ready <= ready:
            continue
        del bucket[i]
        # bucket[i - 1] is ready later: the job goes at or before it
        bucket.insert(after_ties(bucket, ready, 0, i - 1), job)
    return bucket


class ServerPool:
    __slots__ = (
        "name",
        "counts",
        "ndays",
        "n_servers",
        "n_classes",
        "receiver",
        "tag",
        "busy_by_day",
        "_buckets",
        "_today",
        "_instant",
        "_queues",
        "_servers",
        "_seq",
        "_clock",
        "_next_day",
        "_open_day",
        "_beyond",
        "trace",
        "patience",
        "_gone",
    )

    def __init__(
        self, name: str, counts: Sequence[int], on_start: OnStart | Receiver, n_classes: int = 1, tag: int = 0
    ) -> None:
        if n_classes < 1:
            raise ValueError("a pool needs at least one priority class")
        self.name = name
        # both by day, unboxed (mypyc's typed vectors): compiled, a read is a load and an update a
        # store, where a list of numbers boxed a float for every job started
        self.counts = vec[i64]([int(c) for c in counts])
        self.ndays = len(self.counts)
        self.n_servers = max(self.counts, default=0)
        self.n_classes = n_classes
        self.receiver = on_start if isinstance(on_start, Receiver) else Function(on_start)
        self.tag = tag
        #: server-days of work done on each model day (for utilisation)
        self.busy_by_day = vec[float]([0.0] * self.ndays)
        self._buckets: list[list[Job]] = [[] for _ in range(self.ndays)]
        # jobs of the day being drawn up, latest first: the next is always today[-1]
        self._today: list[Job] = []
        self._beyond: list[Job] = []  # ready after the horizon
        self._instant: list[tuple[float, int, int, Job]] = []
        self._queues = [_Fifo() for _ in range(n_classes)]
        self._servers = [_Server(0.0, r) for r in range(self.n_servers)]  # a heap by (free, index)
        self._seq = 0
        self._clock = 0.0
        #: when a list, every job as (item, server, ready, start, end): the event log's resource use
        self.trace: list[tuple[Any, int, float, float, float]] | None = None
        self._next_day = 0  # the next day whose list is to be drawn up
        self._open_day = _NO_DAY  # the day whose list is being drawn up, if any
        #: days a job may wait before the receiver reviews it (``reneged(..., REVIEW, ...)``), at
        #: least a day; jobs wait in ready order, so the ones due are always the first waiting
        self.patience = INF
        self._gone = 0  # jobs that left unserved but still hold their place in a queue

    # ------------------------------------------------------------------------------------ input
    def push(self, ready: float, work: float, item: Any, cls: int = 0) -> None:
        """Offer ``item`` from time ``ready``, needing ``work`` server-days, in priority ``cls``.

        A :class:`Job` (a case) is filed as it is, so it must not be waiting in any pool, this one
        included; anything else is wrapped. A job with no work takes no server and starts (and ends) at
        ``ready``: a stage whose duration is set to zero costs nothing and holds nobody up.
        """
        job: Job = item if isinstance(item, Job) else Held(item)
        job.ready = ready
        job.cls = cls
        job.work = work
        if work <= 0:
            self._seq += 1
            heapq.heappush(self._instant, (ready, self._seq, cls, job))
            return
        # truncates towards zero: an item ready less than a day before the start is in day 0's
        # list; one ready earlier waits in the queues, in ready order, for the first list
        day = int(ready)
        if day >= self._next_day:
            if day < self.ndays:
                self._buckets[day].append(job)  # put in ready order when the day is drawn up
            else:
                self._beyond.append(job)
        elif day == self._open_day:  # ready later in the day being drawn up: after any tie
            # the list is latest first: a binary search for the first job ready no later than
            # this one (a scan from the end would cost the whole day's list at a large volume)
            today = self._today
            lo = 0
            hi = len(today)
            while lo < hi:
                mid = (lo + hi) >> 1
                if today[mid].ready > ready:
                    lo = mid + 1
                else:
                    hi = mid
            today.insert(lo, job)
        else:  # late: its day's list is drawn up; it waits in ready order for the next list
            self._queues[cls].insert(job)

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        """Draw up every day's list before ``until`` (a whole day, or infinity)."""
        while self._next_day < until and self._next_day < self.ndays:
            day = self._next_day
            self._next_day = day + 1
            self._open_day = day
            if self._clock < day:
                self._clock = float(day)  # nothing starts before the day whose list this is
            # the day's list, latest first; it starts from the bucket alone, because between days
            # the list is empty (what a day could not start has moved to the queues)
            today = draw_up(self._buckets[day])
            self._buckets[day] = []
            today.reverse()
            self._today = today
            end = float(day + 1)
            instant = self._instant
            while True:
                while instant and instant[0][0] < end:
                    ready, _, cls, job = heapq.heappop(instant)
                    self.receiver.started(self.tag, job, cls, ready, ready, ready)
                self._serve(end)
                if not (instant and instant[0][0] < end):
                    break
            if self.patience != INF:
                self._review(end)
            # whatever the day could not start waits, in ready order, for the next days
            today = self._today
            queues = self._queues
            while today:
                job = today.pop()
                queues[job.cls].items.append(job)
            self._open_day = _NO_DAY
        if until == INF:  # nothing is started after the horizon; zero-work items still pass
            instant = self._instant
            while instant:
                ready, _, cls, job = heapq.heappop(instant)
                self.receiver.started(self.tag, job, cls, ready, ready, ready)

    def _serve(self, until: float) -> None:
        if self.n_classes == 1:
            self._serve_fifo(until)
        else:
            self._serve_classes(until)

    def _serve_fifo(self, until: float) -> None:
        """One class: the next job is always the longest-waiting item."""
        servers = self._servers
        if not servers:
            return
        today = self._today
        queue = self._queues[0]
        counts = self.counts
        receiver = self.receiver
        tag = self.tag
        clock = self._clock
        busy = self.busy_by_day
        trace = self.trace
        patient = self.patience != INF
        while True:
            if queue.size():
                job = queue.first()
                if job.work < 0.0:  # left unserved: drop its place
                    queue.pop()
                    self._gone -= 1
                    continue
            elif today:
                job = today[-1]
            else:
                break
            t = job.ready
            first = servers[0]
            t_server, r = first.free, first.index
            if t < clock:
                t = clock
            if t_server > t:
                t = t_server
            if t >= until:
                break
            day = int(t)
            if counts[day] <= r:
                _later(servers, self._next_sitting(r, day))
                continue
            clock = t
            if patient:
                self._review(t)
                if queue.size() and queue.first() is not job:  # the head left: start again from the new head
                    continue
            job = queue.pop() if queue.size() else today.pop()
            if job.deadline < t:
                receiver.reneged(tag, job, DEADLINE, job.deadline)
                continue
            ready, work = job.ready, job.work
            if work <= day + 1 - t:
                end = t + work
                busy[day] += work
            else:
                end = self._finish(r, t, work)
            _later(servers, end)
            if trace is not None:
                trace.append((item_of(job), r, ready, t, end))
            receiver.started(tag, job, 0, ready, t, end)
        self._clock = clock

    def _serve_classes(self, until: float) -> None:
        """Several classes: when a server is free, the first non-empty class's longest waiter."""
        servers = self._servers
        if not servers:
            return
        today = self._today
        queues = self._queues
        counts = self.counts
        receiver = self.receiver
        tag = self.tag
        clock = self._clock
        busy = self.busy_by_day
        trace = self.trace
        waiting = 0
        for q in queues:
            waiting += q.size()
        patient = self.patience != INF
        while True:
            first = servers[0]
            t_server, r = first.free, first.index
            if waiting:
                t = clock
            elif today:
                t = today[-1].ready
                if t < clock:
                    t = clock
            else:
                break
            if t_server > t:
                t = t_server
            if t >= until:
                break
            day = int(t)
            if counts[day] <= r:
                _later(servers, self._next_sitting(r, day))
                continue
            clock = t
            while today and today[-1].ready <= t:
                job = today.pop()
                queues[job.cls].items.append(job)
                waiting += 1
            if patient:
                self._review(t)
            for q in queues:
                if q.size():
                    job = q.pop()
                    waiting -= 1
                    break
            if job.work < 0.0:  # left unserved: drop its place
                self._gone -= 1
                continue
            if job.deadline < t:
                receiver.reneged(tag, job, DEADLINE, job.deadline)
                continue
            ready, work, cls = job.ready, job.work, job.cls
            if work <= day + 1 - t:  # fits in today's sitting (the common case for hearings)
                end = t + work
                busy[day] += work
            else:
                end = self._finish(r, t, work)
            _later(servers, end)
            if trace is not None:
                trace.append((item_of(job), r, ready, t, end))
            receiver.started(tag, job, cls, ready, t, end)
        self._clock = clock

    def _review(self, t: float) -> None:
        """Hand the receiver every waiting job whose patience ran out before ``t``, in ready order.

        A job whose own deadline came first leaves at its deadline instead. A job the receiver
        lets leave is replaced in the queue by a placeholder that keeps its place until it reaches
        the head (dropping it from the middle of a list would cost a copy): the job itself may at
        once wait in another pool."""
        patience = self.patience
        receiver = self.receiver
        tag = self.tag
        for q in self._queues:
            items = q.items
            i = q.review if q.review > q.head else q.head
            n = len(items)
            while i < n:
                job = items[i]
                due = job.ready + patience
                if due >= t:
                    break
                i += 1
                if job.work < 0.0:
                    continue
                if job.deadline < due:
                    leaves = receiver.reneged(tag, job, DEADLINE, job.deadline)
                else:
                    leaves = receiver.reneged(tag, job, REVIEW, due)
                if leaves:
                    items[i - 1] = _LEFT
                    self._gone += 1
            q.review = i

    def settle(self, horizon: float) -> None:
        """At the end of a run: jobs whose own deadline passed before ``horizon`` while they waited leave.

        Deadlines are decided when a job would have started (it then never takes a server, so the
        queue behind it moves exactly as if it had left on time); this settles those still waiting."""
        for q in self._queues:
            items = q.items
            for i in range(q.head, len(items)):
                job = items[i]
                if job.work >= 0.0 and job.deadline < horizon:
                    items[i] = _LEFT
                    self._gone += 1
                    self.receiver.reneged(self.tag, job, DEADLINE, job.deadline)

    def _next_sitting(self, r: int, day: int) -> float:
        """The start of server ``r``'s next sitting day after ``day`` (infinity if none)."""
        counts = self.counts
        d = day + 1
        while d < self.ndays:
            if counts[d] > r:
                return float(d)
            d += 1
        return INF

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

    def clear(self) -> None:
        """Drop every waiting item (the end of a replication: frees the cases without the collector)."""
        self._buckets = []
        self._today, self._beyond, self._instant = [], [], []
        for q in self._queues:
            q.clear()

    # ------------------------------------------------------------------------------ inspection
    def waiting(self) -> int:
        """Items offered but not started (whatever their ready time)."""
        return (
            len(self._today)
            + len(self._instant)
            + len(self._beyond)
            + sum(len(b) for b in self._buckets)
            + sum(q.size() for q in self._queues)
            - self._gone
        )
