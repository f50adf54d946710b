"""Verification against theory and against a peer simulator (Ciw)."""

import math

import numpy as np
import pytest

from helpers import run, scenario
from sim.results.metrics import compute
from sim.engine.record import STATE_BITS
from sim.engine.states import STAGE_OF


def visits(m, stage_name):
    """(start, end) of every visit of a case to a stage (a run of consecutive states in it)."""
    key = np.frombuffer(m.rec.log.key, dtype=np.int64)
    t = np.frombuffer(m.rec.log.time)
    case = key >> STATE_BITS
    state = key & ((1 << STATE_BITS) - 1)
    order = np.argsort(case, kind="stable")
    case, state, t = case[order], state[order], t[order]
    inside = np.array([STAGE_OF.get(int(s)) == stage_name for s in state])
    same_next = np.concatenate((case[1:] == case[:-1], [False]))
    starts, ends = [], []
    i, n = 0, len(case)
    while i < n:
        if inside[i] and (i == 0 or not (inside[i - 1] and case[i - 1] == case[i])):
            j = i
            while j + 1 < n and same_next[j] and inside[j + 1]:
                j += 1
            starts.append(t[i])
            ends.append(t[j + 1] if same_next[j] else math.inf)
            i = j + 1
        else:
            i += 1
    return np.array(starts), np.array(ends)


@pytest.mark.slow
def test_littles_law_on_every_stage():
    """L = lambda W: time-average number in each stage against entries per day x mean time in it.

    Over a finite window the two differ only by the visits that straddle its ends, an error of the
    order of the mean time in the stage over the window's length; the test allows that plus 1%.
    """
    sc = scenario("justice-2019", factor=0.2, years=15, run__warmup_months=24,
                  initial__forensics__cases=0, initial__crown_trial__cases=0)
    m = run(sc)
    W0, H = float(m.cal.month_edges()[24]), m.horizon
    T = H - W0
    checked = 0
    for stage in sorted(set(STAGE_OF.values())):
        s, e = visits(m, stage)
        L = np.clip(np.minimum(e, H) - np.maximum(s, W0), 0, None).sum() / T
        entered = (s >= W0) & (s < H)
        if L < 1:
            continue
        lam = entered.sum() / T
        w = np.mean(np.minimum(e[entered], H) - s[entered])
        assert lam * w == pytest.approx(L, rel=w / T + 0.01), stage
        checked += 1
    assert checked >= 5


def reduced_court(c, service_hours, lam_per_day, years=4, listing="fifo"):
    """All stages before the Crown Court instant and every case tried, on a Crown list dedicated to
    these cases: Crown trials are a c-server queue."""
    return scenario(
        "status-quo", factor=1.0, years=years,
        arrivals__per_month=lam_per_day * 365.25 / 12, arrivals__arrested_share=1.0,
        police__investigation_delay_days=0, police__nfa_share=0.0, forensics__effort_days=0,
        court__charging__effort_days=0, court__charging__charge_share=1.0, court__first_hearing_delay_days=0,
        court__magistrates__first_hearing_hours=0, court__crown_share=1.0, court__sending_delay_days=0,
        court__crown__ptph_hours=0, court__guilty_plea_share=0.0, court__trial_ready_days=0,
        court__ineffective_trial_share=0.0, court__late_guilty_plea_share=0.0, court__conviction_at_trial=0.0,
        court__crown__shared=False, court__crown__listing=listing, court__magistrates__shared=False,
        court__magistrates__listing="short_first", forensics__attrition_per_year=0.0, forensics__priority={},
        court__crown__trial_hours=service_hours, court__crown__hours_per_sitting_day=24,
        court__crown__sitting_days_per_week=7, court__crown__sitting_days_per_month=c * 365.25 / 12,
        reoffending__probability=0.0, decision__rules={}, initial__forensics__cases=0,
        initial__crown_trial__cases=0, run__warmup_months=2, run__start_date="2018-01-01",
    )


def trial_waits(sc, reps, after=60.0):
    out, util = [], []
    for rep in range(reps):
        m = run(sc, rep)
        t = np.frombuffer(m.rec.crown_trial_t)
        w = np.frombuffer(m.rec.crown_trial_wait)
        out.append(w[t > after].mean())
        util.append(compute(m).headline["court.crown.list.utilisation"])
    return np.array(out), np.array(util)


def test_court_reduced_to_md1_matches_pollaczek_khinchine():
    lam, s = 0.8, 1.0  # trials arrive 0.8 a day and take exactly a day: rho = 0.8
    waits, util = trial_waits(reduced_court(1, s * 24, lam, years=6), reps=10)
    expected = lam * s**2 / (2 * (1 - lam * s))
    half = 3 * waits.std(ddof=1) / math.sqrt(len(waits))
    assert abs(waits.mean() - expected) <= half, (waits.mean(), half, expected)
    assert util.mean() == pytest.approx(lam * s, abs=0.02)


@pytest.mark.slow
def test_court_agrees_with_ciw():
    """The same M/G/3 court built in Ciw and in divertsim: mean wait and utilisation agree."""
    ciw = pytest.importorskip("ciw")
    lam, c, lo, mode, hi = 1.75, 3, 0.5, 1.0, 2.1   # service triangular in days: no closed form for the wait
    ours, ours_util = trial_waits(reduced_court(c, {"dist": "triangular", "min": lo * 24, "mode": mode * 24,
                                                     "max": hi * 24}, lam), reps=12)
    theirs, theirs_util = [], []
    horizon = 4 * 365.25 + 2 * 30.4
    for seed in range(12):
        ciw.seed(1000 + seed)
        net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=lam)],
                                 service_distributions=[ciw.dists.Triangular(lower=lo, mode=mode, upper=hi)],
                                 number_of_servers=[c])
        q = ciw.Simulation(net)
        q.simulate_until_max_time(horizon)
        recs = [r for r in q.get_all_records() if r.arrival_date > 60.0]
        theirs.append(np.mean([r.waiting_time for r in recs]))
        theirs_util.append(q.transitive_nodes[0].server_utilisation)
    theirs, theirs_util = np.array(theirs), np.array(theirs_util)
    diff = ours.mean() - theirs.mean()
    se = math.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert abs(diff) <= 3 * se, (ours.mean(), theirs.mean(), se)
    assert ours_util.mean() == pytest.approx(theirs_util.mean(), abs=0.02)
    assert ours_util.mean() == pytest.approx(lam * (lo + mode + hi) / 3 / c, abs=0.02)
