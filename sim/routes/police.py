"""Police: detection, interview and device seizure, digital-forensic examination, the decision.

A detected case waits for interview (the investigation start delay). At interview, a policy rule
that decides "at interview" may divert an admitting case at once, before any examination: this is
what takes load off the forensic queue. Every other case joins the queue for the finite pool of
examiners. After examination a share ends in no further action on evidence; rules that decide
"after forensics" are applied next; every remaining case goes to the charging decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ..calendar import level_by_day, servers_by_day, working_mask
from ..case import NFA, R_CONDITIONAL, R_DEFERRED, R_NFA, R_SIMPLE, ROUTE_AFTER, ROUTE_INTERVIEW, Case, field
from ..servers import Job, Receiver, ServerPool
from ..states import S

if TYPE_CHECKING:
    from ..model import Model


class PoliceRoute(Receiver):
    def __init__(self, m: "Model") -> None:
        self.m = m
        sc = m.sc
        fx = sc.forensics
        level = level_by_day(m.cal, fx.examiners, [(s.from_month, s.value) for s in fx.schedule])
        self.examiners = ServerPool("forensics", servers_by_day(level, working_mask(m.cal, fx.working_days_per_week)),
                                    self)
        self._ages = m.streams["initial.age"]

    # ------------------------------------------------------------------------------------ intake
    def receive_new(self, case: Case, t: float) -> None:
        """A newly detected case (or a reoffender's new case) at ``t``: interview, then decision."""
        m = self.m
        m.move(case, S.INVESTIGATION, t)
        t_interview = t + case.investigation_days
        route = field(case.bits, ROUTE_INTERVIEW)
        if route:
            self.dispatch(case, route - 1, t_interview)
        else:
            self.investigate(case, t_interview)

    def investigate(self, case: Case, t: float) -> None:
        """Queue ``case`` for forensic examination from ``t``."""
        self.m.move(case, S.FORENSICS, t)
        self.examiners.push(t, case.forensic_days, case)

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
        prosecution needs the examination if it was never done."""
        case.diverted = True
        if case.examined:
            self.m.court.charge(case, t)
        else:
            self.investigate(case, t)

    # ------------------------------------------------------------------------------ examination
    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        """An examination starts (the examiners' pool is this stage's only pool)."""
        case = cast(Case, job)
        m = self.m
        rec = m.out
        rec.forensic_start_t.append(start)
        rec.forensic_wait.append(start - ready)
        case.examined = True
        if case.bits & NFA:
            m.outcomes.close(case, S.CLOSED_NFA_POLICE, end)
        elif not case.diverted and field(case.bits, ROUTE_AFTER):
            self.dispatch(case, field(case.bits, ROUTE_AFTER) - 1, end)
        else:
            m.court.charge(case, end)

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        self.examiners.advance(until)

    def load_initial_stock(self) -> None:
        """Place the scenario's initial stocks, each case aged uniformly up to ``max_age_days``."""
        m = self.m
        ini = m.sc.initial
        ages = self._ages
        for stock, place in ((ini.forensics, self.investigate),
                             (ini.charging, m.court.charge),
                             (ini.magistrates, m.court.initial_magistrates),
                             (ini.crown_trial, m.court.initial_crown_trial)):
            if stock.cases:
                entered = sorted((-ages.random(stock.cases) * stock.max_age_days).tolist())
                for t in entered:
                    place(m.new_case("initial", t), t)

    def live(self) -> int:
        return self.examiners.waiting()
