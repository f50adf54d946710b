"""Where cases end: closures, sentences, registration, prison, and reoffending afterwards.

Every case ends here exactly once. A closure is decided when its time is known (often ahead of the
simulation clock) and held until the clock passes it, so that the count of cases closed by any
time, and of cases still open, is exact.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from ..calendar import DAYS_PER_MONTH
from ..case import CUSTODY_MONTHS, U_REOFFEND, U_REOFFEND_TIME, U_SENTENCE, Case
from ..states import S

if TYPE_CHECKING:
    from ..model import Model

#: reoffending route of each closing state (None: the case does not return to the community)
REOFFEND_ROUTE = {
    S.CLOSED_NFA_POLICE: "nfa", S.CLOSED_NFA_DECISION: "nfa", S.CLOSED_NFA_CPS: "nfa",
    S.CLOSED_SIMPLE_CAUTION: "simple_caution", S.CLOSED_CONDITIONAL_CAUTION: "conditional_caution",
    S.CLOSED_SCHEME_COMPLETED: "deferred_prosecution", S.CLOSED_LATE_PROSECUTION_DROPPED: "deferred_prosecution",
    S.CLOSED_SELF_REFERRAL_CAUTION: "self_referral", S.CLOSED_ACQUITTED: "acquitted",
    S.CLOSED_CUSTODY: "custody", S.CLOSED_SUSPENDED: "suspended", S.CLOSED_COMMUNITY: "community",
}
#: closures that put a person on the register (conditional cautions register when given)
REGISTERED = {S.CLOSED_SIMPLE_CAUTION, S.CLOSED_SELF_REFERRAL_CAUTION,
              S.CLOSED_CUSTODY, S.CLOSED_SUSPENDED, S.CLOSED_COMMUNITY}


class Outcomes:
    def __init__(self, m: "Model") -> None:
        self.m = m
        sc = m.sc
        re = sc.reoffending
        self._p_reoffend = {state: re.probability * re.multiplier(route) for state, route in REOFFEND_ROUTE.items()}
        self._window_days = re.window_years * 365.25
        sen = sc.sentence
        self._p_custody = sen.custody_share
        self._p_suspended_cum = sen.custody_share + sen.suspended_share
        self._release = sen.release_fraction
        self._p_programme = sen.community_programme_share
        self._heap: list[tuple[float, int, Case]] = []
        self._seq = 0
        self.closed = 0

    def close(self, case: Case, state: int, t: float, reoffend_from: float | None = None) -> None:
        """End ``case`` in ``state`` at ``t``; reoffending risk runs from ``reoffend_from`` (default ``t``)."""
        m = self.m
        m.move(case, state, t)
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, case))
        d = case.d
        if state in REGISTERED:
            m.rec.register_t.append(t)
        if d[U_REOFFEND] < self._p_reoffend[state]:
            start = t if reoffend_from is None else reoffend_from
            m.schedule_reentry(start + d[U_REOFFEND_TIME] * self._window_days)

    def sentence(self, case: Case, t: float) -> None:
        """Sentence a convicted case at ``t``: custody, suspended sentence or community order."""
        d = case.d
        u = d[U_SENTENCE]
        rec = self.m.rec
        if u < self._p_custody:
            release = t + d[CUSTODY_MONTHS] * DAYS_PER_MONTH * self._release
            rec.prison_in.append(t)
            rec.prison_out.append(release)
            self.close(case, S.CLOSED_CUSTODY, t, reoffend_from=release)
        elif u < self._p_suspended_cum:
            self.close(case, S.CLOSED_SUSPENDED, t)
        else:
            if u < self._p_suspended_cum + (1 - self._p_suspended_cum) * self._p_programme:
                rec.programme_t.append(t)
            self.close(case, S.CLOSED_COMMUNITY, t)

    def advance(self, until: float) -> None:
        heap = self._heap
        n = 0
        while heap and heap[0][0] < until:
            heapq.heappop(heap)
            n += 1
        self.closed += n

    def live(self) -> int:
        return len(self._heap)
