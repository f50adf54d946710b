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

from sim.engine.case import INITIAL
from sim.engine.lists import MAIN_CRACKED
from sim.engine.states import (
    CLOSED_STATES,
    COURT_STATES,
    CROWN_STATES,
    MAGS_STATES,
    OPEN_STATES,
    STAGE_OF,
    S,
    State,
)
from sim.results.costs import HEADLINE_COSTS, headline_costs, monthly_costs
from sim.results.edges import edges_at_or_before
from sim.results.paired import fates, reoffending_by_route
from sim.results.translog import TransitionLog, mask, risk_spans

if TYPE_CHECKING:
    from sim.engine.model import Model

#: Headline metrics, in pipeline order. Each has a mean and CI in summary.json. Court metrics
#: count these cases unless their name has ``.list.``: those count the whole list they share
#: (these cases and the rest of the caseload).
HEADLINE = (
    "cases.arrived",
    "cases.new",
    "cases.open_at_start",
    "cases.closed",
    "cases.open_at_end",
    "police.arrests_per_month",
    "forensics.examinations",
    "forensics.triage_examinations",
    "forensics.triage_ineligible",
    "forensics.attrition",
    "forensics.outsourced",
    "forensics.wait_days_mean",
    "forensics.backlog_end",
    "forensics.utilisation",
    "scheme.referred",
    "scheme.started",
    "scheme.completed",
    "scheme.failed",
    "scheme.lapsed",
    "scheme.prosecuted_after_failure",
    "scheme.active_end",
    "scheme.wait_days_mean",
    "scheme.facilitator_hours",
    "caution.issued",
    "caution.issued_per_year",
    "caution.simple",
    "caution.conditional",
    "caution.self_referral",
    "caution.breached",
    "caution.lapsed",
    "caution.course_hours",
    "self_referral.referred",
    "self_referral.cautioned",
    "self_referral.excluded",
    "self_referral.lapsed",
    "self_referral.displaced",
    "charging.decisions",
    "charging.wait_days_mean",
    "court.receipts",
    "court.receipts_per_year",
    "court.crown.receipts",
    "court.disposals",
    "court.backlog_end",
    "court.magistrates.backlog_end",
    "court.crown.backlog_end",
    "court.wait_days_mean",
    "court.wait_days_median",
    "court.wait_days_p90",
    "court.crown.wait_weeks_mean",
    "court.crown.wait_weeks_median",
    "court.crown.wait_weeks_p90",
    "court.crown.trial_wait_weeks_median",
    "court.crown.cracked_trials",
    "court.crown.age_days_median_end",
    "court.crown.open_over_1y_end",
    "court.sitting_days_used",
    "court.magistrates.sitting_days_used",
    "court.crown.sitting_days_used",
    "court.late_prosecution_sitting_days",
    "court.crown.late_prosecution_sitting_days",
    "court.magistrates.capacity_share",
    "court.crown.capacity_share",
    "court.magistrates.list.receipts",
    "court.magistrates.list.disposals",
    "court.magistrates.list.backlog_end",
    "court.magistrates.list.sitting_days_used",
    "court.magistrates.list.sitting_days_available",
    "court.magistrates.list.utilisation",
    "court.crown.list.receipts",
    "court.crown.list.disposals",
    "court.crown.list.backlog_end",
    "court.crown.list.wait_weeks_mean",
    "court.crown.list.wait_weeks_median",
    "court.crown.list.wait_weeks_p90",
    "court.crown.list.age_days_median_end",
    "court.crown.list.open_over_1y_share_end",
    "court.crown.list.sitting_days_used",
    "court.crown.list.sitting_days_available",
    "court.crown.list.utilisation",
    "sentence.convictions",
    "sentence.custody",
    "sentence.suspended",
    "sentence.community",
    "sentence.custody_share",
    "sentence.non_custodial_share",
    "probation.programme_starts",
    "prison.population_end",
    "register.entries",
    "reoffending.reoffences",
    "reoffending.per_1000_person_years",
    *HEADLINE_COSTS,
)

#: what a policy adds to (or removes from) the other stages, and what every load costs: the rows of
#: a comparison's "added load elsewhere" table, in the report, the console and added_load.csv
ADDED_LOAD = (
    "forensics.examinations",
    "forensics.triage_examinations",
    "charging.decisions",
    "scheme.started",
    "scheme.facilitator_hours",
    "caution.conditional",
    "caution.course_hours",
    "self_referral.referred",
    "scheme.prosecuted_after_failure",
    "court.late_prosecution_sitting_days",
    "court.sitting_days_used",
    "prison.population_end",
    "probation.programme_starts",
    *HEADLINE_COSTS,
)


#: bins of the charge-to-disposal wait distribution: fortnights up to four years, then the rest
WAIT_BINS_DAYS = tuple(float(x) for x in range(0, 1461, 14)) + (float("inf"),)

STAGES = ("police", "forensics", "scheme", "caution", "self_referral", "charging", "magistrates", "crown")
#: the court levels, and the pools of every finite resource whose use is reported per month
LEVELS = ("magistrates", "crown")

MONTHLY = (
    "arrivals",
    "arrests",
    "forensic_exams",
    "triage_exams",
    "forensic_attrition",
    "forensic_outsourced",
    "forensic_queue_end",
    "forensics_utilisation",
    "scheme_referred",
    "scheme_started",
    "scheme_completed",
    "scheme_failed",
    "scheme_lapsed",
    "scheme_waiting_end",
    "scheme_active_end",
    "scheme_slot_utilisation",
    "facilitator_hours",
    "cautions_simple",
    "cautions_conditional",
    "caution_assessor_utilisation",
    "self_referral_assessor_utilisation",
    "treatment_utilisation",
    "charging_utilisation",
    "court_receipts",
    "crown_receipts",
    "court_disposals",
    "magistrates_backlog_end",
    "crown_backlog_end",
    "court_backlog_end",
    "crown_wait_weeks_mean",
    "magistrates_sitting_days_used",
    "magistrates_sitting_days_available",
    "magistrates_capacity_share",
    "magistrates_utilisation",
    "magistrates_list_receipts",
    "magistrates_list_disposals",
    "magistrates_list_backlog_end",
    "crown_sitting_days_used",
    "crown_sitting_days_available",
    "crown_capacity_share",
    "crown_utilisation",
    "crown_list_receipts",
    "crown_list_disposals",
    "crown_list_backlog_end",
    "crown_list_wait_weeks_mean",
    "crown_list_wait_weeks_median",
    "prison_population_end",
    "register_entries",
    "reoffences",
    "open_cases_end",
    *(f"open_{stage}_end" for stage in STAGES),
    "charging_decisions",
    "participant_sessions",
    "assessments",
    "community_orders",
    "cost_gbp",
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
    #: per route a person can be on, [reoffences, person-years at risk] in the window (see reoffending_by_route)
    reoffending_by_route: dict[str, list[float]] = field(default_factory=dict)
    #: what happened to each first-time detection, in arrival order (``FATES``; kept for comparisons)
    fates: bytes = b""


def _before(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many of ``times`` are before each edge (no sort needed)."""
    j = edges_at_or_before(edges, times)
    return np.cumsum(np.bincount(j, minlength=len(edges) + 1))[: len(edges)]


def _count_in(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many of ``times`` fall in each interval between consecutive ``edges`` (no sort needed)."""
    n = len(edges) - 1
    idx = edges_at_or_before(edges, times) - 1
    return np.bincount(idx[(idx >= 0) & (idx < n)], minlength=n)[:n]


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


def _quantile(values: np.ndarray, q: float, weights: np.ndarray | None = None) -> float:
    """The q-quantile of ``values`` (weighted: the smallest value with at least q of the weight below)."""
    if not len(values):
        return float("nan")
    if weights is None:  # the lower of the two middle values for an even count, as for weights
        ordered = np.sort(values)
        return float(ordered[min(int(np.ceil(q * len(ordered))) - 1 if q > 0 else 0, len(ordered) - 1)])
    order = np.argsort(values, kind="stable")
    return _quantile_of_sorted(values[order], weights[order], q)


def _quantile_of_sorted(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The weighted q-quantile of ``values`` already in order (ties in a stable sort's order)."""
    cum = np.cumsum(weights)
    if cum[-1] <= 0:
        return float("nan")
    return float(values[min(np.searchsorted(cum, q * cum[-1]), len(values) - 1)])


def _monthly_quantile(month: np.ndarray, values: np.ndarray, weights: np.ndarray, months: int, q: float) -> np.ndarray:
    """The weighted ``q`` quantile of ``values`` in each month (NaN for a month with none): one sort."""
    out = np.full(months, np.nan)
    inside = (month >= 0) & (month < months)
    if not inside.any():
        return out
    order = np.lexsort((values[inside], month[inside]))
    m, v, w = month[inside][order], values[inside][order], weights[inside][order]
    starts = np.searchsorted(m, np.arange(months), side="left")
    ends = np.searchsorted(m, np.arange(months), side="right")
    # each month's values are already in order (ties as they came, as a stable sort leaves them)
    for k in np.flatnonzero(ends > starts):
        out[k] = _quantile_of_sorted(v[starts[k] : ends[k]], w[starts[k] : ends[k]], q)
    return out


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(np.sum(weights))
    # not np.dot: a BLAS call wakes a thread pool whose spinning costs more than the sum
    return float(np.sum(values * weights) / total) if total > 0 else float("nan")


def compute(model: Model, runtime_s: float = 0.0, paired: bool = False) -> RepResult:
    """Every result of one finished replication; ``paired`` adds what a comparison reads case by case
    (each first-time detection's fate, and reoffending by route)."""
    sc = model.sc
    rec = model.rec
    cal = model.cal
    H = model.horizon
    edges = cal.month_edges()
    W = float(edges[sc.run.warmup_months])
    years = (H - W) / 365.25
    window_months = cal.months - sc.run.warmup_months
    log = TransitionLog(model, edges)
    w = sc.run.warmup_months
    ends = edges[1:]

    def in_window(states: tuple[int, ...]) -> float:
        e = log.entered(states)
        return float(e[-1] - e[w])

    def monthly_entries(states: tuple[int, ...]) -> np.ndarray:
        return np.diff(log.entered(states))

    def count(times: np.ndarray) -> float:
        return float(np.count_nonzero(_in(times, W, H)))

    hl: dict[str, float] = {}
    mo: dict[str, np.ndarray] = {}
    open_all = log.stock(OPEN_STATES)
    open_at = open_all[[w, -1]]
    first = log.first_times()
    hl["cases.open_at_start"] = float(open_at[0])
    hl["cases.new"] = count(first)
    hl["cases.arrived"] = hl["cases.open_at_start"] + hl["cases.new"]
    hl["cases.closed"] = in_window(CLOSED_STATES)
    hl["cases.open_at_end"] = float(open_at[1])

    arrests = rec.arrest_t
    hl["police.arrests_per_month"] = count(arrests) / window_months

    # ------------------------------------------------------------------------------ forensics
    fst, fwait = rec.forensic_start_t, rec.forensic_wait
    win = _in(fst, W, H)
    hl["forensics.examinations"] = float(np.count_nonzero(win))
    hl["forensics.triage_examinations"] = count(rec.triage_start_t)
    hl["forensics.triage_ineligible"] = count(rec.triage_ineligible_t)
    hl["forensics.attrition"] = count(rec.attrition_t)
    hl["forensics.outsourced"] = count(rec.outsourced_t)
    hl["forensics.wait_days_mean"] = _mean(fwait[win])
    # waiting for a full examination at each month edge: entered, less started and dropped
    forensic_queue = log.entered((S.FORENSICS,)) - _before(fst, edges) - _before(rec.attrition_t, edges)
    hl["forensics.backlog_end"] = float(forensic_queue[-1])

    pools = model.pools()
    days = np.arange(cal.days)
    day_win = (days >= W) & (days < H)

    def utilisation(name: str) -> float:
        counts, busy = pools[name]
        cap = float(np.sum(counts[day_win]))
        return float(np.sum(busy[day_win]) / cap) if cap > 0 else float("nan")

    hl["forensics.utilisation"] = utilisation("forensics")

    # --------------------------------------------------------------------------------- scheme
    scfg = sc.scheme
    group_t, group_n = rec.scheme_group_t, rec.scheme_group_size
    gwin = _in(group_t, W, H)
    fail_t = rec.scheme_fail_t
    fail_p = rec.scheme_fail_proceeds
    fwin = _in(fail_t, W, H)
    hl["scheme.referred"] = in_window((S.SCHEME_WAITING,))
    hl["scheme.started"] = float(group_n[gwin].sum())
    hl["scheme.completed"] = in_window((S.CLOSED_SCHEME_COMPLETED,))
    hl["scheme.failed"] = float(np.count_nonzero(fwin))
    hl["scheme.lapsed"] = count(rec.scheme_lapsed_t)
    hl["scheme.prosecuted_after_failure"] = float(np.count_nonzero(fail_p[fwin]))
    hl["scheme.active_end"] = float(log.stock((S.SCHEME_COURSE, S.SCHEME_FOLLOW_UP))[-1])
    swait = rec.scheme_wait
    hl["scheme.wait_days_mean"] = (
        _mean(swait[np.repeat(gwin, group_n.astype(np.int64))]) if len(swait) else float("nan")
    )
    sess_t, fu_t = rec.scheme_session_t, rec.scheme_followup_t
    session_h = scfg.session_minutes / 60.0
    fac_sessions = np.count_nonzero(_in(sess_t, W, H)) * scfg.facilitators_per_group
    hl["scheme.facilitator_hours"] = (fac_sessions + np.count_nonzero(_in(fu_t, W, H))) * session_h

    # ------------------------------------------------------------------- cautions, self-referral
    simple_t, cond_t, sr_t = rec.caution_simple_t, rec.caution_conditional_t, rec.self_referral_caution_t
    hl["caution.simple"] = count(simple_t)
    hl["caution.conditional"] = count(cond_t)
    hl["caution.self_referral"] = count(sr_t)
    hl["caution.issued"] = hl["caution.simple"] + hl["caution.conditional"] + hl["caution.self_referral"]
    hl["caution.issued_per_year"] = hl["caution.issued"] / years
    hl["caution.breached"] = count(rec.caution_breach_t)
    hl["caution.lapsed"] = count(rec.caution_lapsed_t)
    ch_t, ch = rec.course_hours_t, rec.course_hours
    hl["caution.course_hours"] = float(ch[_in(ch_t, W, H)].sum())
    hl["self_referral.referred"] = in_window((S.SELF_REFERRAL_HANDOVER,))
    hl["self_referral.cautioned"] = hl["caution.self_referral"]
    hl["self_referral.excluded"] = count(rec.self_referral_excluded_t)
    hl["self_referral.lapsed"] = count(rec.self_referral_lapsed_t)
    hl["self_referral.displaced"] = count(rec.displaced_t)

    cst, cwait = rec.charging_start_t, rec.charging_wait
    cwin = _in(cst, W, H)
    hl["charging.decisions"] = float(np.count_nonzero(cwin))
    hl["charging.wait_days_mean"] = _mean(cwait[cwin])

    # ------------------------------------------------------------------ courts: these cases
    receipts = monthly_entries((S.MAGS_FOR_FIRST,))
    crown_receipts = rec.crown_receipt_t
    disp_t, disp_wait = rec.court_disposal_t, rec.court_wait
    dwin = _in(disp_t, W, H)
    hl["court.receipts"] = in_window((S.MAGS_FOR_FIRST,))
    hl["court.receipts_per_year"] = hl["court.receipts"] / years
    hl["court.crown.receipts"] = count(crown_receipts)
    hl["court.disposals"] = float(np.count_nonzero(dwin))
    hl["court.backlog_end"] = float(log.stock(COURT_STATES)[-1])
    hl["court.magistrates.backlog_end"] = float(log.stock(MAGS_STATES)[-1])
    hl["court.crown.backlog_end"] = float(log.stock(CROWN_STATES)[-1])
    waits = disp_wait[dwin]
    hl["court.wait_days_mean"] = _mean(waits)
    hl["court.wait_days_median"] = _quantile(waits, 0.5)
    hl["court.wait_days_p90"] = _quantile(waits, 0.9)
    cm_t, cm_w = rec.crown_main_t, rec.crown_wait
    mwin = _in(cm_t, W, H)
    main_weeks = cm_w[mwin] / 7.0
    hl["court.crown.wait_weeks_mean"] = _mean(main_weeks)
    hl["court.crown.wait_weeks_median"] = _quantile(main_weeks, 0.5)
    hl["court.crown.wait_weeks_p90"] = _quantile(main_weeks, 0.9)
    ct_t, ct_w = rec.crown_trial_t, rec.crown_trial_wait
    ctw = ct_w[_in(ct_t, W, H)]
    hl["court.crown.trial_wait_weeks_median"] = _quantile(ctw, 0.5) / 7.0
    hl["court.crown.cracked_trials"] = float(np.count_nonzero(mwin & (rec.crown_main_kind == MAIN_CRACKED)))
    ages = _crown_ages(log, H)
    hl["court.crown.age_days_median_end"] = _quantile(ages, 0.5)
    hl["court.crown.open_over_1y_end"] = float(np.count_nonzero(ages >= 365.25))
    for level in LEVELS:
        counts, busy = pools[level]
        cap = float(counts[day_win].sum())
        used = float(busy[day_win].sum())
        hl[f"court.{level}.sitting_days_used"] = used
        hl[f"court.{level}.capacity_share"] = used / cap if cap > 0 else float("nan")
    hl["court.sitting_days_used"] = hl["court.magistrates.sitting_days_used"] + hl["court.crown.sitting_days_used"]
    # the court time of late prosecutions, hearing by hearing (a diversion failed or lapsed, or triage
    # found the case ineligible)
    late = _in(rec.late_hearing_t, W, H)
    late_days = rec.late_hearing_days[late]
    hl["court.late_prosecution_sitting_days"] = float(late_days.sum())
    hl["court.crown.late_prosecution_sitting_days"] = float(late_days[rec.late_hearing_crown[late] == 1].sum())

    # --------------------------------------------------------------- courts: the whole lists
    level_states = {"magistrates": MAGS_STATES, "crown": CROWN_STATES}
    # these cases' receipts and departures at each level, by month (leaving the magistrates: sent on too)
    sent = _count_in(crown_receipts, edges)
    level_receipts = {"magistrates": receipts, "crown": sent}
    at_crown = rec.court_disposal_crown.astype(bool)
    level_disposed = {
        "magistrates": _count_in(disp_t[~at_crown], edges) + sent,
        "crown": _count_in(disp_t[at_crown], edges),
    }
    for level in LEVELS:
        lst = model.court_level(level).pool
        counts, busy = pools[level]
        bg = _Background(lst, cal.days)
        cap_days = counts.astype(float)
        used_days = bg.used if bg.shared else busy
        p = f"court.{level}.list"
        hl[f"{p}.receipts"] = float(level_receipts[level][w:].sum() + bg.received[day_win].sum())
        hl[f"{p}.disposals"] = float(level_disposed[level][w:].sum() + bg.disposed[day_win].sum())
        image_open = log.stock(level_states[level])[1:]
        bg_open = bg.open_at_month_ends(edges)
        hl[f"{p}.backlog_end"] = float(image_open[-1] + bg_open[-1])
        hl[f"{p}.sitting_days_used"] = float(used_days[day_win].sum())
        hl[f"{p}.sitting_days_available"] = float(cap_days[day_win].sum())
        hl[f"{p}.utilisation"] = (
            hl[f"{p}.sitting_days_used"] / hl[f"{p}.sitting_days_available"]
            if hl[f"{p}.sitting_days_available"] > 0
            else float("nan")
        )
        mo[f"{level}_list_receipts"] = level_receipts[level] + _per_month_sum(bg.received, edges)
        mo[f"{level}_list_disposals"] = level_disposed[level] + _per_month_sum(bg.disposed, edges)
        mo[f"{level}_list_backlog_end"] = image_open + bg_open
        mo[f"{level}_sitting_days_used"] = _per_month_sum(busy, edges)
        mo[f"{level}_sitting_days_available"] = _per_month_sum(cap_days, edges)
        mo[f"{level}_capacity_share"] = _ratio(mo[f"{level}_sitting_days_used"], mo[f"{level}_sitting_days_available"])
        mo[f"{level}_utilisation"] = _ratio(_per_month_sum(used_days, edges), mo[f"{level}_sitting_days_available"])
        if level == "crown":
            # the Ministry of Justice's waiting time over the whole list: these cases and the rest
            bw = _in(bg.main_t, W, H)
            wait = np.concatenate((cm_w[mwin], bg.main_wait[bw])) / 7.0
            weight = np.concatenate((np.ones(int(np.count_nonzero(mwin))), bg.main_n[bw]))
            hl[f"{p}.wait_weeks_mean"] = _weighted_mean(wait, weight)
            hl[f"{p}.wait_weeks_median"] = _quantile(wait, 0.5, weight)
            hl[f"{p}.wait_weeks_p90"] = _quantile(wait, 0.9, weight)
            n, received = bg.outstanding()
            age = np.concatenate((ages, H - received))
            weight = np.concatenate((np.ones(len(ages)), n))
            known = np.isfinite(age)
            hl[f"{p}.age_days_median_end"] = _quantile(age[known], 0.5, weight[known])
            total = float(weight.sum())
            hl[f"{p}.open_over_1y_share_end"] = (
                float(weight[known & (age >= 365.25)].sum()) / total if total > 0 else float("nan")
            )
            month = edges_at_or_before(edges, np.concatenate((cm_t, bg.main_t))) - 1
            all_w = np.concatenate((cm_w, bg.main_wait)) / 7.0
            all_n = np.concatenate((np.ones(len(cm_t)), bg.main_n))
            mo["crown_list_wait_weeks_mean"] = _ratio(
                np.bincount(month, all_w * all_n, cal.months)[: cal.months],
                np.bincount(month, all_n, cal.months)[: cal.months],
            )
            mo["crown_list_wait_weeks_median"] = _monthly_quantile(month, all_w, all_n, cal.months, 0.5)
            image_month = edges_at_or_before(edges, cm_t) - 1
            mo["crown_wait_weeks_mean"] = _ratio(
                np.bincount(image_month, cm_w / 7.0, cal.months)[: cal.months],
                np.bincount(image_month, None, cal.months)[: cal.months].astype(float),
            )

    # ------------------------------------------------------------------ sentences and after
    sentences = {
        k: in_window((st,))
        for k, st in (
            ("custody", S.CLOSED_CUSTODY),
            ("suspended", S.CLOSED_SUSPENDED),
            ("community", S.CLOSED_COMMUNITY),
        )
    }
    n_sentenced = sum(sentences.values())
    for k, v in sentences.items():
        hl[f"sentence.{k}"] = v
    hl["sentence.convictions"] = n_sentenced
    hl["sentence.custody_share"] = sentences["custody"] / n_sentenced if n_sentenced else float("nan")
    hl["sentence.non_custodial_share"] = 1.0 - hl["sentence.custody_share"]
    hl["probation.programme_starts"] = count(rec.programme_t)

    p_in, p_out = rec.prison_in, rec.prison_out
    hl["prison.population_end"] = float(np.count_nonzero((p_in < H) & (p_out >= H)))
    hl["register.entries"] = count(rec.register_t)
    hl["reoffending.reoffences"] = count(rec.reoffence_t)
    person_years = float(_at_risk(model, log).sum()) / 365.25
    hl["reoffending.per_1000_person_years"] = (
        1000.0 * hl["reoffending.reoffences"] / person_years if person_years > 0 else float("nan")
    )

    # ------------------------------------------------------------------ open cases by stage
    open_by_stage = dict.fromkeys(STAGES, 0)
    for state in OPEN_STATES:
        open_by_stage[STAGE_OF[state]] += int(log.stock((state,))[-1])

    # ------------------------------------------------------------------------- monthly series
    mo["arrivals"] = _count_in(rec.arrival_t[rec.arrival_origin != INITIAL], edges)
    mo["arrests"] = _count_in(arrests, edges)
    mo["forensic_exams"] = _count_in(fst, edges)
    mo["triage_exams"] = _count_in(rec.triage_start_t, edges)
    mo["forensic_attrition"] = _count_in(rec.attrition_t, edges)
    mo["forensic_outsourced"] = _count_in(rec.outsourced_t, edges)
    mo["forensic_queue_end"] = forensic_queue[1:]
    for name, key in (
        ("forensics", "forensics_utilisation"),
        ("charging", "charging_utilisation"),
        ("caution_assessors", "caution_assessor_utilisation"),
        ("self_referral_assessors", "self_referral_assessor_utilisation"),
        ("treatment_places", "treatment_utilisation"),
    ):
        counts, busy = pools[name]
        mo[key] = _ratio(_per_month_sum(busy, edges), _per_month_sum(counts, edges))
    mo["scheme_referred"] = monthly_entries((S.SCHEME_WAITING,))
    mo["scheme_started"] = (
        np.diff(np.concatenate(([0.0], np.cumsum(group_n)))[np.searchsorted(group_t, edges, side="left")])
        if len(group_t)
        else np.zeros(cal.months)
    )
    mo["scheme_completed"] = monthly_entries((S.CLOSED_SCHEME_COMPLETED,))
    mo["scheme_failed"] = _count_in(fail_t, edges)
    mo["scheme_lapsed"] = _count_in(rec.scheme_lapsed_t, edges)
    mo["scheme_waiting_end"] = log.stock((S.SCHEME_WAITING,))[1:]
    mo["scheme_active_end"] = log.stock((S.SCHEME_COURSE, S.SCHEME_FOLLOW_UP))[1:]
    slot_days = _overlap_per_month(group_t, group_t + scfg.course_days, edges)
    mo["scheme_slot_utilisation"] = _ratio(slot_days, scfg.group_slots * np.diff(edges))
    mo["facilitator_hours"] = (
        _count_in(sess_t, edges) * scfg.facilitators_per_group + _count_in(fu_t, edges)
    ) * session_h
    mo["cautions_simple"] = _count_in(simple_t, edges)
    mo["cautions_conditional"] = _count_in(cond_t, edges)
    mo["court_receipts"] = receipts
    mo["crown_receipts"] = _count_in(crown_receipts, edges)
    mo["court_disposals"] = _count_in(disp_t, edges)
    mo["magistrates_backlog_end"] = log.stock(MAGS_STATES)[1:]
    mo["crown_backlog_end"] = log.stock(CROWN_STATES)[1:]
    mo["court_backlog_end"] = mo["magistrates_backlog_end"] + mo["crown_backlog_end"]
    mo["prison_population_end"] = np.searchsorted(np.sort(p_in), ends, side="left") - np.searchsorted(
        np.sort(p_out), ends, side="left"
    )
    mo["register_entries"] = _count_in(rec.register_t, edges)
    mo["reoffences"] = _count_in(rec.reoffence_t, edges)
    mo["open_cases_end"] = open_all[1:]
    for stage in STAGES:
        mo[f"open_{stage}_end"] = log.stock([s for s in OPEN_STATES if STAGE_OF[s] == stage])[1:]
    # ---------------------------------------------------------------- the loads costs price
    mo["charging_decisions"] = _count_in(cst, edges)
    mo["participant_sessions"] = mo["scheme_started"] * scfg.sessions + _count_in(fu_t, edges)
    mo["assessments"] = _count_in(np.concatenate((cond_t, sr_t, rec.self_referral_excluded_t)), edges)
    mo["community_orders"] = monthly_entries((S.CLOSED_COMMUNITY,))
    priced = monthly_costs(sc, mo, np.diff(edges))
    mo["cost_gbp"] = sum(priced.values(), np.zeros(cal.months))
    hl.update(headline_costs(sc, priced, w, years))
    monthly = {k: np.asarray(mo[k], dtype=float) for k in MONTHLY}

    outcomes = {State(st).name.removeprefix("CLOSED_").lower(): int(in_window((st,))) for st in CLOSED_STATES}
    wait_hist = np.histogram(disp_wait[dwin], bins=np.array(WAIT_BINS_DAYS))[0].astype(int).tolist()

    checks = {
        "cases_created": model.cases_created,
        "cases_in_log": int(np.count_nonzero(log.first)),
        "live_in_model": model.live_cases(),
        "open_in_log": int(open_at[1]),
        "closures_in_log": int(log.entered(CLOSED_STATES)[-1]),
        "closed_by_model": model.outcomes.closed_by_horizon(),
    }

    return RepResult(
        model.replication,
        {k: float(hl[k]) for k in HEADLINE},
        open_by_stage,
        monthly,
        checks,
        runtime_s,
        outcomes,
        wait_hist,
        reoffending_by_route(model, log) if paired else {},
        fates(model, log) if paired else b"",
    )


class _Background:
    """A court list's background flow by day, or nothing when the list is dedicated to these cases."""

    def __init__(self, pool: object, ndays: int) -> None:
        self.shared = hasattr(pool, "used_by_day")
        zero = np.zeros(ndays)
        self._pool = pool
        if self.shared:
            self.used = np.asarray(pool.used_by_day)  # type: ignore[attr-defined]
            self.received = np.asarray(pool.received_by_day)  # type: ignore[attr-defined]
            self.disposed = np.asarray(pool.disposed_by_day)  # type: ignore[attr-defined]
            self.initial = float(pool.initial_cases)  # type: ignore[attr-defined]
            self.main_t = np.asarray(pool.main_t, dtype=np.float64)  # type: ignore[attr-defined]
            self.main_wait = np.asarray(pool.main_wait, dtype=np.float64)  # type: ignore[attr-defined]
            self.main_n = np.asarray(pool.main_n, dtype=np.float64)  # type: ignore[attr-defined]
        else:
            self.used, self.received, self.disposed, self.initial = zero, zero, zero, 0.0
            self.main_t = self.main_wait = self.main_n = np.zeros(0)

    def open_at_month_ends(self, edges: np.ndarray) -> np.ndarray:
        """Background cases received (or there at the start) and not yet disposed, at each month's end."""
        return self.initial + np.cumsum(_per_month_sum(self.received, edges) - _per_month_sum(self.disposed, edges))

    def outstanding(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.shared:
            return np.zeros(0), np.zeros(0)
        return self._pool.outstanding()  # type: ignore[attr-defined, no-any-return]


def _crown_ages(log: TransitionLog, H: float) -> np.ndarray:
    """Days since receipt (sending) of each of these cases in the Crown Court at ``H``."""
    in_crown = mask(log, CROWN_STATES)
    rows = np.flatnonzero(in_crown & (log.time < H) & (log.until >= H))
    while True:  # back along each case's entries while they stay in the Crown Court
        p = log.prev[rows]
        back = p >= 0
        back[back] = in_crown[p[back]]
        if not back.any():
            return H - log.time[rows]
        rows[back] = p[back]


def _at_risk(model: Model, log: TransitionLog) -> np.ndarray:
    """Days at risk of each case in the observed window (custody excluded)."""
    W, H = model.observed_from, model.horizon
    t0, end, jail_to = risk_spans(model, log)
    rec = model.rec
    days = np.clip(np.minimum(end, H) - np.maximum(t0, W), 0.0, None)
    jailed = rec.prison_case
    if len(jailed):
        a = np.maximum(rec.prison_in, W)
        b = np.minimum(np.minimum(rec.prison_out, end[jailed]), H)
        days[jailed] -= np.clip(b - a, 0.0, None)
    return days
