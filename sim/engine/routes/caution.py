"""NPCC (2017) conditional caution with a rehabilitation course.

A referred case waits for a risk assessment (finite assessors); one not assessed within
``wait_limit_days`` goes back to the ordinary route. Those assessed as low risk receive
a conditional caution at once (and go on the register) with a course to complete within the
caution period; the course hours are counted as provider load. A breach of the condition is found
at the end of the period and leads to prosecution. Those not assessed as suitable are prosecuted
in the ordinary way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import CAUTION_BREACH, CAUTION_SUITABLE, Case
from sim.engine.servers import Job, Receiver, ServerPool
from sim.engine.states import S

if TYPE_CHECKING:
    from sim.engine.model import Model


class CautionRoute(Receiver):
    def __init__(self, m: Model) -> None:
        self.m = m
        c = m.sc.caution
        level = level_by_day(m.cal, c.assessors)
        self.assessors = ServerPool(
            "caution_assessors", servers_by_day(level, working_mask(m.cal, c.assessor_working_days_per_week)), self
        )
        self.assessors.patience = c.wait_limit_days
        self._window = c.completion_window_days

    def receive(self, case: Case, t: float) -> None:
        self.m.move(case, S.CAUTION_ASSESSMENT, t)
        self.assessors.push(t, case.caution_assessment_days, case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        """A risk assessment starts (the assessors' pool is this stage's only pool)."""
        case = cast(Case, job)
        m = self.m
        if not case.bits & CAUTION_SUITABLE:
            # not low risk: prosecution (examination first if not yet done), with no second diversion
            m.police.prosecute(case, end)
            return
        rec = m.out
        rec.caution_conditional_t.append(end)
        rec.register_t.append(end)
        case.registered = True
        m.move(case, S.CAUTION_COURSE, end)
        if case.bits & CAUTION_BREACH:
            t_breach = end + self._window
            rec.caution_breach_t.append(t_breach)
            m.police.prosecute(case, t_breach)
        else:
            t_done = end + case.u_caution_course_time * self._window
            rec.course_hours_t.append(t_done)
            rec.course_hours.append(case.caution_course_hours)
            m.outcomes.close(case, S.CLOSED_CONDITIONAL_CAUTION, t_done)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """A referral not assessed within the limit goes back to the ordinary route."""
        self.m.out.caution_lapsed_t.append(t)
        self.m.police.prosecute(cast(Case, job), t)
        return True

    def advance(self, until: float) -> None:
        self.assessors.advance(until)

    def live(self) -> int:
        return self.assessors.waiting()
