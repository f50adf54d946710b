"""Where cases end: closures, sentences, registration, prison, and reoffending.

Every case ends here exactly once. A closure is decided when its time is known, often ahead of the
simulation clock; its time is kept, so the count of cases closed by any time, and of cases still
open, is exact.

Reoffending is a constant hazard over time at liberty, the same on every route: each case is at
risk from its detection, while it waits for an examination, a decision or a court, during a
diversion and after it ends, for ``reoffending.window_years`` of time at liberty (custody does not
count), and reoffends when its cumulative hazard reaches its own unit-exponential draw. Before the
case ends the hazard is the base rate; after, the base rate times the multiplier of the route it
ended on (1 by default). A reoffence before the case ends is scheduled at detection and happens
only if the case is still open then; one after it ends is scheduled at its closure. Either brings
a new, no-longer-first-time case (the person's next case carries their risk from then on).
:mod:`sim.results.metrics` reads reoffending per person-year at risk by the route a person is on at the
time: awaiting prosecution, in a diversion, or after the case ended on a route.
"""

from __future__ import annotations

import heapq
from typing import Final

import numpy as np

from sim.engine.calendar import DAYS_PER_MONTH
from sim.engine.case import COMMUNITY, COMMUNITY_PROGRAMME, CUSTODY, SENTENCE, SUSPENDED, Block, Case, Layout, field
from sim.engine.context import Context
from sim.engine.servers import INF
from sim.engine.states import S

#: reoffending route of each closing state
REOFFEND_ROUTE = {
    S.CLOSED_NFA_POLICE: "nfa",
    S.CLOSED_NFA_DECISION: "nfa",
    S.CLOSED_NFA_CPS: "nfa",
    S.CLOSED_NFA_ATTRITION: "nfa",
    S.CLOSED_SIMPLE_CAUTION: "simple_caution",
    S.CLOSED_CONDITIONAL_CAUTION: "conditional_caution",
    S.CLOSED_SCHEME_COMPLETED: "deferred_prosecution",
    S.CLOSED_LATE_PROSECUTION_DROPPED: "deferred_prosecution",
    S.CLOSED_SELF_REFERRAL_CAUTION: "self_referral",
    S.CLOSED_ACQUITTED: "acquitted",
    S.CLOSED_CUSTODY: "custody",
    S.CLOSED_SUSPENDED: "suspended",
    S.CLOSED_COMMUNITY: "community",
}
#: closures that put a person on the register (conditional cautions register when given)
REGISTERED = {
    S.CLOSED_SIMPLE_CAUTION,
    S.CLOSED_SELF_REFERRAL_CAUTION,
    S.CLOSED_CUSTODY,
    S.CLOSED_SUSPENDED,
    S.CLOSED_COMMUNITY,
}
_DAYS_PER_YEAR: Final = 365.25
#: the route a person is on while the case is still open, for reoffending per person-year at risk
OPEN_ROUTE = {
    S.SCHEME_WAITING: "deferred_prosecution",
    S.SCHEME_COURSE: "deferred_prosecution",
    S.SCHEME_FOLLOW_UP: "deferred_prosecution",
    S.CAUTION_ASSESSMENT: "conditional_caution",
    S.CAUTION_COURSE: "conditional_caution",
    S.SELF_REFERRAL_HANDOVER: "self_referral",
    S.SELF_REFERRAL_ASSESSMENT: "self_referral",
    S.TREATMENT: "self_referral",
}


class Outcomes:
    """Closes cases, sentences the convicted, and keeps the reoffences to come (their new cases are
    made by the model's intake)."""

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        sc = ctx.sc
        re = sc.reoffending
        # by state code, as lists: compiled, indexing a list costs a load where a dict or set
        # lookup hashes a boxed integer
        n_states = max(REOFFEND_ROUTE) + 1
        self._multiplier = [0.0] * n_states
        for state, route in REOFFEND_ROUTE.items():
            self._multiplier[state] = re.multiplier(route)
        self._registers = [state in REGISTERED for state in range(n_states)]
        self._hazard = re.hazard_per_day
        self._window_days = re.window_years * _DAYS_PER_YEAR
        self._release = sc.sentence.release_fraction
        self._horizon = ctx.horizon
        self._sentence = sc.sentence
        #: closures decided so far, and those of them that take effect at or after the horizon
        self.closed = 0
        self.closing_later = 0
        #: reoffences to come: (time, sequence, the reoffending case, whether it must still be open)
        self._reentries: list[tuple[float, int, Case, bool]] = []
        self._reentry_seq = 0
        # what each case carries for this stage
        self._c_reoffend = layout.exponential("reoffending.occurs")  # cumulative hazard at which it reoffends
        self._c_custody_months = layout.sample("sentence.custody_months", sc.sentence.custody_months)
        self._c_mags_custody_months = layout.sample(
            "sentence.magistrates_custody_months", sc.sentence.magistrates_custody_months
        )
        layout.decide(self.decide, "sentence.type")

    def decide(self, block: Block) -> None:
        """The sentence each case would receive if convicted: the first band its uniform falls below,
        custody, suspended, community with the programme, else community."""
        sen = self._sentence
        us = block.uniform("sentence.type")
        suspended_to = sen.custody_share + sen.suspended_share
        programme_to = suspended_to + (1 - suspended_to) * sen.community_programme_share
        # (edges made non-decreasing, as searchsorted needs, whatever rounding does to the shares)
        edges = np.maximum.accumulate(np.array([sen.custody_share, suspended_to, programme_to]))
        band = np.searchsorted(edges, us, side="right")
        block.code(SENTENCE, np.array([CUSTODY, SUSPENDED, COMMUNITY_PROGRAMME, COMMUNITY])[band])

    # -------------------------------------------------------------------------------- reoffending
    def detected(self, case: Case, t: float) -> None:
        """``case`` is detected (or enters the initial stock) at ``t``: its time at risk starts."""
        case.t_detected = t
        hazard = self._hazard
        if hazard > 0.0:
            days = case.draw(self._c_reoffend) / hazard  # days at risk to the reoffence at the base rate
            if days < self._window_days:
                self._schedule_reentry(t + days, case, True)

    def reoffends_by(self, case: Case) -> float:
        """When the case reoffends if it is still open then (infinity if not within its window)."""
        hazard = self._hazard
        if hazard <= 0.0:
            return INF
        days = case.draw(self._c_reoffend) / hazard
        return case.t_detected + days if days < self._window_days else INF

    def _after_closure(self, case: Case, state: int, t: float, free_from: float) -> None:
        """Schedule the reoffence of a case that has not reoffended by its end ``t``, at liberty from ``free_from``."""
        hazard = self._hazard
        t0 = case.t_detected
        if hazard <= 0.0 or self.reoffends_by(case) < t:
            return  # no risk, or it reoffended while open (the person's risk moved to the new case then)
        left = self._window_days - (t - t0)
        mult = self._multiplier[state]
        if left > 0.0 and mult > 0.0:
            days = (case.draw(self._c_reoffend) - hazard * (t - t0)) / (hazard * mult)
            if days < left:
                self._schedule_reentry(free_from + days, case, False)

    def _schedule_reentry(self, t: float, case: Case, while_open: bool) -> None:
        """The person of ``case`` reoffends at ``t``, detected then as a new, no-longer-first-time case;
        a reoffence ``while_open`` (before the case ends) happens only if the case is still open then."""
        if 0.0 <= t < self._horizon:  # one before the start belongs to the world before the run
            self._reentry_seq += 1
            heapq.heappush(self._reentries, (t, self._reentry_seq, case, while_open))

    def pop_reentries(self, until: float) -> list[tuple[float, int]]:
        """The reoffences before ``until``, as (time, the reoffending case's id)."""
        out = []
        heap = self._reentries
        while heap and heap[0][0] < until:
            t, _, case, while_open = heapq.heappop(heap)
            # a waiting examination dropped before t (decided only when it would have started) closed the case
            if not while_open or (case.t_closed > t and case.deadline > t):
                out.append((t, case.id))
        return out

    # ----------------------------------------------------------------------------------- closures
    def close(self, case: Case, state: int, t: float, free_from: float = -1.0) -> None:
        """End ``case`` in ``state`` at ``t``; at liberty again from ``free_from`` (default ``t``)."""
        ctx = self.ctx
        ctx.move(case, state, t)
        case.t_closed = t
        self.closed += 1
        if t >= self._horizon:
            self.closing_later += 1
        if self._registers[state] and not case.registered:
            ctx.out.register_t.append(t)
            case.registered = True
        self._after_closure(case, state, t, t if free_from < 0.0 else free_from)
        case.release()  # nothing reads a case's draws after it ends

    def sentence(self, case: Case, t: float, crown: bool) -> None:
        """Sentence a convicted case at ``t`` in the Crown Court or the magistrates' court."""
        kind = field(case.bits, SENTENCE)
        rec = self.ctx.out
        if kind == CUSTODY:
            months = case.draw(self._c_custody_months if crown else self._c_mags_custody_months)
            release = t + months * DAYS_PER_MONTH * self._release
            rec.prison_in.append(t)
            rec.prison_out.append(release)
            rec.prison_case.append(case.id)
            self.close(case, S.CLOSED_CUSTODY, t, release)
        elif kind == SUSPENDED:
            self.close(case, S.CLOSED_SUSPENDED, t)
        else:
            if kind == COMMUNITY_PROGRAMME:
                rec.programme_t.append(t)
            self.close(case, S.CLOSED_COMMUNITY, t)

    def closed_by_horizon(self) -> int:
        """Closures that take effect before the horizon."""
        return self.closed - self.closing_later

    def clear(self) -> None:
        """Drop the reoffences still to come (and the cases they hold)."""
        self._reentries.clear()
