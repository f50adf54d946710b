"""CCPAS (2005) self-referral: come forward, hand over devices, be assessed and treated, be cautioned.

Self-referrals arrive at their own rate (zero unless a scenario enables it); a share of them would
otherwise have been detected later, and each of those removes one later detection (see
:mod:`sim.engine.model`). They hand over their devices, which have a triage examination on the examiners'
list; devices that show making or distributing send the case to the ordinary route. The rest wait
for an independent assessment (finite assessors). Those found suitable wait for a treatment place
(finite places held for the whole programme); those who complete it receive a caution and go on
the register. Those found unsuitable, those who drop out of treatment, and those not assessed or
not given a place within ``wait_limit_days`` go to the ordinary investigation route, with their
devices already seized, and are not offered another diversion. Self-referrers are not arrested.
"""

from __future__ import annotations

import heapq
from typing import cast

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import DISPLACES, SR_COMPLETES, SR_EXCLUDED, SR_SUITABLE, Block, Case, Layout
from sim.engine.context import Context
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.police import PoliceRoute
from sim.engine.routes.stage import Stage
from sim.engine.servers import Job, ServerPool
from sim.engine.states import S

ASSESSMENT, TREATMENT = 0, 1  # the stage's pools
#: the only origin whose cases take this route
ORIGIN = ("self_referral",)


class SelfReferralRoute(Stage):
    police: PoliceRoute
    outcomes: Outcomes

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        cfg = ctx.sc.self_referral
        self.cfg = cfg
        cal = ctx.cal
        self.assessors = ServerPool(
            "self_referral_assessors",
            servers_by_day(level_by_day(cal, cfg.assessors), working_mask(cal, cfg.assessor_working_days_per_week)),
            self,
            tag=ASSESSMENT,
        )
        self.places = ServerPool(
            "treatment_places",
            servers_by_day(level_by_day(cal, cfg.treatment_places), working_mask(cal, 7)),
            self,
            tag=TREATMENT,
        )
        self.assessors.patience = cfg.wait_limit_days
        self.places.patience = cfg.wait_limit_days
        self._treatment_days = cfg.treatment_days
        self._within = cfg.displacement_within_years * 365.25
        self._displaced: list[float] = []  # times from which a first-time detection is displaced (a heap)
        # what each case carries for this stage
        layout.yes_no("self_referral.suitable", SR_SUITABLE, cfg.suitable_share, origins=ORIGIN)
        layout.yes_no("self_referral.completes", SR_COMPLETES, cfg.completion_share, origins=ORIGIN)
        layout.yes_no("self_referral.displaces", DISPLACES, cfg.displacement_share, origins=ORIGIN)
        self._c_dropout_time = layout.uniform("self_referral.dropout_time", ORIGIN)  # share of treatment before it
        self._c_displace_time = layout.uniform("self_referral.displacement_time", ORIGIN)
        self._c_handover = layout.sample("self_referral.handover_days", cfg.handover_days, origins=ORIGIN)
        self._c_assessment = layout.sample("self_referral.assessment_days", cfg.assessment_days, origins=ORIGIN)
        if cfg.excluded_if_making:
            layout.decide(self.decide)

    def connect(self, police: PoliceRoute, outcomes: Outcomes) -> None:
        """Where this stage's cases go next: the triage examination and prosecution by the police, or closure."""
        self.police = police
        self.outcomes = outcomes

    def decide(self, block: Block) -> None:
        """Handed-in devices that show making or distributing exclude the case (``excluded_if_making``)."""
        block.flag(SR_EXCLUDED, block.yes("case.making_distributing"))

    def refer(self, case: Case, t: float) -> None:
        """A self-referral comes forward at ``t`` and hands over its devices for a triage examination;
        one that would otherwise have been detected later displaces a first-time detection."""
        if case.bits & DISPLACES:
            heapq.heappush(self._displaced, t + case.draw(self._c_displace_time) * self._within)
        self.ctx.move(case, S.SELF_REFERRAL_HANDOVER, t)
        self.police.triage(case, t + case.draw(self._c_handover))

    def displaces(self, t: float) -> bool:
        """Whether a first-time detection at ``t`` is of a person who had already come forward (then
        it does not happen)."""
        displaced = self._displaced
        if displaced and displaced[0] <= t:
            heapq.heappop(displaced)
            return True
        return False

    def receive(self, case: Case, t: float) -> None:
        """The handed-in devices have been examined at ``t``."""
        if case.bits & SR_EXCLUDED:
            self.ctx.out.self_referral_excluded_t.append(t)
            self.police.prosecute(case, t)
            return
        self.ctx.move(case, S.SELF_REFERRAL_ASSESSMENT, t)
        self.assessors.push(t, case.draw(self._c_assessment), case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        if tag == ASSESSMENT:
            self._assessment_starts(cast(Case, job), start, end)
        else:
            self._treatment_starts(cast(Case, job), start, end)

    def _assessment_starts(self, case: Case, start: float, end: float) -> None:
        if not case.bits & SR_SUITABLE:
            self.police.prosecute(case, end)
            return
        self.ctx.move(case, S.TREATMENT, end)
        days = self._treatment_days
        if not case.bits & SR_COMPLETES:
            days *= case.draw(self._c_dropout_time)
        self.places.push(end, days, case)

    def _treatment_starts(self, case: Case, start: float, end: float) -> None:
        if case.bits & SR_COMPLETES:
            self.ctx.out.self_referral_caution_t.append(end)
            self.outcomes.close(case, S.CLOSED_SELF_REFERRAL_CAUTION, end)
        else:
            self.police.prosecute(case, end)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """Not assessed, or not given a treatment place, within the limit: the ordinary route."""
        self.ctx.out.self_referral_lapsed_t.append(t)
        self.police.prosecute(cast(Case, job), t)
        return True

    def advance(self, until: float) -> None:
        self.assessors.advance(until)
        self.places.advance(until)

    def live(self) -> int:
        return self.assessors.waiting() + self.places.waiting()
