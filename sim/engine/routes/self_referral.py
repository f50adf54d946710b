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

from typing import TYPE_CHECKING, cast

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import SR_COMPLETES, SR_EXCLUDED, SR_SUITABLE, Case
from sim.engine.servers import Job, Receiver, ServerPool
from sim.engine.states import S

if TYPE_CHECKING:
    from sim.engine.model import Model


ASSESSMENT, TREATMENT = 0, 1  # the stage's pools


class SelfReferralRoute(Receiver):
    def __init__(self, m: Model) -> None:
        self.m = m
        cfg = m.sc.self_referral
        cal = m.cal
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

    def receive(self, case: Case, t: float) -> None:
        m = self.m
        m.move(case, S.SELF_REFERRAL_HANDOVER, t)
        m.police.triage(case, t + case.sr_handover_days)

    def triaged(self, case: Case, t: float) -> None:
        """The handed-in devices have been examined at ``t``."""
        m = self.m
        if case.bits & SR_EXCLUDED:
            m.out.self_referral_excluded_t.append(t)
            m.police.prosecute(case, t)
            return
        m.move(case, S.SELF_REFERRAL_ASSESSMENT, t)
        self.assessors.push(t, case.sr_assessment_days, case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        if tag == ASSESSMENT:
            self._assessment_starts(cast(Case, job), start, end)
        else:
            self._treatment_starts(cast(Case, job), start, end)

    def _assessment_starts(self, case: Case, start: float, end: float) -> None:
        m = self.m
        if not case.bits & SR_SUITABLE:
            m.police.prosecute(case, end)
            return
        m.move(case, S.TREATMENT, end)
        days = self._treatment_days
        if not case.bits & SR_COMPLETES:
            days *= case.u_sr_dropout_time
        self.places.push(end, days, case)

    def _treatment_starts(self, case: Case, start: float, end: float) -> None:
        m = self.m
        if case.bits & SR_COMPLETES:
            m.out.self_referral_caution_t.append(end)
            m.outcomes.close(case, S.CLOSED_SELF_REFERRAL_CAUTION, end)
        else:
            m.police.prosecute(case, end)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """Not assessed, or not given a treatment place, within the limit: the ordinary route."""
        self.m.out.self_referral_lapsed_t.append(t)
        self.m.police.prosecute(cast(Case, job), t)
        return True

    def advance(self, until: float) -> None:
        self.assessors.advance(until)
        self.places.advance(until)

    def live(self) -> int:
        return self.assessors.waiting() + self.places.waiting()
