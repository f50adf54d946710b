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

from .scenario import ROUTES, Rule, Scenario
from .streams import Streams

BLOCK = 1024

# --- columns of a case's row ------------------------------------------------------------------
(
    PRIOR, MAKING, ADMITS, CONTACT, CATEGORY, ARRESTED, FIRST_TIME,
    ROUTE_INTERVIEW, ROUTE_AFTER,
    U_NFA, U_CHARGE, U_CROWN, U_PLEA, U_CONVICT, RELISTINGS, U_PSR, U_SENTENCE, CUSTODY_MONTHS,
    U_REOFFEND, U_REOFFEND_TIME,
    SCHEME_FAIL_SESSION, U_SCHEME_REOFFEND, U_SCHEME_REOFFEND_TIME, U_LATE_PROCEEDS,
    U_CAUTION_SUITABLE, U_CAUTION_BREACH, U_CAUTION_COURSE_TIME, CAUTION_COURSE_HOURS,
    U_SR_SUITABLE, U_SR_COMPLETES, U_SR_DROPOUT_TIME, SR_HANDOVER_DAYS, SR_ASSESSMENT_DAYS,
    INVESTIGATION_DAYS, FORENSIC_DAYS, CAUTION_ASSESSMENT_DAYS, CHARGING_DAYS,
    FIRST_HEARING_DELAY, MAGS_FIRST_HOURS, MAGS_TRIAL_HOURS, MAGS_SENTENCE_HOURS,
    SENDING_DELAY, CROWN_PTPH_HOURS, CROWN_TRIAL_HOURS, CROWN_SENTENCE_HOURS,
    TRIAL_READY_DAYS, PSR_DELAY, RELIST_DELAY,
) = range(48)
N_COLUMNS = 48

NO_ROUTE = -1.0
ROUTE_CODE = {name: float(i) for i, name in enumerate(ROUTES)}
R_DEFERRED, R_CONDITIONAL, R_SIMPLE, R_CHARGE, R_NFA = (ROUTE_CODE[r] for r in ROUTES)

ORIGINS = ("external", "self_referral", "reentry", "initial")


class Case:
    """One case moving through the pipeline. ``d`` is its row of draws (see the column constants)."""

    __slots__ = ("id", "origin", "d", "t_charged", "t_sent", "examined", "diverted", "relists_left", "hearing")

    def __init__(self, cid: int, origin: int, row: list[float]) -> None:
        self.id = cid
        self.origin = origin
        self.d = row
        self.t_charged = math.nan
        self.t_sent = math.nan
        self.examined = False   # forensic examination done
        self.diverted = False   # failed or breached a diversion: no second diversion
        self.relists_left = int(row[RELISTINGS])
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
        cols: dict[str, np.ndarray] = {}
        cols["prior_sexual_violent"] = u("case.prior_sexual_violent", n) < pop.prior_sexual_violent
        cols["making_distributing"] = u("case.making_distributing", n) < pop.making_distributing
        admits = u("case.admits", n) < pop.admits
        if self.origin == "self_referral":
            admits[:] = True  # coming forward is an admission
        cols["admits"] = admits
        cols["contact_with_children"] = u("case.contact_with_children", n) < pop.contact_with_children
        uc = u("case.category", n)
        cols["category"] = (uc >= pop.category_a).astype(np.int64) + (uc >= pop.category_a + pop.category_b)
        arrested = u("case.arrested", n) < sc.arrivals.arrested_share
        first_time = np.full(n, self.origin != "reentry")
        cols["first_time"] = first_time

        out = np.empty((n, N_COLUMNS))
        out[:, PRIOR] = cols["prior_sexual_violent"]
        out[:, MAKING] = cols["making_distributing"]
        out[:, ADMITS] = admits
        out[:, CONTACT] = cols["contact_with_children"]
        out[:, CATEGORY] = cols["category"]
        out[:, ARRESTED] = arrested
        out[:, FIRST_TIME] = first_time

        # policy: the route at each decision point, from declarative rules and take-up draws
        take = {route: u(f"decision.take_up.{route}", n) for route in ROUTES}
        for col, point in ((ROUTE_INTERVIEW, "interview"), (ROUTE_AFTER, "after_forensics")):
            route = np.full(n, NO_ROUTE)
            for rule in sc.decision.ordered_rules():
                if (rule.point or sc.decision.point) != point:
                    continue
                hit = (route == NO_ROUTE) & _flags_match(rule, cols) & (take[rule.route] < rule.take_up)
                route[hit] = ROUTE_CODE[rule.route]
            out[:, col] = route

        court = sc.court
        for col, name in ((U_NFA, "police.nfa"), (U_CHARGE, "court.charge"), (U_CROWN, "court.allocation"),
                          (U_PLEA, "court.plea"), (U_CONVICT, "court.verdict"), (U_PSR, "court.psr"),
                          (U_SENTENCE, "sentence.type"), (U_REOFFEND, "reoffending.occurs"),
                          (U_REOFFEND_TIME, "reoffending.time"), (U_SCHEME_REOFFEND, "scheme.reoffends"),
                          (U_SCHEME_REOFFEND_TIME, "scheme.reoffence_time"), (U_LATE_PROCEEDS, "scheme.late_prosecution"),
                          (U_CAUTION_SUITABLE, "caution.suitable"), (U_CAUTION_BREACH, "caution.breach"),
                          (U_CAUTION_COURSE_TIME, "caution.course_time"), (U_SR_SUITABLE, "self_referral.suitable"),
                          (U_SR_COMPLETES, "self_referral.completes"), (U_SR_DROPOUT_TIME, "self_referral.dropout_time")):
            out[:, col] = u(name, n)

        # number of ineffective listings before a trial is heard: geometric in the ineffective share
        ur = u("court.ineffective_listings", n)
        if self._log_ineffective is None:
            relist = np.full(n, court.max_relistings if court.ineffective_trial_share >= 1 else 0, dtype=float)
        else:
            relist = np.floor(np.log1p(-ur) / self._log_ineffective)
        out[:, RELISTINGS] = np.minimum(relist, court.max_relistings)

        # session at which a participant stops attending (0 = attends all, incl. the follow-up)
        us = u("scheme.attendance", n)
        h = self._scheme_hazard
        sessions_total = sc.scheme.sessions + 1
        if h <= 0:
            fail = np.zeros(n)
        elif h >= 1:
            fail = np.ones(n)
        else:
            k = np.floor(np.log1p(-us) / math.log1p(-h)) + 1  # first failed session, geometric
            fail = np.where(k <= sessions_total, k, 0)
        out[:, SCHEME_FAIL_SESSION] = fail

        for col, name, dist in (
            (CUSTODY_MONTHS, "sentence.custody_months", sc.sentence.custody_months),
            (CAUTION_COURSE_HOURS, "caution.course_hours", sc.caution.course_hours),
            (SR_HANDOVER_DAYS, "self_referral.handover_days", sc.self_referral.handover_days),
            (SR_ASSESSMENT_DAYS, "self_referral.assessment_days", sc.self_referral.assessment_days),
            (INVESTIGATION_DAYS, "police.investigation_delay_days", sc.police.investigation_delay_days),
            (FORENSIC_DAYS, "forensics.effort_days", sc.forensics.effort_days),
            (CAUTION_ASSESSMENT_DAYS, "caution.assessment_days", sc.caution.assessment_days),
            (CHARGING_DAYS, "court.charging.effort_days", court.charging.effort_days),
            (FIRST_HEARING_DELAY, "court.first_hearing_delay_days", court.first_hearing_delay_days),
            (MAGS_FIRST_HOURS, "court.magistrates.first_hearing_hours", court.magistrates.first_hearing_hours),
            (MAGS_TRIAL_HOURS, "court.magistrates.trial_hours", court.magistrates.trial_hours),
            (MAGS_SENTENCE_HOURS, "court.magistrates.sentence_hours", court.magistrates.sentence_hours),
            (SENDING_DELAY, "court.sending_delay_days", court.sending_delay_days),
            (CROWN_PTPH_HOURS, "court.crown.ptph_hours", court.crown.ptph_hours),
            (CROWN_TRIAL_HOURS, "court.crown.trial_hours", court.crown.trial_hours),
            (CROWN_SENTENCE_HOURS, "court.crown.sentence_hours", court.crown.sentence_hours),
            (TRIAL_READY_DAYS, "court.trial_ready_days", court.trial_ready_days),
            (PSR_DELAY, "court.psr_delay_days", court.psr_delay_days),
            (RELIST_DELAY, "court.relist_delay_days", court.relist_delay_days),
        ):
            out[:, col] = dist.sample(self._gen(name), n)
        return out.tolist()

    def new(self) -> Case:
        """The next case of this origin (ids are assigned by the caller's model)."""
        if self._next >= len(self._rows):
            self._rows = self._block(BLOCK)
            self._next = 0
        row = self._rows[self._next]
        self._next += 1
        self.made += 1
        return Case(-1, self.origin_code, row)
