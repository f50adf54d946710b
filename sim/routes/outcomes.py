"""Where cases end: closures, sentences, registration, prison, and reoffending afterwards.

Every case ends here exactly once. A closure is decided when its time is known, often ahead of the
simulation clock; its time is kept, so the count of cases closed by any time, and of cases still
open, is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calendar import DAYS_PER_MONTH
from ..case import COMMUNITY_PROGRAMME, CUSTODY, SENTENCE, SUSPENDED, Case, field
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
        # by state code, as lists: compiled, indexing a list costs a load where a dict or set
        # lookup hashes a boxed integer
        self._p_reoffend = [0.0] * (max(REOFFEND_ROUTE) + 1)
        for state, route in REOFFEND_ROUTE.items():
            self._p_reoffend[state] = re.probability * re.multiplier(route)
        self._registers = [state in REGISTERED for state in range(len(self._p_reoffend))]
        self._window_days = re.window_years * 365.25
        self._release = sc.sentence.release_fraction
        self._horizon = m.horizon
        #: closures decided so far, and those of them that take effect at or after the horizon
        self.closed = 0
        self.closing_later = 0

    def close(self, case: Case, state: int, t: float, reoffend_from: float | None = None) -> None:
        """End ``case`` in ``state`` at ``t``; reoffending risk runs from ``reoffend_from`` (default ``t``)."""
        m = self.m
        m.move(case, state, t)
        self.closed += 1
        if t >= self._horizon:
            self.closing_later += 1
        if self._registers[state] and not case.registered:
            m.out.register_t.append(t)
            case.registered = True
        if case.u_reoffend < self._p_reoffend[state]:
            start = t if reoffend_from is None else reoffend_from
            m.schedule_reentry(start + case.u_reoffend_time * self._window_days)

    def sentence(self, case: Case, t: float) -> None:
        """Sentence a convicted case at ``t``: custody, suspended sentence or community order."""
        kind = field(case.bits, SENTENCE)
        rec = self.m.out
        if kind == CUSTODY:
            release = t + case.custody_months * DAYS_PER_MONTH * self._release
            rec.prison_in.append(t)
            rec.prison_out.append(release)
            self.close(case, S.CLOSED_CUSTODY, t, reoffend_from=release)
        elif kind == SUSPENDED:
            self.close(case, S.CLOSED_SUSPENDED, t)
        else:
            if kind == COMMUNITY_PROGRAMME:
                rec.programme_t.append(t)
            self.close(case, S.CLOSED_COMMUNITY, t)

    def closed_by_horizon(self) -> int:
        """Closures that take effect before the horizon."""
        return self.closed - self.closing_later
