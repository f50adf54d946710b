"""Cases and the random numbers each one carries.

A case is a synthetic record of aggregate flags (drawn from population shares) plus, for every
random process it may meet, its own draw from that process's stream. The k-th case of an origin
(external arrival, self-referral, re-entry, initial stock) always receives the k-th number of each
stream, whether or not it reaches that process. That is the strongest form of common random
numbers: under two policies the same case pleads, is convicted and is sentenced alike, so paired
differences show the policy and not the noise.

Draws are made in vectorised blocks (one NumPy call per stream per block) and handed out as rows of
a list, read through the column constants below. Eligibility rules are evaluated for the whole
block at once, so a case's route at each decision point is one lookup on the hot path.
"""

from __future__ import annotations

import math
import numpy as np

from .record import STATE_BITS
from .scenario import ROUTES, Rule, Scenario
from .streams import Streams

BLOCK = 1024

# --- columns of a case's row --------------------------------------------------------------------
# The first N_INT columns are small integers: flags and decisions (0 or 1, decided for the whole
# block in NumPy from the case's uniform draw and the scenario's share) and codes (routes,
# sentences, counts). Python caches small integers, so handing them out allocates nothing. The
# rest are floats: uniforms, durations in days, hearing lengths as work in sitting days of their
# court level.
(
    PRIOR, MAKING, ADMITS, CONTACT, CATEGORY, ARRESTED, FIRST_TIME,
    ROUTE_INTERVIEW, ROUTE_AFTER,
    NFA, CHARGED, TO_CROWN, GUILTY, CONVICTED, PSR, RELISTINGS, SENTENCE,
    SCHEME_FAIL_SESSION, SCHEME_REOFFENDS, LATE_PROCEEDS,
    CAUTION_SUITABLE, CAUTION_BREACH, SR_SUITABLE, SR_COMPLETES,
    U_REOFFEND, U_REOFFEND_TIME, U_SCHEME_REOFFENCE_TIME, U_CAUTION_COURSE_TIME, U_SR_DROPOUT_TIME,
    CUSTODY_MONTHS, CAUTION_COURSE_HOURS, SR_HANDOVER_DAYS, SR_ASSESSMENT_DAYS,
    INVESTIGATION_DAYS, FORENSIC_DAYS, CAUTION_ASSESSMENT_DAYS, CHARGING_DAYS,
    FIRST_HEARING_DELAY, MAGS_FIRST_WORK, MAGS_TRIAL_WORK, MAGS_SENTENCE_WORK,
    SENDING_DELAY, CROWN_PTPH_WORK, CROWN_TRIAL_WORK, CROWN_SENTENCE_WORK,
    TRIAL_READY_DAYS, PSR_DELAY, RELIST_DELAY,
) = range(48)
N_COLUMNS = 48
N_INT = U_REOFFEND  # columns before this one hold integers

#: sentence codes in the SENTENCE column
CUSTODY, SUSPENDED, COMMUNITY, COMMUNITY_PROGRAMME = 0, 1, 2, 3

NO_ROUTE = -1
ROUTE_CODE = {name: i for i, name in enumerate(ROUTES)}
R_DEFERRED, R_CONDITIONAL, R_SIMPLE, R_CHARGE, R_NFA = (ROUTE_CODE[r] for r in ROUTES)

ORIGINS = ("external", "self_referral", "reentry", "initial")


class Case:
    """One case moving through the pipeline. ``d`` is its row of draws (see the column constants)."""

    __slots__ = ("id", "key", "origin", "d", "t_charged", "t_sent", "examined", "diverted", "relists_left", "hearing")

    def __init__(self, cid: int, origin: int, row: list[float]) -> None:
        self.id = cid
        self.key = cid << STATE_BITS  # the log entry of a move is key | state
        self.origin = origin
        self.d = row
        self.t_charged = math.nan
        self.t_sent = math.nan
        self.examined = False   # forensic examination done
        self.diverted = False   # failed or breached a diversion: no second diversion
        self.relists_left = row[RELISTINGS]
        self.hearing = 0


def _flags_match(rule: Rule, cols: dict[str, np.ndarray]) -> np.ndarray:
    mask = np.ones(len(cols["admits"]), dtype=bool)
    for name, want in rule.when.items():
        if name == "category":
            allowed = [("A", "B", "C").index(c) for c in want]  # type: ignore[union-attr]
            mask &= np.isin(cols["category"], allowed)
        else:
            mask &= cols[name] == bool(want)
    return mask


class CaseFactory:
    """Hands out cases of one origin, drawing their rows block by block from named streams."""

    def __init__(self, scenario: Scenario, streams: Streams, origin: str) -> None:
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin}")
        self.sc = scenario
        self.streams = streams
        self.origin = origin
        self.origin_code = ORIGINS.index(origin)
        self.prefix = "" if origin == "external" else origin + "."
        self._rows: list[list[float]] = []
        self._next = 0
        self.made = 0
        # per-session attendance hazard that, with reoffending, gives the completion rate
        s = scenario.scheme
        attend = s.completion_rate / (1.0 - s.reoffend_during_deferral) if s.reoffend_during_deferral < 1 else 0.0
        attend = min(max(attend, 0.0), 1.0)
        self._scheme_hazard = 1.0 - attend ** (1.0 / (s.sessions + 1))
        p = scenario.court.ineffective_trial_share
        self._log_ineffective = math.log(p) if 0 < p < 1 else None

    def _gen(self, name: str) -> np.random.Generator:
        return self.streams[self.prefix + name]

    def _u(self, name: str, n: int) -> np.ndarray:
        return self._gen(name).random(n)

    def _block(self, n: int) -> list[list[float]]:
        sc = self.sc
        pop = sc.arrivals.population
        u = self._u
        col = np.empty((N_COLUMNS, n))  # integer columns are converted before handing out
        flags: dict[str, np.ndarray] = {}
        flags["prior_sexual_violent"] = u("case.prior_sexual_violent", n) < pop.prior_sexual_violent
        flags["making_distributing"] = u("case.making_distributing", n) < pop.making_distributing
        admits = u("case.admits", n) < pop.admits
        if self.origin == "self_referral":
            admits[:] = True  # coming forward is an admission
        flags["admits"] = admits
        flags["contact_with_children"] = u("case.contact_with_children", n) < pop.contact_with_children
        uc = u("case.category", n)
        flags["category"] = (uc >= pop.category_a).astype(np.int64) + (uc >= pop.category_a + pop.category_b)
        flags["first_time"] = np.full(n, self.origin != "reentry")
        for c, name in ((PRIOR, "prior_sexual_violent"), (MAKING, "making_distributing"), (ADMITS, "admits"),
                        (CONTACT, "contact_with_children"), (CATEGORY, "category"), (FIRST_TIME, "first_time")):
            col[c] = flags[name]
        col[ARRESTED] = u("case.arrested", n) < sc.arrivals.arrested_share

        # policy: the route at each decision point, from declarative rules and take-up draws
        take = {route: u(f"decision.take_up.{route}", n) for route in ROUTES}
        for c, point in ((ROUTE_INTERVIEW, "interview"), (ROUTE_AFTER, "after_forensics")):
            route = np.full(n, NO_ROUTE)
            for rule in sc.decision.ordered_rules():
                if (rule.point or sc.decision.point) != point:
                    continue
                hit = (route == NO_ROUTE) & _flags_match(rule, flags) & (take[rule.route] < rule.take_up)
                route[hit] = ROUTE_CODE[rule.route]
            col[c] = route

        court = sc.court
        sen = sc.sentence
        for c, name, p in ((NFA, "police.nfa", sc.police.nfa_share), (CHARGED, "court.charge", court.charging.charge_share),
                           (TO_CROWN, "court.allocation", court.crown_share), (GUILTY, "court.plea", court.guilty_plea_share),
                           (CONVICTED, "court.verdict", court.conviction_at_trial), (PSR, "court.psr", court.psr_share),
                           (SCHEME_REOFFENDS, "scheme.reoffends", sc.scheme.reoffend_during_deferral),
                           (LATE_PROCEEDS, "scheme.late_prosecution", sc.scheme.late_prosecution_proceeds),
                           (CAUTION_SUITABLE, "caution.suitable", sc.caution.suitable_share),
                           (CAUTION_BREACH, "caution.breach", sc.caution.breach_share),
                           (SR_SUITABLE, "self_referral.suitable", sc.self_referral.suitable_share),
                           (SR_COMPLETES, "self_referral.completes", sc.self_referral.completion_share)):
            col[c] = u(name, n) < p
        us = u("sentence.type", n)
        suspended_to = sen.custody_share + sen.suspended_share
        programme_to = suspended_to + (1 - suspended_to) * sen.community_programme_share
        col[SENTENCE] = np.select([us < sen.custody_share, us < suspended_to, us < programme_to],
                                  [CUSTODY, SUSPENDED, COMMUNITY_PROGRAMME], COMMUNITY)
        for c, name in ((U_REOFFEND, "reoffending.occurs"), (U_REOFFEND_TIME, "reoffending.time"),
                        (U_SCHEME_REOFFENCE_TIME, "scheme.reoffence_time"), (U_CAUTION_COURSE_TIME, "caution.course_time"),
                        (U_SR_DROPOUT_TIME, "self_referral.dropout_time")):
            col[c] = u(name, n)

        # number of ineffective listings before a trial is heard: geometric in the ineffective share
        ur = u("court.ineffective_listings", n)
        if self._log_ineffective is None:
            relist = np.full(n, court.max_relistings if court.ineffective_trial_share >= 1 else 0)
        else:
            relist = np.minimum(np.floor(np.log1p(-ur) / self._log_ineffective), court.max_relistings)
        col[RELISTINGS] = relist.astype(np.int64)

        # session at which a participant stops attending (0 = attends all, incl. the follow-up)
        ua = u("scheme.attendance", n)
        h = self._scheme_hazard
        if h <= 0:
            fail = np.zeros(n, dtype=np.int64)
        elif h >= 1:
            fail = np.ones(n, dtype=np.int64)
        else:
            k = np.floor(np.log1p(-ua) / math.log1p(-h)) + 1  # first failed session, geometric
            fail = np.where(k <= sc.scheme.sessions + 1, k, 0).astype(np.int64)
        col[SCHEME_FAIL_SESSION] = fail

        mags, crown = court.magistrates, court.crown
        for c, name, dist, scale in (
            (CUSTODY_MONTHS, "sentence.custody_months", sen.custody_months, 1.0),
            (CAUTION_COURSE_HOURS, "caution.course_hours", sc.caution.course_hours, 1.0),
            (SR_HANDOVER_DAYS, "self_referral.handover_days", sc.self_referral.handover_days, 1.0),
            (SR_ASSESSMENT_DAYS, "self_referral.assessment_days", sc.self_referral.assessment_days, 1.0),
            (INVESTIGATION_DAYS, "police.investigation_delay_days", sc.police.investigation_delay_days, 1.0),
            (FORENSIC_DAYS, "forensics.effort_days", sc.forensics.effort_days, 1.0),
            (CAUTION_ASSESSMENT_DAYS, "caution.assessment_days", sc.caution.assessment_days, 1.0),
            (CHARGING_DAYS, "court.charging.effort_days", court.charging.effort_days, 1.0),
            (FIRST_HEARING_DELAY, "court.first_hearing_delay_days", court.first_hearing_delay_days, 1.0),
            (MAGS_FIRST_WORK, "court.magistrates.first_hearing_hours", mags.first_hearing_hours, 1 / mags.hours_per_sitting_day),
            (MAGS_TRIAL_WORK, "court.magistrates.trial_hours", mags.trial_hours, 1 / mags.hours_per_sitting_day),
            (MAGS_SENTENCE_WORK, "court.magistrates.sentence_hours", mags.sentence_hours, 1 / mags.hours_per_sitting_day),
            (SENDING_DELAY, "court.sending_delay_days", court.sending_delay_days, 1.0),
            (CROWN_PTPH_WORK, "court.crown.ptph_hours", crown.ptph_hours, 1 / crown.hours_per_sitting_day),
            (CROWN_TRIAL_WORK, "court.crown.trial_hours", crown.trial_hours, 1 / crown.hours_per_sitting_day),
            (CROWN_SENTENCE_WORK, "court.crown.sentence_hours", crown.sentence_hours, 1 / crown.hours_per_sitting_day),
            (TRIAL_READY_DAYS, "court.trial_ready_days", court.trial_ready_days, 1.0),
            (PSR_DELAY, "court.psr_delay_days", court.psr_delay_days, 1.0),
            (RELIST_DELAY, "court.relist_delay_days", court.relist_delay_days, 1.0),
        ):
            x = dist.sample(self._gen(name), n)
            col[c] = x * scale if scale != 1.0 else x
        ints = col[:N_INT].T.astype(np.int64).tolist()
        floats = col[N_INT:].T.tolist()
        return [i + f for i, f in zip(ints, floats)]

    def new(self, cid: int) -> Case:
        """The next case of this origin, with id ``cid``."""
        if self._next >= len(self._rows):
            self._rows = self._block(BLOCK)
            self._next = 0
        row = self._rows[self._next]
        self._next += 1
        self.made += 1
        return Case(cid, self.origin_code, row)
