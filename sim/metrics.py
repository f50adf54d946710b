"""From one replication's record to its results: headline metrics, monthly series, open cases by stage.

All figures are read off the transition log and event series with vectorised NumPy, over the
observation window ``[warm-up end, horizon)``. "At time T" means just before T: a case that moves
exactly at T is counted where it was. Unfinished cases are counted exactly: every case open at the
horizon is in the open count and in the breakdown by stage, and the model's own structures are
checked against the log (``checks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .case import INITIAL
from .record import STATE_BITS
from .states import (
    CLOSED_STATES, COURT_STATES, CROWN_STATES, MAGS_STATES, OPEN_STATES, STAGE_OF, S, State,
)

if TYPE_CHECKING:
    from .model import Model

#: Headline metrics, in pipeline order. Each has a mean and CI in summary.json.
HEADLINE = (
    "cases.arrived", "cases.new", "cases.open_at_start", "cases.closed", "cases.open_at_end",
    "police.arrests_per_month",
    "forensics.examinations", "forensics.wait_days_mean", "forensics.backlog_end", "forensics.utilisation",
    "scheme.referred", "scheme.started", "scheme.completed", "scheme.failed", "scheme.prosecuted_after_failure",
    "scheme.active_end", "scheme.wait_days_mean", "scheme.facilitator_hours",
    "caution.issued", "caution.issued_per_year", "caution.simple", "caution.conditional", "caution.breached",
    "caution.course_hours",
    "self_referral.referred", "self_referral.cautioned",
    "charging.decisions", "charging.wait_days_mean",
    "court.receipts", "court.receipts_per_year", "court.crown.receipts", "court.disposals",
    "court.backlog_end", "court.magistrates.backlog_end", "court.crown.backlog_end",
    "court.wait_days_mean", "court.crown.wait_weeks_median", "court.crown.trial_wait_weeks_median",
    "court.sitting_days_used", "court.magistrates.sitting_days_used", "court.crown.sitting_days_used",
    "court.magistrates.utilisation", "court.crown.utilisation",
    "sentence.convictions", "sentence.custody", "sentence.suspended", "sentence.community", "sentence.custody_share",
    "sentence.non_custodial_share",
    "prison.population_end", "register.entries", "reoffending.reoffences",
)


#: bins of the charge-to-disposal wait distribution: fortnights up to four years, then the rest
WAIT_BINS_DAYS = tuple(float(x) for x in range(0, 1461, 14)) + (float("inf"),)

STAGES = ("police", "forensics", "scheme", "caution", "self_referral", "charging", "magistrates", "crown")

MONTHLY = (
    "arrivals", "arrests", "forensic_exams", "forensic_queue_end", "forensics_utilisation",
    "scheme_referred", "scheme_started", "scheme_completed", "scheme_failed", "scheme_waiting_end",
    "scheme_active_end", "scheme_slot_utilisation", "facilitator_hours", "cautions_simple", "cautions_conditional",
    "caution_assessor_utilisation", "self_referral_assessor_utilisation", "treatment_utilisation",
    "charging_utilisation", "court_receipts", "crown_receipts", "court_disposals",
    "magistrates_backlog_end", "crown_backlog_end", "court_backlog_end",
    "magistrates_sitting_days_used", "magistrates_sitting_days_available", "magistrates_utilisation",
    "crown_sitting_days_used", "crown_sitting_days_available", "crown_utilisation",
    "prison_population_end", "register_entries", "reoffences", "open_cases_end",
    *(f"open_{stage}_end" for stage in STAGES),
)


@dataclass
class RepResult:
    """Results of one replication: small, picklable, everything later stages need."""

    replication: int
    headline: dict[str, float]
    open_by_stage: dict[str, int]
    monthly: dict[str, np.ndarray]
    checks: dict[str, int] = field(default_factory=dict)
    runtime_s: float = 0.0
    #: closures in the window by how the case ended (``custody``, ``scheme_completed``, ...)
    outcomes: dict[str, int] = field(default_factory=dict)
    #: court disposals in the window by wait from charge, in the bins of WAIT_BINS_DAYS
    court_wait_hist: list[int] = field(default_factory=list)


class _Log:
    """The transition log sorted by case, with each entry's end time (next entry of the same case)."""

    def __init__(self, model: "Model") -> None:
        log = model.rec.log
        key = log.key
        case = key >> STATE_BITS
        state = key & ((1 << STATE_BITS) - 1)
        time = log.time
        # by case, and within a case in log order: unique keys, so an unstable sort is stable here
        order = np.argsort(case * max(len(case), 1) + np.arange(len(case)))
        self.case = case[order]
        self.state = state[order].astype(np.int16)
        self.time = time[order]
        n = len(self.case)
        self.until = np.full(n, np.inf)
        if n > 1:
            same = self.case[1:] == self.case[:-1]
            self.until[:-1][same] = self.time[1:][same]
        first = np.ones(n, dtype=bool)
        if n > 1:
            first[1:] = self.case[1:] != self.case[:-1]
        self.first = first
        # entries grouped by state once (a radix sort of small integers), not one mask per state
        self._state_order = np.argsort(self.state, kind="stable")
        self._state_edges = np.searchsorted(self.state[self._state_order], np.arange((1 << STATE_BITS) + 1))
        self._by_state: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _intervals(self, state: int) -> tuple[np.ndarray, np.ndarray]:
        got = self._by_state.get(state)
        if got is None:
            rows = self._state_order[self._state_edges[state]:self._state_edges[state + 1]]
            got = (np.sort(self.time[rows]), np.sort(self.until[rows]))
            self._by_state[state] = got
        return got

    def stock(self, states: tuple[int, ...] | list[int], at: np.ndarray) -> np.ndarray:
        """Cases in any of ``states`` just before each time in ``at``."""
        out = np.zeros(len(at), dtype=np.int64)
        for s in states:
            starts, ends = self._intervals(int(s))
            out += np.searchsorted(starts, at, side="left") - np.searchsorted(ends, at, side="left")
        return out

    def entries(self, states: tuple[int, ...] | list[int]) -> np.ndarray:
        """Times at which cases entered any of ``states`` (sorted)."""
        return np.sort(np.concatenate([self._intervals(int(s))[0] for s in states])) if states else np.zeros(0)

    def first_times(self) -> np.ndarray:
        return self.time[self.first]


def _waiting(log: "_Log", state: int, starts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Cases in ``state`` (a queue followed by its service) not yet started, just before ``at``."""
    return (np.searchsorted(log.entries((state,)), at, side="left")
            - np.searchsorted(np.sort(starts), at, side="left"))


def _count_in(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many of ``times`` fall in each interval between consecutive ``edges``."""
    return np.diff(np.searchsorted(np.sort(times), edges, side="left"))


def _in(times: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (times >= lo) & (times < hi)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


def _per_month_sum(per_day: np.ndarray, edges: np.ndarray) -> np.ndarray:
    cum = np.concatenate(([0.0], np.cumsum(per_day)))
    idx = edges.astype(np.int64)
    return cum[idx[1:]] - cum[idx[:-1]]


def _overlap_per_month(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total length of the intervals ``[starts, ends)`` falling in each month."""
    if not len(starts):
        return np.zeros(len(edges) - 1)
    def covered(t: np.ndarray) -> np.ndarray:  # total interval length before each time in t
        return np.clip(t[:, None] - starts[None, :], 0, (ends - starts)[None, :]).sum(axis=1)
    return np.diff(covered(edges))


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def compute(model: "Model", runtime_s: float = 0.0) -> RepResult:
    """Every result of one finished replication."""
    sc = model.sc
    rec = model.rec
    cal = model.cal
    H = model.horizon
    edges = cal.month_edges()
    W = float(edges[sc.run.warmup_months])
    years = (H - W) / 365.25
    window_months = cal.months - sc.run.warmup_months
    log = _Log(model)
    at = np.array([W, H])

    hl: dict[str, float] = {}
    open_at = log.stock(OPEN_STATES, at)
    first = log.first_times()
    closures = log.entries(CLOSED_STATES)
    hl["cases.open_at_start"] = float(open_at[0])
    hl["cases.new"] = float(np.count_nonzero(_in(first, W, H)))
    hl["cases.arrived"] = hl["cases.open_at_start"] + hl["cases.new"]
    hl["cases.closed"] = float(np.count_nonzero(_in(closures, W, H)))
    hl["cases.open_at_end"] = float(open_at[1])

    arrests = rec.arrest_t
    hl["police.arrests_per_month"] = np.count_nonzero(_in(arrests, W, H)) / window_months

    fst, fwait = rec.forensic_start_t, rec.forensic_wait
    win = _in(fst, W, H)
    hl["forensics.examinations"] = float(np.count_nonzero(win))
    hl["forensics.wait_days_mean"] = _mean(fwait[win])
    hl["forensics.backlog_end"] = float(_waiting(log, S.FORENSICS, fst, at)[1])

    pools = model.pools()
    days = np.arange(cal.days)
    day_win = (days >= W) & (days < H)

    def utilisation(name: str) -> float:
        counts, busy = pools[name]
        cap = float(np.sum(counts[day_win]))
        return float(np.sum(busy[day_win]) / cap) if cap > 0 else float("nan")

    hl["forensics.utilisation"] = utilisation("forensics")

    scfg = sc.scheme
    group_t, group_n = rec.scheme_group_t, rec.scheme_group_size
    gwin = _in(group_t, W, H)
    fail_t = rec.scheme_fail_t
    fail_p = rec.scheme_fail_proceeds
    fwin = _in(fail_t, W, H)
    hl["scheme.referred"] = float(np.count_nonzero(_in(log.entries((S.SCHEME_WAITING,)), W, H)))
    hl["scheme.started"] = float(group_n[gwin].sum())
    hl["scheme.completed"] = float(np.count_nonzero(_in(log.entries((S.CLOSED_SCHEME_COMPLETED,)), W, H)))
    hl["scheme.failed"] = float(np.count_nonzero(fwin))
    hl["scheme.prosecuted_after_failure"] = float(np.count_nonzero(fail_p[fwin]))
    hl["scheme.active_end"] = float(log.stock((S.SCHEME_COURSE, S.SCHEME_FOLLOW_UP), at)[1])
    swait = rec.scheme_wait
    hl["scheme.wait_days_mean"] = _mean(swait[np.repeat(gwin, group_n.astype(np.int64))]) if len(swait) else float("nan")
    sess_t, fu_t = rec.scheme_session_t, rec.scheme_followup_t
    session_h = scfg.session_minutes / 60.0
    fac_sessions = np.count_nonzero(_in(sess_t, W, H)) * scfg.facilitators_per_group
    hl["scheme.facilitator_hours"] = (fac_sessions + np.count_nonzero(_in(fu_t, W, H))) * session_h

    simple_t, cond_t = rec.caution_simple_t, rec.caution_conditional_t
    hl["caution.simple"] = float(np.count_nonzero(_in(simple_t, W, H)))
    hl["caution.conditional"] = float(np.count_nonzero(_in(cond_t, W, H)))
    hl["caution.issued"] = hl["caution.simple"] + hl["caution.conditional"]
    hl["caution.issued_per_year"] = hl["caution.issued"] / years
    hl["caution.breached"] = float(np.count_nonzero(_in(rec.caution_breach_t, W, H)))
    ch_t, ch = rec.course_hours_t, rec.course_hours
    hl["caution.course_hours"] = float(ch[_in(ch_t, W, H)].sum())

    hl["self_referral.referred"] = float(np.count_nonzero(_in(log.entries((S.SELF_REFERRAL_HANDOVER,)), W, H)))
    hl["self_referral.cautioned"] = float(np.count_nonzero(_in(rec.self_referral_caution_t, W, H)))

    cst, cwait = rec.charging_start_t, rec.charging_wait
    cwin = _in(cst, W, H)
    hl["charging.decisions"] = float(np.count_nonzero(cwin))
    hl["charging.wait_days_mean"] = _mean(cwait[cwin])

    receipts = log.entries((S.MAGS_FOR_FIRST,))
    crown_receipts = rec.crown_receipt_t
    disp_t, disp_wait = rec.court_disposal_t, rec.court_wait
    dwin = _in(disp_t, W, H)
    hl["court.receipts"] = float(np.count_nonzero(_in(receipts, W, H)))
    hl["court.receipts_per_year"] = hl["court.receipts"] / years
    hl["court.crown.receipts"] = float(np.count_nonzero(_in(crown_receipts, W, H)))
    hl["court.disposals"] = float(np.count_nonzero(dwin))
    hl["court.backlog_end"] = float(log.stock(COURT_STATES, at)[1])
    hl["court.magistrates.backlog_end"] = float(log.stock(MAGS_STATES, at)[1])
    hl["court.crown.backlog_end"] = float(log.stock(CROWN_STATES, at)[1])
    hl["court.wait_days_mean"] = _mean(disp_wait[dwin])
    cm_t, cm_w = rec.crown_main_t, rec.crown_wait
    cmw = cm_w[_in(cm_t, W, H)]
    hl["court.crown.wait_weeks_median"] = float(np.median(cmw)) / 7.0 if len(cmw) else float("nan")
    ct_t, ct_w = rec.crown_trial_t, rec.crown_trial_wait
    ctw = ct_w[_in(ct_t, W, H)]
    hl["court.crown.trial_wait_weeks_median"] = float(np.median(ctw)) / 7.0 if len(ctw) else float("nan")
    for level in ("magistrates", "crown"):
        counts, busy = pools[level]
        hl[f"court.{level}.sitting_days_used"] = float(busy[day_win].sum())
        hl[f"court.{level}.utilisation"] = utilisation(level)
    hl["court.sitting_days_used"] = hl["court.magistrates.sitting_days_used"] + hl["court.crown.sitting_days_used"]

    sentences = {k: float(np.count_nonzero(_in(log.entries((st,)), W, H)))
                 for k, st in (("custody", S.CLOSED_CUSTODY), ("suspended", S.CLOSED_SUSPENDED), ("community", S.CLOSED_COMMUNITY))}
    n_sentenced = sum(sentences.values())
    for k, v in sentences.items():
        hl[f"sentence.{k}"] = v
    hl["sentence.convictions"] = n_sentenced
    hl["sentence.custody_share"] = sentences["custody"] / n_sentenced if n_sentenced else float("nan")
    hl["sentence.non_custodial_share"] = 1.0 - hl["sentence.custody_share"]

    p_in, p_out = rec.prison_in, rec.prison_out
    hl["prison.population_end"] = float(np.count_nonzero((p_in < H) & (p_out >= H)))
    hl["register.entries"] = float(np.count_nonzero(_in(rec.register_t, W, H)))
    hl["reoffending.reoffences"] = float(np.count_nonzero(_in(rec.reoffence_t, W, H)))

    # ------------------------------------------------------------------ open cases by stage
    open_by_stage = {stage: 0 for stage in STAGES}
    for state in OPEN_STATES:
        open_by_stage[STAGE_OF[state]] += int(log.stock((state,), np.array([H]))[0])

    # ------------------------------------------------------------------------- monthly series
    ends = edges[1:]
    mo: dict[str, np.ndarray] = {}
    mo["arrivals"] = _count_in(rec.arrival_t[rec.arrival_origin != INITIAL], edges)
    mo["arrests"] = _count_in(arrests, edges)
    mo["forensic_exams"] = _count_in(fst, edges)
    mo["forensic_queue_end"] = _waiting(log, S.FORENSICS, fst, ends)
    for name, key in (("forensics", "forensics_utilisation"), ("charging", "charging_utilisation"),
                      ("caution_assessors", "caution_assessor_utilisation"),
                      ("self_referral_assessors", "self_referral_assessor_utilisation"),
                      ("treatment_places", "treatment_utilisation")):
        counts, busy = pools[name]
        mo[key] = _ratio(_per_month_sum(busy, edges), _per_month_sum(counts, edges))
    mo["scheme_referred"] = _count_in(log.entries((S.SCHEME_WAITING,)), edges)
    mo["scheme_started"] = np.diff(np.concatenate(([0.0], np.cumsum(group_n)))[np.searchsorted(group_t, edges, side="left")]) if len(group_t) else np.zeros(cal.months)
    mo["scheme_completed"] = _count_in(log.entries((S.CLOSED_SCHEME_COMPLETED,)), edges)
    mo["scheme_failed"] = _count_in(fail_t, edges)
    mo["scheme_waiting_end"] = log.stock((S.SCHEME_WAITING,), ends)
    mo["scheme_active_end"] = log.stock((S.SCHEME_COURSE, S.SCHEME_FOLLOW_UP), ends)
    slot_days = _overlap_per_month(group_t, group_t + scfg.course_days, edges)
    mo["scheme_slot_utilisation"] = _ratio(slot_days, scfg.group_slots * np.diff(edges))
    mo["facilitator_hours"] = (_count_in(sess_t, edges) * scfg.facilitators_per_group + _count_in(fu_t, edges)) * session_h
    mo["cautions_simple"] = _count_in(simple_t, edges)
    mo["cautions_conditional"] = _count_in(cond_t, edges)
    mo["court_receipts"] = _count_in(receipts, edges)
    mo["crown_receipts"] = _count_in(crown_receipts, edges)
    mo["court_disposals"] = _count_in(disp_t, edges)
    mo["magistrates_backlog_end"] = log.stock(MAGS_STATES, ends)
    mo["crown_backlog_end"] = log.stock(CROWN_STATES, ends)
    mo["court_backlog_end"] = mo["magistrates_backlog_end"] + mo["crown_backlog_end"]
    for level in ("magistrates", "crown"):
        counts, busy = pools[level]
        used, avail = _per_month_sum(busy, edges), _per_month_sum(counts, edges)
        mo[f"{level}_sitting_days_used"] = used
        mo[f"{level}_sitting_days_available"] = avail
        mo[f"{level}_utilisation"] = _ratio(used, avail)
    mo["prison_population_end"] = (np.searchsorted(np.sort(p_in), ends, side="left")
                                   - np.searchsorted(np.sort(p_out), ends, side="left"))
    mo["register_entries"] = _count_in(rec.register_t, edges)
    mo["reoffences"] = _count_in(rec.reoffence_t, edges)
    mo["open_cases_end"] = log.stock(OPEN_STATES, ends)
    for stage in STAGES:
        mo[f"open_{stage}_end"] = log.stock([s for s in OPEN_STATES if STAGE_OF[s] == stage], ends)
    monthly = {k: np.asarray(mo[k], dtype=float) for k in MONTHLY}

    outcomes = {State(st).name.removeprefix("CLOSED_").lower(): int(np.count_nonzero(_in(log.entries((st,)), W, H)))
                for st in CLOSED_STATES}
    wait_hist = np.histogram(disp_wait[dwin], bins=np.array(WAIT_BINS_DAYS))[0].astype(int).tolist()

    checks = {
        "cases_created": model.cases_created,
        "cases_in_log": int(np.count_nonzero(log.first)),
        "live_in_model": model.live_cases(),
        "open_in_log": int(open_at[1]),
        "closures_in_log": int(np.count_nonzero(closures < H)),
        "closed_by_model": model.outcomes.closed_by_horizon(),
    }
    return RepResult(model.replication, {k: float(hl[k]) for k in HEADLINE}, open_by_stage, monthly, checks, runtime_s,
                     outcomes, wait_hist)

