"""A court's shared list: these cases' hearings among the rest of the caseload, on national sitting days.

Image cases are a few per cent of a court's work. The court's other cases (the *background*) are
not simulated one by one; they move as a flow of cohorts. Each day's background receipts are one
batch that goes through the same hearings as an image case (first hearing; a guilty plea, then
sentence; or a trial listing that is ineffective and relisted, cracks with a late guilty plea, or is
heard), split by the published shares, each part waiting its procedural delay and then for a place
in the list. A batch needs the hearing time of all its cases; it can be served in part, so the
rest waits on. Image cases' hearings are jobs in the same queues, in ready order with the batches.

Capacity is fluid: a day's sitting days (rooms sitting that day, each for one sitting day) are
spent on the work in the list, short hearings (first hearings, plea hearings, sentences) and trials
sharing each day's capacity in proportion to their waiting work, short work weighted by
``short_weight`` (infinity lists short hearings first; a list with one class is first come, first
served). Within a class, work is served in ready order. An image hearing starts at the time of day
at which the day's capacity reaches it and then takes its own room for its length, on the room's
next sitting days if it does not finish; its sitting time is charged to the day it starts (a
part-heard trial keeps its room on later days, but its hours are counted once). A day freed by
fewer image cases is therefore used by other work when the list has work waiting, and shortens
every wait only as far as the whole list moves.

What a list records: its image jobs' sitting time by day (``busy_by_day``), all work done by day
(``used_by_day``), background receipts and disposals by day, and each background main hearing
(time, wait from receipt, cases, kind) for the Ministry of Justice's waiting-time measure over the
whole list. Written for the compiler (see :mod:`sim.compiled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from librt.vecs import append, vec
from mypy_extensions import i64

from sim.engine.servers import INF, Job, Receiver, _Fifo, draw_up, file_by_ready

#: kinds of background batch
FIRST: Final = 0
TRIAL: Final = 1
SENTENCE: Final = 2
#: kinds of main hearing (for the waiting-time measure)
MAIN_PLEA: Final = 0  # guilty plea at the first (Crown: plea and trial preparation) hearing
MAIN_CRACKED: Final = 1  # late guilty plea on the trial date
MAIN_TRIAL: Final = 2  # start of an effective trial


class Batch(Job):
    """Background cases at one kind of hearing: ``n`` cases, ``work`` server-days in all."""

    __slots__ = ("n", "kind", "received")

    def __init__(self, n: float, kind: int, ready: float, received: float, work: float, cls: int) -> None:
        self.ready = ready
        self.cls = cls
        self.work = work
        self.n = n
        self.kind = kind
        self.received = received


class Flow:
    """The background's rates and shares at one court level, as the list uses them.

    Hours are per case and already in sitting days (hours over the hours of a sitting day); delays
    are mean days. ``receipts`` holds the cases received on each model day.
    """

    def __init__(
        self,
        receipts: Sequence[float],
        first_delay: float,
        sent_share: float,
        guilty_share: float,
        psr_share: float,
        psr_delay: float,
        trial_ready: float,
        ineffective_share: float,
        relist_delay: float,
        cracked_share: float,
        conviction_share: float,
        first_work: float,
        trial_work: float,
        cracked_work: float,
        ineffective_work: float,
        sentence_work: float,
        first_rate: float,
    ) -> None:
        self.receipts = list(receipts)
        self.first_rate = first_rate  # expected receipts a day when the run starts
        self.first_delay = first_delay
        self.sent_share = sent_share
        self.guilty_share = guilty_share
        self.psr_share = psr_share
        self.psr_delay = psr_delay
        self.trial_ready = trial_ready
        self.ineffective_share = ineffective_share
        self.relist_delay = relist_delay
        self.cracked_share = cracked_share
        self.conviction_share = conviction_share
        self.first_work = first_work
        self.sentence_work = sentence_work
        p_i, p_c = ineffective_share, cracked_share
        #: expected sitting time of one trial listing (ineffective, cracked or heard)
        self.listing_work = p_i * ineffective_work + (1.0 - p_i) * (p_c * cracked_work + (1.0 - p_c) * trial_work)


class SharedList:
    """A court level's list, shared by image-case jobs and the background flow (see the module)."""

    def __init__(
        self,
        name: str,
        counts: Sequence[int],
        receiver: Receiver,
        n_classes: int,
        tag: int,
        short_weight: float,
        flow: Flow | None,
    ) -> None:
        if n_classes not in (1, 2):
            raise ValueError("a shared list has one class (first come, first served) or two (short, long)")
        self.name = name
        # the series by day are unboxed (mypyc's typed vectors): compiled, an update is a store,
        # where a list of numbers boxed a float for every hearing and every batch
        self.counts = vec[i64]([int(c) for c in counts])
        self.ndays = len(self.counts)
        self.n_classes = n_classes
        self.receiver = receiver
        self.tag = tag
        self.short_weight = short_weight
        self.flow = flow
        self.busy_by_day = vec[float]([0.0] * self.ndays)  # image jobs' sitting days, by the day they start
        self.used_by_day = vec[float]([0.0] * self.ndays)  # all work done, by day
        self.received_by_day = vec[float]([0.0] * self.ndays)
        self.disposed_by_day = vec[float]([0.0] * self.ndays)
        #: background main hearings: time, wait from receipt (days), cases, kind (MAIN_*)
        self.main_t = vec[float]()
        self.main_wait = vec[float]()
        self.main_n = vec[float]()
        self.main_kind = vec[i64]()
        #: when a list, every image job as (item, server, ready, start, end): the event log's resource use
        self.trace: list[tuple[object, int, float, float, float]] | None = None
        self._buckets: list[list[Job]] = [[] for _ in range(self.ndays)]
        self._beyond: list[Job] = []
        self._queues = [_Fifo() for _ in range(n_classes)]
        self._queued_work = vec[float]([0.0] * n_classes)
        self._next_day = 0
        self._open_day = -1
        self._debt = 0.0  # capacity a non-splittable hearing borrowed from the next sitting day
        # background batches due on each day, by kind (at kind * _nd + day): cases, and case-weighted
        # ready and receipt times
        nd = self.ndays + 1
        self._nd = nd
        self._due_n = vec[float]([0.0] * (3 * nd))
        self._due_ready = vec[float]([0.0] * (3 * nd))
        self._due_recv = vec[float]([0.0] * (3 * nd))
        self._due_later = vec[float]([0.0, 0.0, 0.0])  # due on or after the horizon (still outstanding there)
        self.initial_cases = 0.0

    # ------------------------------------------------------------------------------------ input
    def push(self, ready: float, work: float, item: Job, cls: int = 0) -> None:
        """Offer an image case's hearing from ``ready``, needing ``work`` sitting days, in ``cls``."""
        item.ready = ready
        item.cls = cls if self.n_classes == 2 else 0
        item.work = work
        day = int(ready)
        if day < self._next_day:  # late: its day is drawn up; it waits in ready order from the next day
            self._queues[item.cls].insert(item)
            self._queued_work[item.cls] += work
        elif day < self.ndays:
            self._buckets[day].append(item)  # put in ready order when the day is drawn up
        else:
            self._beyond.append(item)

    def due(self, kind: int, n: float, ready: float, received: float) -> None:
        """Background cases that become ready for a hearing of ``kind`` at ``ready``."""
        if n <= 0.0:
            return
        day = int(ready)
        if day < self._next_day:
            day = self._next_day
        if day >= self.ndays:
            self._due_later[kind] += n
            return
        i = kind * self._nd + day
        self._due_n[i] += n
        self._due_ready[i] += n * ready
        self._due_recv[i] += n * received

    def place_initial(self, n: float, kind: int, ready: float, received: float) -> None:
        """Background cases in the list when the run starts (counted as received before it)."""
        self.initial_cases += n
        self.due(kind, n, ready, received)

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        """Draw up every day's list before ``until``."""
        while self._next_day < until and self._next_day < self.ndays:
            d = self._next_day
            self._next_day = d + 1
            self._open_day = d
            today = draw_up(self._buckets[d])
            self._buckets[d] = []
            flow = self.flow
            if flow is not None:
                self._receive(flow, d)
                for kind in (FIRST, TRIAL, SENTENCE):
                    i = kind * self._nd + d
                    n = self._due_n[i]
                    if n > 0.0:
                        file_by_ready(today, self._batch(flow, kind, n, self._due_ready[i] / n, self._due_recv[i] / n))
            for job in today:
                self._queues[job.cls].items.append(job)
                self._queued_work[job.cls] += job.work
            if self.counts[d] > 0:
                self._serve_day(d)
            self._open_day = -1

    def _receive(self, flow: Flow, d: int) -> None:
        n = flow.receipts[d]
        if n > 0.0:
            self.received_by_day[d] += n
            t = d + 0.5
            self.due(FIRST, n, t + flow.first_delay, t)

    def _batch(self, flow: Flow, kind: int, n: float, ready: float, received: float) -> Batch:
        if kind == FIRST:
            per_case, cls = flow.first_work, 0
        elif kind == TRIAL:
            per_case, cls = flow.listing_work, 1
        else:
            per_case, cls = flow.sentence_work, 0
        return Batch(n, kind, ready, received, n * per_case, cls if self.n_classes == 2 else 0)

    def _serve_day(self, d: int) -> None:
        cap = float(self.counts[d]) - self._debt
        self._debt = 0.0
        if cap <= 0.0:
            self._debt = -cap
            return
        used = 0.0
        if self.n_classes == 1:
            used = self._serve_class(0, d, cap, cap, used)
        else:
            q0, q1 = self._queued_work[0], self._queued_work[1]
            w = self.short_weight
            if q0 <= 0.0:
                share = 0.0
            elif q1 <= 0.0 or w == INF:
                share = 1.0
            else:
                share = w * q0 / (w * q0 + q1)
            budget0 = share * cap
            used = self._serve_class(0, d, cap, budget0, used)
            used = self._serve_class(1, d, cap, cap - used, used)
            if used < cap:
                used = self._serve_class(0, d, cap, cap - used, used)
        if used > cap:
            self._debt = used - cap
            used = cap
        self.used_by_day[d] += used

    def _serve_class(self, c: int, d: int, cap: float, budget: float, used: float) -> float:
        """Serve class ``c`` in ready order with ``budget`` sitting days of day ``d``; return the day's use."""
        queue = self._queues[c]
        spent = 0.0
        while spent < budget and queue.size():
            job = queue.first()
            t = d + min(used / cap, 1.0)
            if job.ready > t:
                t = job.ready
            if isinstance(job, Batch):
                room = budget - spent
                if job.work <= room:
                    queue.pop()
                    self._queued_work[c] -= job.work
                    spent += job.work
                    used += job.work
                    self._served(job, job.n, t)
                else:
                    part = job.n * room / job.work
                    job.n -= part
                    job.work -= room
                    self._queued_work[c] -= room
                    spent = budget
                    used += room
                    self._served(job, part, t)
            else:
                queue.pop()
                work = job.work
                self._queued_work[c] -= work
                spent += work
                used += work
                self.busy_by_day[d] += work
                end = self._end(t, work)
                if self.trace is not None:
                    self.trace.append((job, 0, job.ready, t, end))
                self.receiver.started(self.tag, job, c, job.ready, t, end)
        return used

    def _end(self, start: float, work: float) -> float:
        """When a hearing of ``work`` sitting days started at ``start`` ends, on its room's sitting days."""
        t = start
        d = int(t)
        counts = self.counts
        while d < self.ndays:
            if counts[d] > 0:
                room = d + 1 - t
                if work <= room:
                    return t + work
                work -= room
            d += 1
            t = float(d)
        return t + work

    def _served(self, batch: Batch, n: float, t: float) -> None:
        """``n`` background cases of ``batch`` heard at ``t``: they move on or are disposed."""
        flow = self.flow
        assert flow is not None
        kind = batch.kind
        received = batch.received
        if kind == FIRST:
            sent = n * flow.sent_share
            self._dispose(sent, t)
            rest = n - sent
            guilty = rest * flow.guilty_share
            self._main(t, received, guilty, MAIN_PLEA)
            self._convicted(flow, guilty, t, received)
            self.due(TRIAL, rest - guilty, t + flow.trial_ready, received)
        elif kind == TRIAL:
            relisted = n * flow.ineffective_share
            self.due(TRIAL, relisted, t + flow.relist_delay, received)
            listed = n - relisted
            cracked = listed * flow.cracked_share
            self._main(t, received, cracked, MAIN_CRACKED)
            self._convicted(flow, cracked, t, received)
            heard = listed - cracked
            self._main(t, received, heard, MAIN_TRIAL)
            convicted = heard * flow.conviction_share
            self._dispose(heard - convicted, t)
            self._convicted(flow, convicted, t, received)
        else:
            self._dispose(n, t)

    def _convicted(self, flow: Flow, n: float, t: float, received: float) -> None:
        reports = n * flow.psr_share
        self.due(SENTENCE, reports, t + flow.psr_delay, received)
        self._dispose(n - reports, t)

    def _main(self, t: float, received: float, n: float, kind: int) -> None:
        if n > 0.0:
            self.main_t = append(self.main_t, t)
            self.main_wait = append(self.main_wait, t - received)
            self.main_n = append(self.main_n, n)
            self.main_kind = append(self.main_kind, kind)

    def _dispose(self, n: float, t: float) -> None:
        if n > 0.0:
            d = int(t)
            if d < self.ndays:
                self.disposed_by_day[d] += n

    # ------------------------------------------------------------------------------ inspection
    def waiting(self) -> int:
        """Image jobs offered but not started."""
        n = len(self._beyond) + sum(q.size() for q in self._queues)
        for bucket in self._buckets:
            for job in bucket:
                if not isinstance(job, Batch):
                    n += 1
        for q in self._queues:
            for job in q.items[q.head :]:
                if isinstance(job, Batch):
                    n -= 1
        return n

    def outstanding(self) -> tuple[np.ndarray, np.ndarray]:
        """Background cases outstanding now, with their receipt times (for the age of the caseload).

        Cases between hearings (due later) are counted with the mean receipt time of their batch;
        those due beyond the horizon only as a number (receipt time NaN)."""
        n: list[float] = []
        recv: list[float] = []
        for q in self._queues:
            for job in q.items[q.head :]:
                if isinstance(job, Batch):
                    n.append(job.n)
                    recv.append(job.received)
        due_n, due_recv = self._due_n, self._due_recv
        for kind in (FIRST, TRIAL, SENTENCE):
            for day in range(self._next_day, self.ndays):
                i = kind * self._nd + day
                if due_n[i] > 0.0:
                    n.append(due_n[i])
                    recv.append(due_recv[i] / due_n[i])
            if self._due_later[kind] > 0.0:
                n.append(self._due_later[kind])
                recv.append(float("nan"))
        return np.asarray(n, dtype=float), np.asarray(recv, dtype=float)

    def clear(self) -> None:
        self._buckets = []
        self._beyond = []
        for q in self._queues:
            q.clear()
