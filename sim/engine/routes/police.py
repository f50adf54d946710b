"""Police: detection, interview and device seizure, digital-forensic examination, the decision.

A detected case waits for interview (the investigation start delay). At interview, a policy rule
that decides "at interview" may divert an admitting case before its full examination, on what the
interview can see (see :meth:`PoliceRoute.decide`). Such a case first has a triage examination (unless the
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

from collections.abc import Mapping
from typing import Any, Final, cast

import numpy as np

from sim.engine.calendar import level_by_day, servers_by_day, working_mask
from sim.engine.case import (
    NFA,
    NO_ROUTE,
    PRIORITY,
    R_CONDITIONAL,
    R_DEFERRED,
    R_NFA,
    R_SIMPLE,
    ROUTE_AFTER,
    ROUTE_AFTER_BEFORE,
    ROUTE_CODE,
    ROUTE_INTERVIEW,
    ROUTE_INTERVIEW_BEFORE,
    SELF_REFERRAL,
    TRIAGE_FAILS,
    TRIAGE_FAILS_BEFORE,
    Block,
    Case,
    Layout,
    field,
)
from sim.engine.context import Context
from sim.engine.routes.court import CourtRoute
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.stage import Stage
from sim.engine.servers import DEADLINE, INF, Job, ServerPool
from sim.engine.states import S
from sim.inputs.scenario import EXAMINATION_FLAGS, Scenario

IN_HOUSE: Final = 0  # the stage's pools
OUTSIDE: Final = 1


#: the diversions a policy introduces: rules with these routes wait for ``decision.policy_start_month``
POLICY_ROUTES: Final = frozenset({"deferred_prosecution", "conditional_caution"})
#: the mean length of a month, for a phase-in counted in months
DAYS_PER_MONTH: Final = 365.25 / 12


def before_policy(bits: int) -> int:
    """A case's bits with its routes and triage verdict replaced by those before the policy's diversions."""
    interview = field(bits, ROUTE_INTERVIEW_BEFORE)
    after = field(bits, ROUTE_AFTER_BEFORE)
    cleared = bits & ~(ROUTE_INTERVIEW[1] << ROUTE_INTERVIEW[0]) & ~(ROUTE_AFTER[1] << ROUTE_AFTER[0]) & ~TRIAGE_FAILS
    fails = TRIAGE_FAILS if bits & TRIAGE_FAILS_BEFORE else 0
    return cleared | (interview << ROUTE_INTERVIEW[0]) | (after << ROUTE_AFTER[0]) | fails


def routes_taken(sc: Scenario) -> set[str]:
    """The routes some policy rule can send a case down (a rule with no take-up sends none)."""
    return {r.route for r in sc.decision.ordered_rules() if r.take_up > 0}


def diverts_at_interview(sc: Scenario) -> bool:
    """Whether some rule diverts cases at interview, before their full examination."""
    rules = [r for r in sc.decision.ordered_rules() if r.take_up > 0]
    return any((r.point or sc.decision.point) == "interview" and r.route != "nfa" for r in rules)


def match(when: dict[str, Any], flags: Mapping[str, np.ndarray | None], n: int) -> np.ndarray:
    """Which cases of a block satisfy ``when`` (a rule's or the forensic priority's conditions).

    ``flags`` maps each flag name to a boolean column (``category`` to its code column); a flag
    given as ``None`` is unknown, so its condition holds provisionally."""
    mask = np.ones(n, dtype=bool)
    for name, want in when.items():
        col = flags[name]
        if col is None:
            continue
        if name == "category":
            allowed = np.array([c in want for c in ("A", "B", "C")])
            mask &= allowed[col]
        else:
            mask &= col == bool(want)
    return mask


class PoliceRoute(Stage):
    """Interview, triage and full examination, and the policy's decision at both points.

    The decision is this stage's: :meth:`decide` applies the policy rules to a whole block of cases
    when they are made, and the route each rule chose travels in the case's bits.
    """

    court: CourtRoute
    outcomes: Outcomes
    scheme: Stage
    caution: Stage
    self_referral: Stage

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        sc = ctx.sc
        self.sc = sc
        fx = sc.forensics
        interview = diverts_at_interview(sc)
        self.triage_diverted = interview and sc.decision.triage_examination
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
        cal = ctx.cal
        mask = working_mask(cal, fx.working_days_per_week)
        level = level_by_day(cal, fx.examiners, sc.steps("forensics.examiners"))
        self.examiners = ServerPool("forensics", servers_by_day(level, mask), self, n_classes=n, tag=IN_HOUSE)
        self.outsourced = ServerPool(
            "forensics_outsourced",
            servers_by_day(level_by_day(cal, fx.outsourced_examiners), mask),
            self,
            tag=OUTSIDE,
        )
        if fx.outsourced_examiners > 0:
            self.examiners.patience = fx.outsource_after_days
        self._attrition = fx.attrition_per_year / 365.25  # per day of waiting

        # what each case carries for this stage; the triage streams only where a triage can happen
        triage_origins = None if interview else ("self_referral",)
        layout.yes_no("police.nfa", NFA, *sc.by_admission(sc.police.nfa_share, sc.police.nfa_admission_odds_ratio))
        dec = sc.decision
        layout.yes_no("triage.sees_making", 0, dec.interview_sees_making_share, origins=triage_origins)
        layout.yes_no("triage.sees_category", 0, dec.interview_sees_category_share, origins=triage_origins)
        layout.yes_no("triage.other_ineligible", 0, dec.triage_other_ineligible_share, origins=triage_origins)
        self._c_investigation = layout.sample("police.investigation_delay_days", sc.police.investigation_delay_days)
        self._c_forensic = layout.sample("forensics.effort_days", fx.effort_days)
        self._c_triage = layout.sample("triage.effort_days", fx.triage_effort_days, origins=triage_origins)
        # cumulative hazard at which a waiting examination is dropped
        self._c_attrition = layout.exponential("forensics.attrition", None if self._attrition > 0.0 else ())
        self._takes = routes_taken(sc)
        layout.decide(self.decide, *(f"decision.take_up.{route}" for route in sorted(self._takes)))
        # a policy that starts after the run does, or phases in: each case's regime is set at interview
        self._timed = bool(self._takes & POLICY_ROUTES) and (dec.policy_start_month > 0 or dec.phase_in_months > 0)
        edges = cal.month_edges()
        self._policy_from = float(edges[min(dec.policy_start_month, cal.months)]) + (
            max(dec.policy_start_month - cal.months, 0) * DAYS_PER_MONTH
        )
        self._phase_in_days = dec.phase_in_months * DAYS_PER_MONTH
        self._c_phase_in = layout.uniform("decision.phase_in") if self._timed and dec.phase_in_months > 0 else -1

    def connect(
        self, court: CourtRoute, scheme: Stage, caution: Stage, self_referral: Stage, outcomes: Outcomes
    ) -> None:
        """Where this stage's cases go next: charging, the diversions, the self-referral route after
        a self-referral's triage, and closure."""
        self.court = court
        self.scheme = scheme
        self.caution = caution
        self.self_referral = self_referral
        self.outcomes = outcomes

    # ---------------------------------------------------------------------------------- decision
    def decide(self, block: Block) -> None:
        """The route each case of ``block`` takes at each decision point, from the policy rules and
        the take-up draws; which diversions at interview a triage examination will find ineligible;
        which cases are examined first.

        The decision at interview sees only what an interview can know: whether the case admits, its
        priors, contact with children, and the part of making or distributing (and of image category)
        that the referral already shows (``decision.interview_sees_*``). What only an examination finds
        is checked at the triage examination (``TRIAGE_FAILS``)."""
        sc = self.sc
        n = block.n
        flags = block.flags
        making = block.yes("case.making_distributing")
        seen: dict[str, np.ndarray | None] = dict(flags)
        seen["making_distributing"] = making & block.yes("triage.sees_making")
        category_seen = block.yes("triage.sees_category")
        take = {route: block.uniform(f"decision.take_up.{route}") for route in self._takes}
        triage_fails = np.zeros(n, dtype=bool)
        other_ineligible = block.yes("triage.other_ineligible")
        timed = self._timed
        for code, point in ((ROUTE_INTERVIEW, "interview"), (ROUTE_AFTER, "after_forensics")):
            route, fails = self._routes(block, point, take, seen, category_seen, other_ineligible, False)
            block.code(code, route + 1)
            triage_fails |= fails
            if timed:  # the same decision under the rules in force before the policy's diversions
                before, fails_before = self._routes(block, point, take, seen, category_seen, other_ineligible, True)
                block.code(ROUTE_INTERVIEW_BEFORE if code == ROUTE_INTERVIEW else ROUTE_AFTER_BEFORE, before + 1)
                block.flag(TRIAGE_FAILS_BEFORE, fails_before)
        block.flag(TRIAGE_FAILS, triage_fails)
        if sc.forensics.priority:
            block.flag(PRIORITY, match(sc.forensics.priority, flags, n))

    def _routes(
        self,
        block: Block,
        point: str,
        take: dict[str, np.ndarray],
        seen: dict[str, np.ndarray | None],
        category_seen: np.ndarray,
        other_ineligible: np.ndarray,
        before_policy: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The route code of each case at ``point`` (first matching rule taken; NO_ROUTE if none) and,
        at interview, which of the diversions taken a triage examination will find ineligible;
        ``before_policy`` leaves out the policy's diversion rules (see ``decision.policy_start_month``)."""
        sc = self.sc
        n = block.n
        flags = block.flags
        route = np.full(n, NO_ROUTE)
        triage_fails = np.zeros(n, dtype=bool)
        for rule in sc.decision.ordered_rules():
            if (rule.point or sc.decision.point) != point or rule.take_up <= 0:
                continue
            if before_policy and rule.route in POLICY_ROUTES:
                continue
            if point == "interview":
                ok = match(rule.when, {**seen, "category": None}, n)
                if "category" in rule.when:  # a condition on categories holds where they are unseen
                    ok &= ~category_seen | match({"category": rule.when["category"]}, flags, n)
            else:
                ok = match(rule.when, flags, n)
            hit = (route == NO_ROUTE) & ok & (take[rule.route] < rule.take_up)
            route[hit] = ROUTE_CODE[rule.route]
            if point == "interview" and rule.route != "nfa":
                exam_only = {k: v for k, v in rule.when.items() if k in EXAMINATION_FLAGS}
                triage_fails |= hit & (~match(exam_only, flags, n) | other_ineligible)
        return route, triage_fails

    def in_force(self, case: Case, t: float) -> bool:
        """Whether the policy's diversion rules decide ``case``, interviewed at ``t``: after the
        policy's start, for a share of cases rising over the phase-in (the case's own uniform)."""
        if t < self._policy_from:
            return False
        ramp = self._phase_in_days
        return ramp <= 0.0 or case.draw(self._c_phase_in) * ramp < t - self._policy_from

    # ------------------------------------------------------------------------------------ intake
    def receive(self, case: Case, t: float) -> None:
        """A newly detected case (or a reoffender's new case) at ``t``: interview, then decision."""
        self.ctx.move(case, S.INVESTIGATION, t)
        t_interview = t + case.draw(self._c_investigation)
        if self._timed and not self.in_force(case, t_interview):
            case.bits = before_policy(case.bits)
        route = field(case.bits, ROUTE_INTERVIEW)
        if not route:
            self.investigate(case, t_interview)
        elif route - 1 != R_NFA and self.triage_diverted:
            self.triage(case, t_interview)
        else:
            self.dispatch(case, route - 1, t_interview)

    def triage(self, case: Case, t: float) -> None:
        """Queue ``case`` for a triage examination from ``t`` (ahead of full examinations)."""
        self.ctx.move(case, S.TRIAGE, t)
        case.deadline = INF
        self.examiners.push(t, case.draw(self._c_triage), case, self.c_triage)

    def investigate(self, case: Case, t: float) -> None:
        """Queue ``case`` for a full forensic examination from ``t``."""
        self.ctx.move(case, S.FORENSICS, t)
        rate = self._attrition
        case.deadline = t + case.draw(self._c_attrition) / rate if rate > 0.0 else INF
        self.examiners.push(
            t, case.draw(self._c_forensic), case, self.c_priority if case.bits & PRIORITY else self.c_normal
        )

    def dispatch(self, case: Case, route: int, t: float) -> None:
        """Send ``case`` down a diversion ``route`` chosen by a policy rule at time ``t``."""
        if route == R_DEFERRED:
            self.scheme.receive(case, t)
        elif route == R_CONDITIONAL:
            self.caution.receive(case, t)
        elif route == R_SIMPLE:
            self.ctx.out.caution_simple_t.append(t)
            self.outcomes.close(case, S.CLOSED_SIMPLE_CAUTION, t)
        elif route == R_NFA:
            self.outcomes.close(case, S.CLOSED_NFA_DECISION, t)
        else:  # a rule never names "charge": cases no rule takes are charged
            self.court.charge(case, t)

    def prosecute(self, case: Case, t: float) -> None:
        """A case leaving a diversion route unsuccessfully at ``t`` is prosecuted, never diverted again;
        prosecution needs the full examination if it was never done."""
        case.diverted = True
        if case.examined:
            self.court.charge(case, t)
        else:
            self.investigate(case, t)

    # ------------------------------------------------------------------------------ examination
    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        """A triage or full examination starts, in house or at an outside provider."""
        case = cast(Case, job)
        rec = self.ctx.out
        if tag == IN_HOUSE and cls == self.c_triage:
            rec.triage_start_t.append(start)
            if case.origin == SELF_REFERRAL:
                self.self_referral.receive(case, end)  # the handed-in devices have been examined
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
            self.outcomes.close(case, S.CLOSED_NFA_POLICE, end)
        elif not case.diverted and field(case.bits, ROUTE_AFTER):
            self.dispatch(case, field(case.bits, ROUTE_AFTER) - 1, end)
        else:
            self.court.charge(case, end)

    def reneged(self, tag: int, job: Job, why: int, t: float) -> bool:
        """A waiting examination is dropped (its attrition time came) or sent out (it waited too long)."""
        case = cast(Case, job)
        rec = self.ctx.out
        if why == DEADLINE:
            case.deadline = INF
            rec.attrition_t.append(t)
            self.outcomes.close(case, S.CLOSED_NFA_ATTRITION, t)
            return True
        if job.cls == self.c_triage:
            return False  # a triage examination is never sent out; it keeps its place
        rec.outsourced_t.append(t)
        self.outsourced.push(t, case.draw(self._c_forensic), case)
        return True

    # ---------------------------------------------------------------------------------- running
    def advance(self, until: float) -> None:
        self.examiners.advance(until)
        self.outsourced.advance(until)

    def settle(self) -> None:
        """At the end of the run: close the examinations dropped while still waiting."""
        self.examiners.settle(self.ctx.horizon)
        self.outsourced.settle(self.ctx.horizon)

    def live(self) -> int:
        return self.examiners.waiting() + self.outsourced.waiting()
