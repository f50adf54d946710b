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
Durations and the uniforms that set a time are float attributes of the case (``case.forensic_days``),
filled from the block's column of the same name. Packing costs one integer per case instead of two
dozen objects, and testing a bit costs the same as reading an attribute.
"""

from __future__ import annotations

import math
import struct
from typing import Final

import numpy as np

from .record import STATE_BITS
from .scenario import ROUTES, Rule, Scenario
from .servers import Job
from .streams import Streams

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
SCHEME_REOFFENDS: Final = 1 << 12
LATE_PROCEEDS: Final = 1 << 13
CAUTION_SUITABLE: Final = 1 << 14
CAUTION_BREACH: Final = 1 << 15
SR_SUITABLE: Final = 1 << 16
SR_COMPLETES: Final = 1 << 17

# --- codes in Case.bits: (shift, mask) -----------------------------------------------------------
CATEGORY: Final = (18, 0x3)              # 0 = A, 1 = B, 2 = C
ROUTE_INTERVIEW: Final = (20, 0x7)       # route code + 1; 0 = no rule took the case
ROUTE_AFTER: Final = (23, 0x7)
RELISTINGS: Final = (26, 0x7F)           # ineffective listings before the trial is heard
SENTENCE: Final = (33, 0x3)              # CUSTODY, SUSPENDED, COMMUNITY, COMMUNITY_PROGRAMME
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
U_REOFFEND: Final = 0
U_REOFFEND_TIME: Final = 1
U_SCHEME_REOFFENCE_TIME: Final = 2
U_CAUTION_COURSE_TIME: Final = 3
U_SR_DROPOUT_TIME: Final = 4
CUSTODY_MONTHS: Final = 5
CAUTION_COURSE_HOURS: Final = 6
SR_HANDOVER_DAYS: Final = 7
SR_ASSESSMENT_DAYS: Final = 8
INVESTIGATION_DAYS: Final = 9
FORENSIC_DAYS: Final = 10
CAUTION_ASSESSMENT_DAYS: Final = 11
CHARGING_DAYS: Final = 12
FIRST_HEARING_DELAY: Final = 13
MAGS_FIRST_WORK: Final = 14
MAGS_TRIAL_WORK: Final = 15
MAGS_SENTENCE_WORK: Final = 16
SENDING_DELAY: Final = 17
CROWN_PTPH_WORK: Final = 18
CROWN_TRIAL_WORK: Final = 19
CROWN_SENTENCE_WORK: Final = 20
TRIAL_READY_DAYS: Final = 21
PSR_DELAY: Final = 22
RELIST_DELAY: Final = 23
N_FLOATS: Final = 24
_ROW: Final = struct.Struct(f"{N_FLOATS}d")

NO_ROUTE = -1
ROUTE_CODE = {name: i for i, name in enumerate(ROUTES)}
R_DEFERRED, R_CONDITIONAL, R_SIMPLE, R_CHARGE, R_NFA = (ROUTE_CODE[r] for r in ROUTES)

ORIGINS = ("external", "self_referral", "reentry", "initial")
INITIAL: Final = 3  # ORIGINS.index("initial"): the stock present at the start, not an arrival


class Case(Job):
    """One case moving through the pipeline: packed decisions ``bits`` and its float draws.

    The draws are attributes, one per column of the block, rather than a list: compiled, each is
    a plain double inside the case, so reading one is a single load and a case is one compact
    object instead of a list of two dozen boxed floats scattered over the heap. A case is the
    :class:`~sim.servers.Job` a pool files while it waits there (it waits in one pool at a time).
    """

    __slots__ = ("id", "key", "origin", "bits", "t_charged", "t_sent", "examined", "diverted",
                 "relists_left", "hearing", "tried", "registered", "u_reoffend", "u_reoffend_time",
                 "u_scheme_reoffence_time", "u_caution_course_time", "u_sr_dropout_time", "custody_months",
                 "caution_course_hours", "sr_handover_days", "sr_assessment_days", "investigation_days",
                 "forensic_days", "caution_assessment_days", "charging_days", "first_hearing_delay",
                 "mags_first_work", "mags_trial_work", "mags_sentence_work", "sending_delay",
                 "crown_ptph_work", "crown_trial_work", "crown_sentence_work", "trial_ready_days",
                 "psr_delay", "relist_delay")

    def __init__(self, cid: int, origin: int, bits: int, row: tuple[float, ...]) -> None:
        self.ready = 0.0  # the Job's fields, set by the pool the case is offered to
        self.cls = 0
        self.work = 0.0
        self.id = cid
        self.key = cid << STATE_BITS  # the log entry of a move is key | state
        self.origin = origin
        self.bits = bits
        self.t_charged = math.nan
        self.t_sent = math.nan
        self.examined = False   # forensic examination done
        self.diverted = False   # has left a diversion route unsuccessfully: no second diversion
        self.relists_left = (bits >> RELISTINGS[0]) & RELISTINGS[1]
        self.hearing = 0
        self.tried = False      # an effective trial was held (the main hearing, if in the Crown Court)
        self.registered = False  # already on the register (a breached caution, then a conviction)
        self.u_reoffend = row[U_REOFFEND]
        self.u_reoffend_time = row[U_REOFFEND_TIME]
        self.u_scheme_reoffence_time = row[U_SCHEME_REOFFENCE_TIME]
        self.u_caution_course_time = row[U_CAUTION_COURSE_TIME]
        self.u_sr_dropout_time = row[U_SR_DROPOUT_TIME]
        self.custody_months = row[CUSTODY_MONTHS]
        self.caution_course_hours = row[CAUTION_COURSE_HOURS]
        self.sr_handover_days = row[SR_HANDOVER_DAYS]
        self.sr_assessment_days = row[SR_ASSESSMENT_DAYS]
        self.investigation_days = row[INVESTIGATION_DAYS]
        self.forensic_days = row[FORENSIC_DAYS]
        self.caution_assessment_days = row[CAUTION_ASSESSMENT_DAYS]
        self.charging_days = row[CHARGING_DAYS]
        self.first_hearing_delay = row[FIRST_HEARING_DELAY]
        self.mags_first_work = row[MAGS_FIRST_WORK]
        self.mags_trial_work = row[MAGS_TRIAL_WORK]
        self.mags_sentence_work = row[MAGS_SENTENCE_WORK]
        self.sending_delay = row[SENDING_DELAY]
        self.crown_ptph_work = row[CROWN_PTPH_WORK]
        self.crown_trial_work = row[CROWN_TRIAL_WORK]
        self.crown_sentence_work = row[CROWN_SENTENCE_WORK]
        self.trial_ready_days = row[TRIAL_READY_DAYS]
        self.psr_delay = row[PSR_DELAY]
        self.relist_delay = row[RELIST_DELAY]


def _flags_match(rule: Rule, cols: dict[str, np.ndarray]) -> np.ndarray:
    mask = np.ones(len(cols["admits"]), dtype=bool)
    for name, want in rule.when.items():
        if name == "category":
            allowed = np.array([c in want for c in ("A", "B", "C")])  # type: ignore[operator]
            mask &= allowed[cols["category"]]
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
        self._bits: list[int] = []
        self._rows = b""  # the block's draws, one row of N_FLOATS doubles per case
        self._next = 0
        self.made = 0
        # Streams of routes this origin's cases can never take are not drawn: streams are spawned
        # by name and independent, so this changes no other draw, and common random numbers hold
        # for every stream a case can use (its k-th case still gets its k-th number).
        self._takes = {r.route for r in scenario.decision.ordered_rules() if r.take_up > 0}
        self._gens: dict[str, np.random.Generator | None] = {}  # see _stream
        self._unused = {group for group, used in (
            ("scheme", "deferred_prosecution" in self._takes),
            ("caution", "conditional_caution" in self._takes),
            ("self_referral", origin == "self_referral"),
        ) if not used}
        # per-session attendance hazard that, with reoffending, gives the completion rate
        s = scenario.scheme
        attend = s.completion_rate / (1.0 - s.reoffend_during_deferral) if s.reoffend_during_deferral < 1 else 0.0
        attend = min(max(attend, 0.0), 1.0)
        self._scheme_hazard = 1.0 - attend ** (1.0 / (s.sessions + 1))
        p = scenario.court.ineffective_trial_share
        self._log_ineffective = math.log(p) if 0 < p < 1 else None
        # the yes/no decisions, fixed for the run: a block compares a row of uniforms per stream
        # with the column of shares and packs the answers with the row's flag bit
        self._decisions = self._yes_no()
        self._share = np.array([p for _, _, p in self._decisions])[:, None]
        self._weight = np.array([flag for flag, _, _ in self._decisions], dtype=np.int64)
        self._row = {flag: i for i, (flag, _, _) in enumerate(self._decisions)}

    def _drawn(self, name: str) -> bool:
        """Whether stream ``name`` is drawn for this origin (see ``_unused``)."""
        return name.split(".", 1)[0] not in self._unused

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

    def _yes_no(self) -> list[tuple[int, str, float]]:
        """Every yes/no decision as (flag, stream, share): yes when the case's uniform is below the share."""
        sc = self.sc
        pop = sc.arrivals.population
        court = sc.court
        return [
            (PRIOR, "case.prior_sexual_violent", pop.prior_sexual_violent),
            (MAKING, "case.making_distributing", pop.making_distributing),
            (ADMITS, "case.admits", pop.admits),
            (CONTACT, "case.contact_with_children", pop.contact_with_children),
            (ARRESTED, "case.arrested", sc.arrivals.arrested_share),
            (NFA, "police.nfa", sc.police.nfa_share),
            (CHARGED, "court.charge", court.charging.charge_share),
            (TO_CROWN, "court.allocation", court.crown_share),
            (GUILTY, "court.plea", court.guilty_plea_share),
            (CONVICTED, "court.verdict", court.conviction_at_trial),
            (PSR, "court.psr", court.psr_share),
            (SCHEME_REOFFENDS, "scheme.reoffends", sc.scheme.reoffend_during_deferral),
            (LATE_PROCEEDS, "scheme.late_prosecution", sc.scheme.late_prosecution_proceeds),
            (CAUTION_SUITABLE, "caution.suitable", sc.caution.suitable_share),
            (CAUTION_BREACH, "caution.breach", sc.caution.breach_share),
            (SR_SUITABLE, "self_referral.suitable", sc.self_referral.suitable_share),
            (SR_COMPLETES, "self_referral.completes", sc.self_referral.completion_share),
        ]

    def _block(self, n: int) -> tuple[list[int], bytes]:
        """Packed decisions and float draws for the next ``n`` cases of this origin.

        The yes/no decisions are one matrix of uniforms, a row per stream, compared with a column
        of shares and packed in three NumPy calls, rather than a dozen calls per flag.
        """
        sc = self.sc
        pop = sc.arrivals.population
        row = self._row
        u = np.empty((len(self._decisions), n))
        for i, (_, name, _) in enumerate(self._decisions):
            self._fill(name, u[i])
        yes = u < self._share
        if self.origin == "self_referral":
            yes[row[ADMITS]] = True  # coming forward is an admission
        first_time = self.origin != "reentry"
        bits = np.dot(self._weight, yes)  # each row's flag where it says yes (the flags are distinct bits)
        if first_time:
            bits |= FIRST_TIME

        def put_code(code: tuple[int, int], values: np.ndarray) -> None:
            nonlocal bits
            bits |= (values.astype(np.int64) & code[1]) << code[0]

        uc = self._uniform("case.category", n)
        category = (uc >= pop.category_a).astype(np.int64) + (uc >= pop.category_a + pop.category_b)
        put_code(CATEGORY, category)

        # policy: the route at each decision point, from declarative rules and take-up draws
        flags = {"prior_sexual_violent": yes[row[PRIOR]], "making_distributing": yes[row[MAKING]],
                 "admits": yes[row[ADMITS]], "contact_with_children": yes[row[CONTACT]],
                 "category": category, "first_time": np.full(n, first_time)}
        take = {route: self._uniform(f"decision.take_up.{route}", n) for route in self._takes}
        for code, point in ((ROUTE_INTERVIEW, "interview"), (ROUTE_AFTER, "after_forensics")):
            route = np.full(n, NO_ROUTE)
            for rule in sc.decision.ordered_rules():
                if (rule.point or sc.decision.point) != point or rule.take_up <= 0:
                    continue
                hit = (route == NO_ROUTE) & _flags_match(rule, flags) & (take[rule.route] < rule.take_up)
                route[hit] = ROUTE_CODE[rule.route]
            put_code(code, route + 1)

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
        for c, name in ((U_REOFFEND, "reoffending.occurs"), (U_REOFFEND_TIME, "reoffending.time"),
                        (U_SCHEME_REOFFENCE_TIME, "scheme.reoffence_time"), (U_CAUTION_COURSE_TIME, "caution.course_time"),
                        (U_SR_DROPOUT_TIME, "self_referral.dropout_time")):
            self._fill(name, col[c])
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
