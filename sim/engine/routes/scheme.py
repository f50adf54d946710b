"""JUSTICE (2019) deferred prosecution: group sessions over four months, a follow-up eight months later.

Participants wait for a place in a group. A group can start on each start date (every
``group_start_interval_days``) when a group slot is free (slots = facilitators x groups each can
run / facilitators per group) and enough people are waiting (``min_group_size``, or fewer once the
longest waiter has waited ``small_group_after_days``). A deferral whose course has not started
within ``wait_limit_days`` lapses: the case goes back to the ordinary route (examination first if
it never had one), so fewer places never mean fewer prosecutions. A group meets for ``sessions``
sessions spread evenly over ``course_months`` (the first on the start date, the last at the end
of the course), then frees its slot; each participant then has one follow-up session
``follow_up_months`` later.

A participant fails by missing a session (an equal hazard at each of the sessions, follow-up
included, set so that the overall completion rate is ``completion_rate``) or by reoffending
between the first session and the follow-up (the person's own reoffending time, see
:mod:`sim.engine.routes.outcomes`; the new offence is a new case). Failure sends the case to prosecution,
examination first if it never had one, unless the late prosecution cannot proceed. Completion at
the follow-up session closes the case with no prosecution.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from sim.engine.case import LATE_PROCEEDS, SCHEME_FAIL_SESSION, Block, Case, Layout, field
from sim.engine.context import Context
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.police import PoliceRoute, routes_taken
from sim.engine.routes.stage import Stage
from sim.engine.states import S
from sim.inputs.scenario import Scenario, Scheme

INF = float("inf")


def timetable(scheme: Scheme, start: float) -> list[float]:
    """Times of a group's sessions from ``start``, then of the follow-up session (days)."""
    return _times(session_offsets(scheme), start, scheme.course_days, scheme.follow_up_days)


def session_offsets(scheme: Scheme) -> list[float]:
    """Each session's time from its group's start (days): the scheme's, so worked out once per run
    rather than through the scenario's properties for every group."""
    gap = scheme.session_gap_days
    return [k * gap for k in range(scheme.sessions)]


def _times(offsets: list[float], start: float, course: float, follow_up: float) -> list[float]:
    times = [start + offset for offset in offsets]
    times.append(start + course + follow_up)
    return times


def session_hazard(sc: Scenario) -> float:
    """The per-session attendance hazard that, with reoffending during the deferral, gives the completion rate."""
    s = sc.scheme
    p_reoffend = 1.0 - math.exp(-sc.reoffending.hazard_per_day * (s.course_days + s.follow_up_days))
    attend = s.completion_rate / (1.0 - p_reoffend)
    attend = min(max(attend, 0.0), 1.0)
    return 1.0 - attend ** (1.0 / (s.sessions + 1))


class SchemeRoute(Stage):
    police: PoliceRoute
    outcomes: Outcomes

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        s = ctx.sc.scheme
        self.cfg = s
        self._pending: list[tuple[float, int, Case]] = []
        self._waiting: deque[tuple[float, Case]] = deque()
        self._slots = [0.0] * s.group_slots
        self._seq = 0
        self._next_start = 0.0
        self._interval = s.group_start_interval_days
        self._course = s.course_days
        self._follow_up = s.follow_up_days
        self._offsets = session_offsets(s)
        self._group_size = s.group_size
        self._min_group = s.min_group_size
        self._small_after = s.small_group_after_days
        self._limit = s.wait_limit_days
        # what each case carries for this stage, drawn only if some rule offers the deferral
        self._used = None if "deferred_prosecution" in routes_taken(ctx.sc) else ()
        self._hazard = session_hazard(ctx.sc)
        layout.yes_no("scheme.late_prosecution", LATE_PROCEEDS, s.late_prosecution_proceeds, origins=self._used)
        layout.decide(self.decide, "scheme.attendance")

    def connect(self, police: PoliceRoute, outcomes: Outcomes) -> None:
        """Where this stage's cases go next: prosecution by the police, or closure."""
        self.police = police
        self.outcomes = outcomes

    def decide(self, block: Block) -> None:
        """The session at which each participant would stop attending (0: attends all, follow-up included)."""
        ua = block.uniform("scheme.attendance", self._used)
        h = self._hazard
        n = block.n
        if h <= 0:
            fail = np.zeros(n)
        elif h >= 1:
            fail = np.ones(n)
        else:
            k = np.floor(np.log1p(-ua) / math.log1p(-h)) + 1  # first failed session, geometric
            fail = np.where(k <= self.cfg.sessions + 1, k, 0)
        block.code(SCHEME_FAIL_SESSION, fail)

    def receive(self, case: Case, t: float) -> None:
        self.ctx.move(case, S.SCHEME_WAITING, t)
        self._seq += 1
        heapq.heappush(self._pending, (t, self._seq, case))

    def advance(self, until: float) -> None:
        while self._next_start < until:
            t = self._next_start
            self._expire(t)
            self._form_groups(t)
            self._next_start += self._interval
        self._expire(until)

    def _expire(self, t: float) -> None:
        """Take in the referrals ready by ``t``; deferrals not started within the limit lapse."""
        pending, waiting = self._pending, self._waiting
        while pending and pending[0][0] <= t:
            ready, _, case = heapq.heappop(pending)
            waiting.append((ready, case))
        limit = self._limit
        rec = self.ctx.out
        while waiting and waiting[0][0] + limit < t:
            ready, case = waiting.popleft()
            t_out = ready + limit
            rec.scheme_lapsed_t.append(t_out)
            self.police.prosecute(case, t_out)

    def _form_groups(self, t: float) -> None:
        waiting, slots = self._waiting, self._slots
        rec = self.ctx.out
        while waiting and slots and slots[0] <= t:
            n = len(waiting)
            if n < self._min_group and t - waiting[0][0] < self._small_after:
                break
            size = min(self._group_size, n)
            heapq.heapreplace(slots, t + self._course)
            rec.scheme_group_t.append(t)
            rec.scheme_group_size.append(size)
            times = _times(self._offsets, t, self._course, self._follow_up)
            rec.scheme_session_t.extend(times[:-1])
            for _ in range(size):
                ready, case = waiting.popleft()
                self._start(case, ready, t, times)

    def _start(self, case: Case, ready: float, t: float, times: list[float]) -> None:
        ctx = self.ctx
        rec = ctx.out
        ctx.move(case, S.SCHEME_COURSE, t)
        rec.scheme_wait.append(t - ready)
        k = field(case.bits, SCHEME_FAIL_SESSION)
        t_fail = times[k - 1] if k else INF
        t_reoffence = self.outcomes.reoffends_by(case)  # its new case is already on its way
        if t <= t_reoffence < t_fail:
            t_fail = t_reoffence
        t_follow_up_wait = t + self._course
        if t_fail == INF:
            ctx.move(case, S.SCHEME_FOLLOW_UP, t_follow_up_wait)
            rec.scheme_followup_t.append(times[-1])
            self.outcomes.close(case, S.CLOSED_SCHEME_COMPLETED, times[-1])
            return
        if t_fail > t_follow_up_wait:
            ctx.move(case, S.SCHEME_FOLLOW_UP, t_follow_up_wait)
        proceeds = bool(case.bits & LATE_PROCEEDS)
        rec.scheme_fail_t.append(t_fail)
        rec.scheme_fail_proceeds.append(proceeds)
        if proceeds:
            self.police.prosecute(case, t_fail)
        else:
            self.outcomes.close(case, S.CLOSED_LATE_PROSECUTION_DROPPED, t_fail)

    def live(self) -> int:
        return len(self._pending) + len(self._waiting)

    def clear(self) -> None:
        self._pending.clear()
        self._waiting.clear()
