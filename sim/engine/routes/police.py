"""Police: detection, interview and device seizure, digital-forensic examination, the decision.

A detected case waits for interview (the investigation start delay). At interview, a policy rule
that decides "at interview" may divert an admitting case before its full examination, on what the
interview can see (see :mod:`sim.engine.case`). Such a case first has a triage examination (unless the
scenario diverts without examination): a short look at its devices, listed ahead of full
examinations, that finds those the rule would exclude on what only an examination shows; they go
back to the ordinary route. Every other case joins the queue for the finite pool of examiners,
cases graded as priority ahead of the rest. While it waits a case may be dropped (delay-related
attrition, a hazard per year of waiting) or, once it has waited ``outsource_after_days`` and
outside providers are funded, sent to them (the capacity response). After examination a share ends
in no further action on evidence (fewer of those who admitted); rules that decide "after forensics"
are applied next; every remaining case goes to the charging decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import (
    NFA,
    PRIORITY,
    R_CONDITIONAL,
    R_DEFERRED,
    R_NFA,
    R_SIMPLE,
    ROUTE_AFTER,
    ROUTE_INTERVIEW,
    SELF_REFERRAL,
    TRIAGE_FAILS,
    Case,
    field,
)
from sim.engine.servers import DEADLINE, INF, Job, Receiver, ServerPool
from sim.engine.states import S

if TYPE_CHECKING:
    from sim.engine.model import Model

IN_HOUSE: Final = 0  # the stage's pools
OUTSIDE: Final = 1


class PoliceRoute(Receiver):
    def __init__(self, m: Model) -> None:
        self.m = m
        sc = m.sc
        fx = sc.forensics
        rules = [r for r in sc.decision.ordered_rules() if r.take_up > 0]
        diverts_at_interview = any((r.point or sc.decision.point) == "interview" and r.route != "nfa" for r in rules)
        self.triage_diverted = diverts_at_interview and sc.decision.triage_examination
        triage = self.triage_diverted or sc.self_referral.per_month > 0
        # priority classes of the examiners' list: triage, then priority cases, then the rest
        n = 0
        self.c_triage = 0 if triage else -1
        n += 1 if triage else 0
        self.c_priority = n
        n += 1 if fx.priority else 0
        self.c_normal = n
        n += 1
        if not fx.priority:
            self.c_priority = self.c_normal
        mask = working_mask(m.cal, fx.working_days_per_week)
        level = level_by_day(m.cal, fx.examiners, sc.steps("forensics.examiners"))
        self.examiners = ServerPool("forensics", servers_by_day(level, mask), self, n_classes=n, tag=IN_HOUSE)
        self.outsourced = ServerPool(
            "forensics_outsourced",
            servers_by_day(level_by_day(m.cal, fx.outsourced_examiners), mask),
            self,
            tag=OUTSIDE,
        )
        if fx.outsourced_examiners > 0:
            self.examiners.patience = fx.outsource_after_days
        self._attrition = fx.attrition_per_year / 365.25  # per day of waiting
        self._ages = m.streams["initial.age"]

    # ------------------------------------------------------------------------------------ intake
    def receive_new(self, case: Case, t: float) -> None:
        """A newly detected case (or a reoffender's new case) at ``t``: interview, then decision."""
        m = self.m
        m.move(case, S.INVESTIGATION, t)
        t_interview = t + case.investigation_days
        route = field(case.bits, ROUTE_INTERVIEW)
        if not route:
            self.investigate(case, t_interview)
        elif route - 1 != R_NFA and self.triage_diverted:
            self.triage(case, t_interview)
        else:
            self.dispatch(case, route - 1, t_interview)

    def triage(self, case: Case, t: float) -> None:
        """Queue ``case`` for a triage examination from ``t`` (ahead of full examinations)."""
        self.m.move(case, S.TRIAGE, t)
        case.deadline = INF
        self.examiners.push(t, case.triage_days, case, self.c_triage)

    def investigate(self, case: Case, t: float) -> None:
        """Queue ``case`` for a full forensic examination from ``t``."""
        self.m.move(case, S.FORENSICS, t)
        rate = self._attrition
        case.deadline = t + case.e_attrition / rate if rate > 0.0 else INF
        self.examiners.push(t, case.forensic_days, case, self.c_priority if case.bits & PRIORITY else self.c_normal)

    def dispatch(self, case: Case, route: int, t: float) -> None:
        """Send ``case`` down a diversion ``route`` chosen by a policy rule at time ``t``."""
        m = self.m
        if route == R_DEFERRED:
            m.scheme.receive(case, t)
        elif route == R_CONDITIONAL:
            m.caution.receive(case, t)
        elif route == R_SIMPLE:
            m.out.caution_simple_t.append(t)
            m.outcomes.close(case, S.CLOSED_SIMPLE_CAUTION, t)
        elif route == R_NFA:
            m.outcomes.close(case, S.CLOSED_NFA_DECISION, t)
        else:  # a rule never names "charge": cases no rule takes are charged
            m.court.charge(case, t)

    def prosecute(self, case: Case, t: float) -> None:
        """A case leaving a diversion route unsuccessfully at ``t`` is prosecuted, never diverted again;
        prosecution needs the full examination if it was never done."""
        case.diverted = True
        if case.examined:
            self.m.court.charge(case, t)
        else:
            self.investigate(case, t)

    # ------------------------------------------------------------------------------ examination
    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        """A triage or full examination starts, in house or at an outside provider."""
        case = cast(Case, job)
        m = self.m
        rec = m.out
        if tag == IN_HOUSE and cls == self.c_triage:
            rec.triage_start_t.append(start)
            if case.origin == SELF_REFERRAL:
                m.self_referral.triaged(case, end)
            elif case.bits & TRIAGE_FAILS:
                rec.triage_ineligible_t.append(end)
                self.prosecute(case, end)
            else:
                self.dispatch(case, field(case.bits, ROUTE_INTERVIEW) - 1, end)
            return
        case.deadline = INF
        rec.forensic_start_t.append(start)
        rec.forensic_wait.append(start - ready)
        case.examined = True
        if case.bits & NFA:
            m.outcomes.close(case, S.CLOSED_NFA_POLICE, end)
        elif not case.diverted and field(case.bits, ROUTE_AFTER):
            self.dispatch(case, field(case.bits, ROUTE_AFTER) - 1, end)
        else:
            m.court.charge(case, end)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """A waiting examination is dropped (its attrition time came) or sent out (it waited too long)."""
        case = cast(Case, job)
        m = self.m
        if why == DEADLINE:
            case.deadline = INF
            m.out.attrition_t.append(t)
            m.outcomes.close(case, S.CLOSED_NFA_ATTRITION, t)
            return True
        if job.cls == self.c_triage:
            return False  # a triage examination is never sent out; it keeps its place
        m.out.outsourced_t.append(t)
        self.outsourced.push(t, case.forensic_days, case)
        return True

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        self.examiners.advance(until)
        self.outsourced.advance(until)

    def settle(self) -> None:
        """At the end of the run: close the examinations dropped while still waiting."""
        self.examiners.settle(self.m.horizon)
        self.outsourced.settle(self.m.horizon)

    def load_initial_stock(self) -> None:
        """Place the scenario's initial stocks, each case aged uniformly up to ``max_age_days``."""
        m = self.m
        ini = m.sc.initial
        ages = self._ages
        for stock, place in (
            (ini.forensics, self.investigate),
            (ini.charging, m.court.charge),
            (ini.magistrates, m.court.initial_magistrates),
            (ini.crown_trial, m.court.initial_crown_trial),
        ):
            if stock.cases:
                entered = sorted((-ages.random(stock.cases) * stock.max_age_days).tolist())
                for t in entered:
                    place(m.new_case("initial", t), t)

    def live(self) -> int:
        return self.examiners.waiting() + self.outsourced.waiting()
