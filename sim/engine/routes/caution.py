"""NPCC (2017) conditional caution with a rehabilitation course.

A referred case waits for a risk assessment (finite assessors); one not assessed within
``wait_limit_days`` goes back to the ordinary route. Those assessed as low risk receive
a conditional caution at once (and go on the register) with a course to complete within the
caution period; the course hours are counted as provider load. A breach of the condition is found
at the end of the period and leads to prosecution. Those not assessed as suitable are prosecuted
in the ordinary way.
"""

from __future__ import annotations

from typing import cast

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import CAUTION_BREACH, CAUTION_SUITABLE, Case, Layout
from sim.engine.context import Context
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.police import PoliceRoute, routes_taken
from sim.engine.routes.stage import Stage
from sim.engine.servers import Job, ServerPool
from sim.engine.states import S


class CautionRoute(Stage):
    police: PoliceRoute
    outcomes: Outcomes

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        c = ctx.sc.caution
        level = level_by_day(ctx.cal, c.assessors)
        self.assessors = ServerPool(
            "caution_assessors", servers_by_day(level, working_mask(ctx.cal, c.assessor_working_days_per_week)), self
        )
        self.assessors.patience = c.wait_limit_days
        self._window = c.completion_window_days
        # what each case carries for this stage, drawn only if some rule offers the caution
        used = None if "conditional_caution" in routes_taken(ctx.sc) else ()
        layout.yes_no("caution.suitable", CAUTION_SUITABLE, c.suitable_share, origins=used)
        layout.yes_no("caution.breach", CAUTION_BREACH, c.breach_share, origins=used)
        self._c_course_time = layout.uniform("caution.course_time", used)  # when in the window the course ends
        self._c_course_hours = layout.sample("caution.course_hours", c.course_hours, origins=used)
        self._c_assessment = layout.sample("caution.assessment_days", c.assessment_days, origins=used)

    def connect(self, police: PoliceRoute, outcomes: Outcomes) -> None:
        """Where this stage's cases go next: prosecution by the police, or closure."""
        self.police = police
        self.outcomes = outcomes

    def receive(self, case: Case, t: float) -> None:
        self.ctx.move(case, S.CAUTION_ASSESSMENT, t)
        self.assessors.push(t, case.draw(self._c_assessment), case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        """A risk assessment starts (the assessors' pool is this stage's only pool)."""
        case = cast(Case, job)
        if not case.bits & CAUTION_SUITABLE:
            # not low risk: prosecution (examination first if not yet done), with no second diversion
            self.police.prosecute(case, end)
            return
        rec = self.ctx.out
        rec.caution_conditional_t.append(end)
        rec.register_t.append(end)
        case.registered = True
        self.ctx.move(case, S.CAUTION_COURSE, end)
        if case.bits & CAUTION_BREACH:
            t_breach = end + self._window
            rec.caution_breach_t.append(t_breach)
            self.police.prosecute(case, t_breach)
        else:
            t_done = end + case.draw(self._c_course_time) * self._window
            rec.course_hours_t.append(t_done)
            rec.course_hours.append(case.draw(self._c_course_hours))
            self.outcomes.close(case, S.CLOSED_CONDITIONAL_CAUTION, t_done)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """A referral not assessed within the limit goes back to the ordinary route."""
        self.ctx.out.caution_lapsed_t.append(t)
        self.police.prosecute(cast(Case, job), t)
        return True

    def advance(self, until: float) -> None:
        self.assessors.advance(until)

    def live(self) -> int:
        return self.assessors.waiting()
