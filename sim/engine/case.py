"""Cases and the random numbers each one carries.

A case is a synthetic record of aggregate flags (drawn from population shares) plus, for every
random process it may meet, its own draw from that process's stream. The k-th case of an origin
(external arrival, self-referral, re-entry, initial stock) always receives the k-th number of each
stream, whether or not it reaches that process. That is the strongest form of common random
numbers: under two policies the same case pleads, is convicted and is sentenced alike, so paired
differences show the policy and not the noise.

Draws are made in vectorised blocks (one NumPy call per stream per block). Everything that is a
yes/no decision or a small code (flags, take-up, charge, plea, verdict, sentence, the session a
participant stops attending, routes) is decided for the whole block in NumPy, from the case's
uniform draw and the scenario's share, and packed into one integer per case, ``Case.bits``: a
flag is tested with ``case.bits & GUILTY`` and a code read with ``field(case.bits, SENTENCE)``.
Outcomes that depend on the admission (no further action, the charge, the plea) compare the same
uniform with the share for those who admit or for those who deny. Durations and the uniforms that
set a time are float attributes of the case (``case.forensic_days``), filled from the block's
column of the same name. Packing costs one integer per case instead of two dozen objects, and
testing a bit costs the same as reading an attribute.

The decision at interview sees only what an interview can know: whether the case admits, its
priors, contact with children, and the part of making or distributing (and of image category)
that the referral already shows (``decision.interview_sees_*``). What only an examination finds
is checked at the triage examination (``TRIAGE_FAILS``).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from sim.engine.record import STATE_BITS
from sim.engine.servers import INF, Job
from sim.engine.streams import Streams
from sim.inputs.scenario import EXAMINATION_FLAGS, ROUTES, Scenario

BLOCK: Final = 1024

# --- one-bit flags and decisions in Case.bits ----------------------------------------------------
PRIOR: Final = 1 << 0
MAKING: Final = 1 << 1
ADMITS: Final = 1 << 2
CONTACT: Final = 1 << 3
ARRESTED: Final = 1 << 4
FIRST_TIME: Final = 1 << 5
NFA: Final = 1 << 6
CHARGED: Final = 1 << 7
TO_CROWN: Final = 1 << 8
GUILTY: Final = 1 << 9
CONVICTED: Final = 1 << 10
PSR: Final = 1 << 11
LATE_GUILTY: Final = 1 << 12  # a not-guilty plea that changes to guilty at the trial date
LATE_PROCEEDS: Final = 1 << 13
CAUTION_SUITABLE: Final = 1 << 14
CAUTION_BREACH: Final = 1 << 15
SR_SUITABLE: Final = 1 << 16
SR_COMPLETES: Final = 1 << 17
TRIAGE_FAILS: Final = 1 << 41  # the triage examination finds the interview's diversion ineligible
DISPLACES: Final = 1 << 42  # a self-referral that would otherwise have been detected later
PRIORITY: Final = 1 << 43  # examined ahead of the rest (forensics.priority)
SR_EXCLUDED: Final = 1 << 44  # handed-in devices show making or distributing (self_referral.excluded_if_making)

# --- codes in Case.bits: (shift, mask) -----------------------------------------------------------
CATEGORY: Final = (18, 0x3)  # 0 = A, 1 = B, 2 = C
ROUTE_INTERVIEW: Final = (20, 0x7)  # route code + 1; 0 = no rule took the case
ROUTE_AFTER: Final = (23, 0x7)
RELISTINGS: Final = (26, 0x7F)  # ineffective listings before the trial is heard
SENTENCE: Final = (33, 0x3)  # CUSTODY, SUSPENDED, COMMUNITY, COMMUNITY_PROGRAMME
SCHEME_FAIL_SESSION: Final = (35, 0x3F)  # session at which attendance fails; 0 = attends all


def field(bits: int, code: tuple[int, int]) -> int:
    """Read a code packed in ``bits``."""
    return (bits >> code[0]) & code[1]


#: sentence codes
CUSTODY: Final = 0
SUSPENDED: Final = 1
COMMUNITY: Final = 2
COMMUNITY_PROGRAMME: Final = 3

# --- float columns of a block (the draws; one attribute each on Case, named in lower case) ------
E_REOFFEND: Final = 0  # unit exponential: cumulative hazard at which the person reoffends
E_ATTRITION: Final = 1  # unit exponential: cumulative hazard at which a waiting examination is dropped
U_CAUTION_COURSE_TIME: Final = 2
U_SR_DROPOUT_TIME: Final = 3
U_DISPLACE_TIME: Final = 4
CUSTODY_MONTHS: Final = 5
MAGS_CUSTODY_MONTHS: Final = 6
CAUTION_COURSE_HOURS: Final = 7
SR_HANDOVER_DAYS: Final = 8
SR_ASSESSMENT_DAYS: Final = 9
INVESTIGATION_DAYS: Final = 10
FORENSIC_DAYS: Final = 11
TRIAGE_DAYS: Final = 12
CAUTION_ASSESSMENT_DAYS: Final = 13
CHARGING_DAYS: Final = 14
FIRST_HEARING_DELAY: Final = 15
MAGS_FIRST_WORK: Final = 16
MAGS_TRIAL_WORK: Final = 17
MAGS_CRACKED_WORK: Final = 18
MAGS_SENTENCE_WORK: Final = 19
SENDING_DELAY: Final = 20
CROWN_PTPH_WORK: Final = 21
CROWN_TRIAL_WORK: Final = 22
CROWN_CRACKED_WORK: Final = 23
CROWN_SENTENCE_WORK: Final = 24
TRIAL_READY_DAYS: Final = 25
PSR_DELAY: Final = 26
RELIST_DELAY: Final = 27
N_FLOATS: Final = 28
_ROW: Final = struct.Struct(f"{N_FLOATS}d")

NO_ROUTE = -1
ROUTE_CODE = {name: i for i, name in enumerate(ROUTES)}
R_DEFERRED, R_CONDITIONAL, R_SIMPLE, R_CHARGE, R_NFA = (ROUTE_CODE[r] for r in ROUTES)

ORIGINS = ("external", "self_referral", "reentry", "initial", "prior_reentry")
SELF_REFERRAL: Final = 1  # ORIGINS.index("self_referral")
INITIAL: Final = 3  # ORIGINS.index("initial"): the stock present at the start, not an arrival
#: origins whose cases are detected by the police (and arrested in a share)
DETECTED = ("external", "reentry", "prior_reentry")
#: origins of reoffenders' cases (never first-time)
REENTRIES = ("reentry", "prior_reentry")


class Case(Job):
    """One case moving through the pipeline: packed decisions ``bits`` and its float draws.

    The draws are attributes, one per column of the block, rather than a list: compiled, each is
    a typed field read in one load.
    """

    __slots__ = (
        "id",
        "key",
        "row",
        "origin",
        "bits",
        "t_detected",
        "t_closed",
        "t_charged",
        "t_sent",
        "examined",
        "diverted",
        "relists_left",
        "hearing",
        "tried",
        "registered",
        "e_reoffend",
        "e_attrition",
        "u_caution_course_time",
        "u_sr_dropout_time",
        "u_displace_time",
        "custody_months",
        "mags_custody_months",
        "caution_course_hours",
        "sr_handover_days",
        "sr_assessment_days",
        "investigation_days",
        "forensic_days",
        "triage_days",
        "caution_assessment_days",
        "charging_days",
        "first_hearing_delay",
        "mags_first_work",
        "mags_trial_work",
        "mags_cracked_work",
        "mags_sentence_work",
        "sending_delay",
        "crown_ptph_work",
        "crown_trial_work",
        "crown_cracked_work",
        "crown_sentence_work",
        "trial_ready_days",
        "psr_delay",
        "relist_delay",
    )

    def __init__(self, cid: int, origin: int, bits: int, row: tuple[float, ...]) -> None:
        self.ready = 0.0  # the Job's fields, set by the pool the case is offered to
        self.cls = 0
        self.work = 0.0
        self.deadline = INF
        self.id = cid
        self.key = cid << STATE_BITS  # the log entry of a move is key | state
        self.row = -1  # the case's latest entry in the log (each entry links to the one before)
        self.origin = origin
        self.bits = bits
        self.t_detected = math.nan  # start of the time at risk of reoffending
        self.t_closed = INF  # when the case ends (known once decided)
        self.t_charged = math.nan
        self.t_sent = math.nan
        self.examined = False  # full forensic examination done
        self.diverted = False  # has left a diversion route unsuccessfully: no second diversion
        self.relists_left = (bits >> RELISTINGS[0]) & RELISTINGS[1]
        self.hearing = 0
        self.tried = False  # an effective trial was held (the main hearing, if in the Crown Court)
        self.registered = False  # already on the register (a breached caution, then a conviction)
        self.e_reoffend = row[E_REOFFEND]
        self.e_attrition = row[E_ATTRITION]
        self.u_caution_course_time = row[U_CAUTION_COURSE_TIME]
        self.u_sr_dropout_time = row[U_SR_DROPOUT_TIME]
        self.u_displace_time = row[U_DISPLACE_TIME]
        self.custody_months = row[CUSTODY_MONTHS]
        self.mags_custody_months = row[MAGS_CUSTODY_MONTHS]
        self.caution_course_hours = row[CAUTION_COURSE_HOURS]
        self.sr_handover_days = row[SR_HANDOVER_DAYS]
        self.sr_assessment_days = row[SR_ASSESSMENT_DAYS]
        self.investigation_days = row[INVESTIGATION_DAYS]
        self.forensic_days = row[FORENSIC_DAYS]
        self.triage_days = row[TRIAGE_DAYS]
        self.caution_assessment_days = row[CAUTION_ASSESSMENT_DAYS]
        self.charging_days = row[CHARGING_DAYS]
        self.first_hearing_delay = row[FIRST_HEARING_DELAY]
        self.mags_first_work = row[MAGS_FIRST_WORK]
        self.mags_trial_work = row[MAGS_TRIAL_WORK]
        self.mags_cracked_work = row[MAGS_CRACKED_WORK]
        self.mags_sentence_work = row[MAGS_SENTENCE_WORK]
        self.sending_delay = row[SENDING_DELAY]
        self.crown_ptph_work = row[CROWN_PTPH_WORK]
        self.crown_trial_work = row[CROWN_TRIAL_WORK]
        self.crown_cracked_work = row[CROWN_CRACKED_WORK]
        self.crown_sentence_work = row[CROWN_SENTENCE_WORK]
        self.trial_ready_days = row[TRIAL_READY_DAYS]
        self.psr_delay = row[PSR_DELAY]
        self.relist_delay = row[RELIST_DELAY]


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
        self._bits: list[int] = []
        self._rows = b""  # the block's draws, one row of N_FLOATS doubles per case
        self._next = 0
        self.made = 0
        sc = scenario
        rules = [r for r in sc.decision.ordered_rules() if r.take_up > 0]
        # Streams this origin's cases can never use are not drawn: streams are spawned by name and
        # independent, so this changes no other draw, and common random numbers hold for every
        # stream a case can use (its k-th case still gets its k-th number).
        self._takes = {r.route for r in rules}
        interview = any((r.point or sc.decision.point) == "interview" and r.route != "nfa" for r in rules)
        self._unused = {
            group
            for group, used in (
                ("scheme", "deferred_prosecution" in self._takes),
                ("caution", "conditional_caution" in self._takes),
                ("self_referral", origin == "self_referral"),
                ("triage", interview or origin == "self_referral"),
            )
            if not used
        }
        if sc.forensics.attrition_per_year <= 0:
            self._unused.add("forensics.attrition")
        self._gens: dict[str, np.random.Generator | None] = {}  # see _stream
        # per-session attendance hazard that, with reoffending during the deferral, gives the completion rate
        s = sc.scheme
        p_reoffend = 1.0 - math.exp(-sc.reoffending.hazard_per_day * (s.course_days + s.follow_up_days))
        attend = s.completion_rate / (1.0 - p_reoffend)
        attend = min(max(attend, 0.0), 1.0)
        self._scheme_hazard = 1.0 - attend ** (1.0 / (s.sessions + 1))
        p = sc.court.ineffective_trial_share
        self._log_ineffective = math.log(p) if 0 < p < 1 else None
        # the yes/no decisions, fixed for the run: a block compares a row of uniforms per stream
        # with the column of shares (for those who admit and those who deny) and packs the answers
        self._decisions = self._yes_no()
        self._share_admits = np.array([d[2] for d in self._decisions])[:, None]
        self._share_denies = np.array([d[3] for d in self._decisions])[:, None]
        self._weight = np.array([d[0] for d in self._decisions], dtype=np.int64)
        self._row = {d[1]: i for i, d in enumerate(self._decisions)}

    def _drawn(self, name: str) -> bool:
        """Whether stream ``name`` is drawn for this origin (see ``_unused``)."""
        return name not in self._unused and name.split(".", 1)[0] not in self._unused

    def _stream(self, name: str) -> np.random.Generator | None:
        """The generator of stream ``name`` for this origin, or None if it is never drawn."""
        if name in self._gens:
            return self._gens[name]
        gen = self.streams[self.prefix + name] if self._drawn(name) else None
        self._gens[name] = gen
        return gen

    def _fill(self, name: str, out: np.ndarray) -> None:
        """Fill ``out`` with the next uniforms of stream ``name`` (zeros if it is never read)."""
        gen = self._stream(name)
        if gen is None:
            out.fill(0.0)  # never read by a case of this origin under this scenario
        else:
            gen.random(out=out)

    def _yes_no(self) -> list[tuple[int, str, float, float]]:
        """Every yes/no decision as (flag, stream, share if the case admits, share if it denies).

        Yes when the case's uniform is below its share. A flag of 0 is a decision the factory uses
        itself (what the interview sees, triage) rather than one it packs."""
        sc = self.sc
        pop = sc.arrivals.population
        court = sc.court
        ch = court.charging
        dec = sc.decision
        same = [
            (PRIOR, "case.prior_sexual_violent", pop.prior_sexual_violent),
            (MAKING, "case.making_distributing", pop.making_distributing),
            (ADMITS, "case.admits", pop.admits),
            (CONTACT, "case.contact_with_children", pop.contact_with_children),
            (ARRESTED, "case.arrested", sc.arrivals.arrested_share if self.origin in DETECTED else 0.0),
            (TO_CROWN, "court.allocation", court.crown_share),
            (CONVICTED, "court.verdict", court.conviction_at_trial),
            (PSR, "court.psr", court.psr_share),
            (LATE_GUILTY, "court.late_plea", court.late_guilty_plea_share),
            (LATE_PROCEEDS, "scheme.late_prosecution", sc.scheme.late_prosecution_proceeds),
            (CAUTION_SUITABLE, "caution.suitable", sc.caution.suitable_share),
            (CAUTION_BREACH, "caution.breach", sc.caution.breach_share),
            (SR_SUITABLE, "self_referral.suitable", sc.self_referral.suitable_share),
            (SR_COMPLETES, "self_referral.completes", sc.self_referral.completion_share),
            (DISPLACES, "self_referral.displaces", sc.self_referral.displacement_share),
            (0, "triage.sees_making", dec.interview_sees_making_share),
            (0, "triage.sees_category", dec.interview_sees_category_share),
            (0, "triage.other_ineligible", dec.triage_other_ineligible_share),
        ]
        by_admission = [
            (NFA, "police.nfa", sc.by_admission(sc.police.nfa_share, sc.police.nfa_admission_odds_ratio)),
            (CHARGED, "court.charge", sc.by_admission(ch.charge_share, ch.charge_admission_odds_ratio)),
            (GUILTY, "court.plea", sc.by_admission(court.guilty_plea_share, court.guilty_plea_admission_odds_ratio)),
        ]
        return [(f, name, p, p) for f, name, p in same] + [(f, name, a, d) for f, name, (a, d) in by_admission]

    def _block(self, n: int) -> tuple[list[int], bytes]:
        """Packed decisions and float draws for the next ``n`` cases of this origin.

        The yes/no decisions are one matrix of uniforms, a row per stream, compared with a column
        of shares and packed in a few NumPy calls, rather than a dozen calls per flag.
        """
        sc = self.sc
        pop = sc.arrivals.population
        row = self._row
        u = np.empty((len(self._decisions), n))
        for i, (_, name, _, _) in enumerate(self._decisions):
            self._fill(name, u[i])
        admits = u[row["case.admits"]] < pop.admits
        if self.origin == "self_referral":
            admits[:] = True  # coming forward is an admission
        yes = u < np.where(admits, self._share_admits, self._share_denies)
        yes[row["case.admits"]] = admits
        # each row's flag where it says yes (the flags are distinct bits); not np.dot, which wakes a
        # BLAS thread pool that then spins on the other cores
        bits = (yes * self._weight[:, None]).sum(axis=0)
        prior = yes[row["case.prior_sexual_violent"]]
        making = yes[row["case.making_distributing"]]
        first_time = ~prior if self.origin not in REENTRIES else np.zeros(n, dtype=bool)
        bits |= np.where(first_time, FIRST_TIME, 0)

        def put_code(code: tuple[int, int], values: np.ndarray) -> None:
            nonlocal bits
            bits |= (values.astype(np.int64) & code[1]) << code[0]

        uc = self._uniform("case.category", n)
        category = (uc >= pop.category_a).astype(np.int64) + (uc >= pop.category_a + pop.category_b)
        put_code(CATEGORY, category)

        # policy: the route at each decision point, from declarative rules and take-up draws
        flags: dict[str, np.ndarray | None] = {
            "prior_sexual_violent": prior,
            "making_distributing": making,
            "admits": admits,
            "contact_with_children": yes[row["case.contact_with_children"]],
            "category": category,
            "first_time": first_time,
        }
        # what the interview sees of the flags only an examination establishes
        seen: dict[str, np.ndarray | None] = dict(flags)
        seen["making_distributing"] = making & yes[row["triage.sees_making"]]
        category_seen = yes[row["triage.sees_category"]]
        take = {route: self._uniform(f"decision.take_up.{route}", n) for route in self._takes}
        triage_fails = np.zeros(n, dtype=bool)
        other_ineligible = yes[row["triage.other_ineligible"]]
        for code, point in ((ROUTE_INTERVIEW, "interview"), (ROUTE_AFTER, "after_forensics")):
            route = np.full(n, NO_ROUTE)
            for rule in sc.decision.ordered_rules():
                if (rule.point or sc.decision.point) != point or rule.take_up <= 0:
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
            put_code(code, route + 1)
        bits |= np.where(triage_fails, TRIAGE_FAILS, 0)
        if sc.forensics.priority:
            bits |= np.where(match(sc.forensics.priority, flags, n), PRIORITY, 0)
        if sc.self_referral.excluded_if_making:
            bits |= np.where(making, SR_EXCLUDED, 0)

        court = sc.court
        sen = sc.sentence
        us = self._uniform("sentence.type", n)
        suspended_to = sen.custody_share + sen.suspended_share
        programme_to = suspended_to + (1 - suspended_to) * sen.community_programme_share
        # the first band the uniform falls below: custody, suspended, programme, else community
        # (edges made non-decreasing, as searchsorted needs, whatever rounding does to the shares)
        edges = np.maximum.accumulate(np.array([sen.custody_share, suspended_to, programme_to]))
        band = np.searchsorted(edges, us, side="right")
        put_code(SENTENCE, np.array([CUSTODY, SUSPENDED, COMMUNITY_PROGRAMME, COMMUNITY])[band])

        # number of ineffective listings before a trial is heard: geometric in the ineffective share
        ur = self._uniform("court.ineffective_listings", n)
        if self._log_ineffective is None:
            relist = np.full(n, court.max_relistings if court.ineffective_trial_share >= 1 else 0)
        else:
            relist = np.minimum(np.floor(np.log1p(-ur) / self._log_ineffective), court.max_relistings)
        put_code(RELISTINGS, relist)

        # session at which a participant stops attending (0 = attends all, incl. the follow-up)
        ua = self._uniform("scheme.attendance", n)
        h = self._scheme_hazard
        if h <= 0:
            fail = np.zeros(n)
        elif h >= 1:
            fail = np.ones(n)
        else:
            k = np.floor(np.log1p(-ua) / math.log1p(-h)) + 1  # first failed session, geometric
            fail = np.where(k <= sc.scheme.sessions + 1, k, 0)
        put_code(SCHEME_FAIL_SESSION, fail)

        col = np.empty((N_FLOATS, n))  # a column per draw; transposed to a row per case at the end
        for c, name in ((E_REOFFEND, "reoffending.occurs"), (E_ATTRITION, "forensics.attrition")):
            self._fill(name, col[c])
            np.negative(np.log1p(-col[c]), out=col[c])  # unit exponential by inversion
        for c, name in (
            (U_CAUTION_COURSE_TIME, "caution.course_time"),
            (U_SR_DROPOUT_TIME, "self_referral.dropout_time"),
            (U_DISPLACE_TIME, "self_referral.displacement_time"),
        ):
            self._fill(name, col[c])
        mags, crown = court.magistrates, court.crown
        mh, ch = 1 / mags.hours_per_sitting_day, 1 / crown.hours_per_sitting_day
        for c, name, dist, scale in (
            (CUSTODY_MONTHS, "sentence.custody_months", sen.custody_months, 1.0),
            (MAGS_CUSTODY_MONTHS, "sentence.magistrates_custody_months", sen.magistrates_custody_months, 1.0),
            (CAUTION_COURSE_HOURS, "caution.course_hours", sc.caution.course_hours, 1.0),
            (SR_HANDOVER_DAYS, "self_referral.handover_days", sc.self_referral.handover_days, 1.0),
            (SR_ASSESSMENT_DAYS, "self_referral.assessment_days", sc.self_referral.assessment_days, 1.0),
            (INVESTIGATION_DAYS, "police.investigation_delay_days", sc.police.investigation_delay_days, 1.0),
            (FORENSIC_DAYS, "forensics.effort_days", sc.forensics.effort_days, 1.0),
            (TRIAGE_DAYS, "triage.effort_days", sc.forensics.triage_effort_days, 1.0),
            (CAUTION_ASSESSMENT_DAYS, "caution.assessment_days", sc.caution.assessment_days, 1.0),
            (CHARGING_DAYS, "court.charging.effort_days", court.charging.effort_days, 1.0),
            (FIRST_HEARING_DELAY, "court.first_hearing_delay_days", court.first_hearing_delay_days, 1.0),
            (MAGS_FIRST_WORK, "court.magistrates.first_hearing_hours", mags.first_hearing_hours, mh),
            (MAGS_TRIAL_WORK, "court.magistrates.trial_hours", mags.trial_hours, mh),
            (MAGS_CRACKED_WORK, "court.magistrates.cracked_hours", mags.cracked_hours, mh),
            (MAGS_SENTENCE_WORK, "court.magistrates.sentence_hours", mags.sentence_hours, mh),
            (SENDING_DELAY, "court.sending_delay_days", court.sending_delay_days, 1.0),
            (CROWN_PTPH_WORK, "court.crown.ptph_hours", crown.ptph_hours, ch),
            (CROWN_TRIAL_WORK, "court.crown.trial_hours", crown.trial_hours, ch),
            (CROWN_CRACKED_WORK, "court.crown.cracked_hours", crown.cracked_hours, ch),
            (CROWN_SENTENCE_WORK, "court.crown.sentence_hours", crown.sentence_hours, ch),
            (TRIAL_READY_DAYS, "court.trial_ready_days", court.trial_ready_days, 1.0),
            (PSR_DELAY, "court.psr_delay_days", court.psr_delay_days, 1.0),
            (RELIST_DELAY, "court.relist_delay_days", court.relist_delay_days, 1.0),
        ):
            gen = self._stream(name)
            if gen is None:
                col[c] = 0.0  # never read
                continue
            x = dist.sample(gen, n)
            col[c] = x * scale if scale != 1.0 else x
        return bits.tolist(), col.T.tobytes()  # rows: one case's draws together, as they are unpacked

    def _uniform(self, name: str, n: int) -> np.ndarray:
        out = np.empty(n)
        self._fill(name, out)
        return out

    def clear(self) -> None:
        """Drop the rest of the current block."""
        self._bits, self._rows = [], b""
        self._next = 0

    def skip(self) -> None:
        """Pass over the next case of this origin without making it (its draws stay its own)."""
        if self._next >= len(self._bits):
            self._bits, self._rows = self._block(BLOCK)
            self._next = 0
        self._next += 1
        self.made += 1

    def new(self, cid: int) -> Case:
        """The next case of this origin, with id ``cid``."""
        i = self._next
        if i >= len(self._bits):
            self._bits, self._rows = self._block(BLOCK)
            i = 0
        self._next = i + 1
        self.made += 1
        # unpacking one row boxes its doubles in one C loop, where NumPy's tolist boxes each through
        # a generic item getter
        return Case(cid, self.origin_code, self._bits[i], _ROW.unpack_from(self._rows, i * _ROW.size))
