"""The model: conservation, determinism, common random numbers, extremes, oracles, monotonicity."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import run, scenario, with_overrides
from sim.inputs.loading import load_scenario
from sim.results.metrics import compute
from sim.engine.record import STATE_BITS
from sim.engine.routes.scheme import timetable
from sim.engine.states import State

NAMES = ["status-quo", "justice-2019", "npcc-conditional-caution", "ccpas-self-referral", "prosecution-capacity"]


def check_consistency(m):
    """Every case is accounted for, twice over, and no case ever goes back in time."""
    r = compute(m)
    c = r.checks
    assert c["cases_created"] == c["cases_in_log"]
    assert c["live_in_model"] == c["open_in_log"], "structures and log disagree on open cases"
    assert c["closures_in_log"] == c["closed_by_model"]
    h = r.headline
    assert h["cases.arrived"] == h["cases.closed"] + h["cases.open_at_end"]
    assert sum(r.open_by_stage.values()) == h["cases.open_at_end"]
    key = np.frombuffer(m.rec.log.key, dtype=np.int64)
    t = np.frombuffer(m.rec.log.time, dtype=np.float64)
    case = key >> STATE_BITS
    order = np.argsort(case, kind="stable")
    same = case[order][1:] == case[order][:-1]
    assert np.all(np.diff(t[order])[same] >= 0), "a case moved back in time"
    assert set(np.unique(key & 63).tolist()) <= {int(s) for s in State}
    for k, v in r.monthly.items():
        if k.endswith("_end"):
            assert np.all(v >= 0), k
    return r


@pytest.mark.parametrize("name", NAMES)
def test_conservation_every_scenario(name):
    check_consistency(run(scenario(name, factor=0.1, years=2)))


def test_determinism_same_seed_same_numbers():
    sc = scenario("justice-2019", factor=0.05, years=1)
    a, b = compute(run(sc, rep=3)), compute(run(sc, rep=3))
    assert a.headline == pytest.approx(b.headline, nan_ok=True)
    for k in a.monthly:
        assert np.array_equal(a.monthly[k], b.monthly[k], equal_nan=True)
    c = compute(run(sc, rep=4))
    assert c.headline["cases.new"] != a.headline["cases.new"] or c.headline["court.receipts"] != a.headline["court.receipts"]


def test_common_random_numbers_arrivals_unchanged_by_scheme_parameters():
    base = scenario("justice-2019", factor=0.05, years=1)
    other = with_overrides(base, scheme__completion_rate=0.5, scheme__facilitators=1.0)
    sq = scenario("status-quo", factor=0.05, years=1)
    t = [np.frombuffer(run(s).rec.arrival_t) for s in (base, other, sq)]
    origin = [np.frombuffer(run(s).rec.arrival_origin, dtype=np.int8) for s in (base, other, sq)]
    ext = [ti[oi == 0] for ti, oi in zip(t, origin)]
    assert np.array_equal(ext[0], ext[1]) and np.array_equal(ext[0], ext[2])


def test_zero_take_up_reproduces_status_quo():
    sq = scenario("status-quo", factor=0.1, years=2)
    jz = with_overrides(scenario("justice-2019", factor=0.1, years=2), decision__rules__deferred_prosecution__take_up=0.0)
    a, b = compute(run(sq)), compute(run(jz))
    assert np.array_equal(a.monthly["court_receipts"], b.monthly["court_receipts"])
    for k in a.headline:
        assert (a.headline[k] == b.headline[k]) or (math.isnan(a.headline[k]) and math.isnan(b.headline[k])), k


def test_certain_completion_means_no_late_prosecutions():
    sc = scenario("justice-2019", factor=0.1, years=3, scheme__completion_rate=1.0, reoffending__probability=0.0)
    r = check_consistency(run(sc))
    assert r.headline["scheme.started"] > 100
    assert r.headline["scheme.failed"] == 0 and r.headline["scheme.prosecuted_after_failure"] == 0


def test_scheme_failures_are_prosecuted_and_reach_court_later():
    sc = scenario("justice-2019", factor=0.1, years=3, scheme__completion_rate=0.5,
                  scheme__late_prosecution_proceeds=1.0)
    m = run(sc)
    r = check_consistency(m)
    assert r.headline["scheme.failed"] > 50
    assert r.headline["scheme.prosecuted_after_failure"] == r.headline["scheme.failed"]


DEDICATED = dict(court__magistrates__shared=False, court__magistrates__listing="short_first",
                 court__crown__shared=False, court__crown__listing="short_first")
AMPLE = dict(
    **DEDICATED, forensics__examiners=1e4, forensics__working_days_per_week=7, forensics__attrition_per_year=0.0,
    court__charging__lawyers=1e4, court__charging__working_days_per_week=7,
    court__magistrates__sitting_days_per_month=1e5, court__magistrates__sitting_days_per_week=7,
    court__crown__sitting_days_per_month=1e5, court__crown__sitting_days_per_week=7,
    initial__forensics__cases=0, initial__crown_trial__cases=0,
)


def test_ample_capacity_no_waiting():
    sc = scenario("status-quo", factor=0.05, years=1, **AMPLE)
    r = check_consistency(run(sc))
    assert r.headline["forensics.wait_days_mean"] == 0
    assert r.headline["charging.wait_days_mean"] == 0


def test_deterministic_oracle_hand_computed_times():
    """Fixed durations and ample capacity: one case's every time is a sum done by hand."""
    fixed = dict(
        arrivals__per_month=1.0, arrivals__process="deterministic", arrivals__arrested_share=1.0,
        police__investigation_delay_days=10, police__nfa_share=0.0, forensics__effort_days=3,
        court__charging__effort_days=1, court__charging__charge_share=1.0, court__first_hearing_delay_days=14,
        court__magistrates__hours_per_sitting_day=24, court__crown__hours_per_sitting_day=24,
        court__magistrates__first_hearing_hours=2.4, court__crown_share=1.0, court__sending_delay_days=28,
        court__crown__ptph_hours=2.4, court__guilty_plea_share=1.0, court__psr_share=1.0,
        court__psr_delay_days=21, court__crown__sentence_hours=2.4,
        sentence__custody_share=1.0, sentence__suspended_share=0.0, sentence__community_share=0.0,
        sentence__custody_months=12, sentence__release_fraction=0.5, reoffending__probability=0.0,
        decision__rules={}, run__warmup_months=0, run__start_date="2018-01-01",
    )
    sc = scenario("status-quo", factor=1.0, years=1, **{**AMPLE, **fixed})
    m = run(sc)
    rec = m.rec
    a = rec.arrival_t[0]
    assert a == pytest.approx(0.5 * 365.25 / 12)  # the first of evenly spaced arrivals
    assert rec.forensic_start_t[0] == pytest.approx(a + 10)
    assert rec.charging_start_t[0] == pytest.approx(a + 13)
    assert rec.crown_receipt_t[0] == pytest.approx(a + 28.1)
    assert rec.crown_main_t[0] == pytest.approx(a + 56.1)  # the plea hearing: a guilty plea's main hearing
    assert rec.court_disposal_t[0] == pytest.approx(a + 77.3)
    assert rec.court_wait[0] == pytest.approx(63.3)
    assert rec.crown_wait[0] == pytest.approx(28.0)
    assert rec.prison_out[0] - rec.prison_in[0] == pytest.approx(12 * 365.25 / 12 * 0.5)
    assert rec.forensic_wait[0] == 0 and rec.charging_wait[0] == 0
    r = check_consistency(m)
    assert r.headline["sentence.custody_share"] == 1.0
    assert r.headline["cases.new"] == 12


@pytest.mark.parametrize("sessions, course, follow", [(5, 4, 8), (1, 0, 8), (6, 3, 0), (12, 11, 1)])
def test_scheme_timetable(sessions, course, follow):
    sc = scenario("justice-2019", scheme__sessions=sessions, scheme__course_months=course, scheme__follow_up_months=follow)
    s = sc.scheme
    times = timetable(s, 100.0)
    assert len(times) == sessions + 1
    assert times[0] == 100.0
    assert all(100.0 <= t <= 100.0 + s.course_days + 1e-9 for t in times[:-1])
    assert times[sessions - 1] == pytest.approx(100.0 + s.course_days)
    assert times[-1] == pytest.approx(times[sessions - 1] + s.follow_up_days)
    gaps = np.diff(times[:-1])
    assert np.all(gaps >= 1.0 - 1e-9) and np.allclose(gaps, s.session_gap_days)


def test_justice_timetable_in_a_run():
    sc = scenario("justice-2019", factor=0.1, years=2)
    m = run(sc)
    s = sc.scheme
    assert (s.sessions, s.session_minutes, s.course_months, s.follow_up_months) == (5, 90, 4, 8)
    assert s.session_minutes <= 90
    sessions = np.frombuffer(m.rec.scheme_session_t).reshape(-1, 5)
    starts = np.frombuffer(m.rec.scheme_group_t)
    assert len(starts) > 10
    assert np.allclose(sessions[:, 0], starts)
    assert np.all(sessions[:, -1] - sessions[:, 0] <= 4 * 365.25 / 12 + 1e-9)
    follow = np.frombuffer(m.rec.scheme_followup_t)
    assert len(follow) > 0
    assert np.all(np.isin(np.round(follow - 12 * 365.25 / 12, 6), np.round(starts, 6)))


def test_more_sitting_days_never_larger_backlog():
    """Monotone under common random numbers: the Crown list's backlog falls as its sitting days rise."""
    means = []
    for days in (700.0, 740.0, 780.0, 860.0):
        sc = scenario("status-quo", factor=0.1, years=3, court__crown__sitting_days_per_month=days)
        means.append(np.mean([compute(run(sc, rep)).headline["court.crown.list.backlog_end"] for rep in range(3)]))
    assert all(a >= b for a, b in zip(means, means[1:])), means
    assert means[0] > means[-1]


def test_zero_arrivals():
    sc = scenario("status-quo", arrivals__per_month=0.0, initial__forensics__cases=0, initial__crown_trial__cases=0)
    r = check_consistency(run(sc))
    assert r.headline["cases.arrived"] == 0 and r.headline["court.receipts"] == 0
    assert math.isnan(r.headline["court.wait_days_mean"])


def test_zero_crown_capacity_holds_every_crown_case():
    sc = scenario("status-quo", factor=0.1, years=2, court__crown__sitting_days_per_month=0.0)
    r = check_consistency(run(sc))
    assert r.headline["court.crown.list.utilisation"] != r.headline["court.crown.list.utilisation"]  # NaN: no capacity
    assert r.headline["court.crown.sitting_days_used"] == 0
    crown_disposals = r.headline["court.disposals"]
    assert r.headline["court.crown.backlog_end"] >= r.headline["court.crown.receipts"]
    assert crown_disposals < r.headline["court.receipts"]


def test_court_reduced_to_mmc_matches_erlang_c():
    """All delays zero, all other stages instant: Crown trials form an M/M/c queue."""
    lam_per_day, mean_days, c = 1.75, 1.2, 3
    mmc = dict(
        arrivals__per_month=lam_per_day * 365.25 / 12, arrivals__arrested_share=1.0,
        police__investigation_delay_days=0, police__nfa_share=0.0, forensics__effort_days=0,
        court__charging__effort_days=0, court__charging__charge_share=1.0, court__first_hearing_delay_days=0,
        court__magistrates__first_hearing_hours=0, court__crown_share=1.0, court__sending_delay_days=0,
        court__crown__ptph_hours=0, court__guilty_plea_share=0.0, court__trial_ready_days=0,
        court__ineffective_trial_share=0.0, court__late_guilty_plea_share=0.0, court__conviction_at_trial=0.0,
        **{**DEDICATED, "court__crown__listing": "fifo"}, forensics__attrition_per_year=0.0, forensics__priority={},
        court__crown__trial_hours={"dist": "exponential", "mean": mean_days * 24},
        court__crown__hours_per_sitting_day=24, court__crown__sitting_days_per_week=7,
        court__crown__sitting_days_per_month=c * 365.25 / 12, reoffending__probability=0.0,
        decision__rules={}, initial__forensics__cases=0, initial__crown_trial__cases=0,
        run__warmup_months=2,
    )
    sc = scenario("status-quo", factor=1.0, years=4, **mmc)
    waits = []
    for rep in range(12):
        m = run(sc, rep)
        t = np.frombuffer(m.rec.crown_trial_t)
        w = np.frombuffer(m.rec.crown_trial_wait)
        waits.append(w[t > 60].mean())
    a = lam_per_day * mean_days
    top = a**c / math.factorial(c) / (1 - a / c)
    expected = top / (sum(a**k / math.factorial(k) for k in range(c)) + top) * mean_days / (c - a)
    mean, half = np.mean(waits), 3 * np.std(waits, ddof=1) / math.sqrt(len(waits))
    assert abs(mean - expected) <= half, (mean, half, expected)


@settings(max_examples=15)
@given(
    take_up=st.floats(0, 1), completion=st.floats(0, 0.98), crown=st.floats(0, 60),
    examiners=st.floats(0, 20), facilitators=st.floats(0, 10), seed=st.integers(0, 2**31),
)
def test_property_conservation_and_time_order(take_up, completion, crown, examiners, facilitators, seed):
    sc = scenario("justice-2019", factor=0.05, years=1,
                  decision__rules__deferred_prosecution__take_up=take_up, scheme__completion_rate=completion,
                  court__crown__sitting_days_per_month=crown, forensics__examiners=examiners,
                  scheme__facilitators=facilitators, run__seed=seed)
    check_consistency(run(sc))


def test_the_record_seals_every_series_it_keeps():
    """Record.SERIES names every list the record appends to (a series left out would be lost)."""
    from sim.engine.record import SERIES, Floats, Ints, Record

    rec = Record()
    kept = {name for name in dir(rec) if isinstance(getattr(rec, name), (Floats, Ints))}
    kept |= {f"log.{name}" for name in dir(rec.log) if isinstance(getattr(rec.log, name), (Floats, Ints))}
    assert kept == {name for name, _ in SERIES}
    for name, dtype in SERIES:  # a series keeps its numbers' kind: a float series would round an id
        assert isinstance(rec._series(name), Floats if dtype is np.float64 else Ints), name
    sealed = rec.seal()
    assert {name for name in vars(sealed) if name != "log"} | {"log.key", "log.time", "log.prev"} == kept


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=False), max_size=300), min_size=1, max_size=8))
def test_property_chunks_hand_over_exactly_what_was_appended(chunks):
    """Whatever the sizes between flushes (a chunk larger than the room the last one left
    included), the sealed series is every value appended, in order, and a chunk handed over does
    not change when the series goes on (as it would if it shared the buffer the series writes)."""
    from sim.engine.record import Record

    rec = Record()
    taken: list[np.ndarray] = []
    for part in chunks:
        for x in part:
            rec.arrival_t.append(x)
            rec.arrival_origin.append(int(x) % 5 if math.isfinite(x) else 0)
            rec.log.add(len(part), x, -1)
        rec.flush()
        assert len(rec.arrival_t) == 0
        if part:
            taken.append(rec._parts["arrival_t"][-1])  # the chunk itself, not a copy
    for part, chunk in zip([p for p in chunks if p], taken):
        assert chunk.tolist() == part  # unchanged by what was appended after it
    sealed = rec.seal()
    every = [x for part in chunks for x in part]
    assert sealed.arrival_t.tolist() == every
    assert sealed.arrival_origin.dtype == np.int8
    assert sealed.arrival_origin.tolist() == [int(x) % 5 if math.isfinite(x) else 0 for x in every]
    assert sealed.log.time.tolist() == every and sealed.log.prev.tolist() == [-1] * len(every)


def test_every_declared_column_is_its_streams_draw():
    """Each column of a case's draws is the k-th number of the stream its stage declared (zero where
    the origin never uses it), under the origin's prefix."""
    import sim.engine.case as C
    from sim.engine.model import Model
    from sim.engine.streams import Streams

    m = Model(load_scenario("ccpas-self-referral"), 0)
    for origin in ("external", "self_referral"):
        factory = m.factories[origin]
        layout = factory.layout
        case = factory.new(0)
        assert layout.width > 20
        fresh = Streams(m.seed, 0)
        for c, (name, kind, dist, scale, origins) in enumerate(layout.columns):
            if origins is not None and origin not in origins:
                assert case.draw(c) == 0.0, name
                continue
            gen = fresh[factory.prefix + name]
            if kind == C.SAMPLE:
                x = dist.sample(gen, C.BLOCK)[0]
                expect = x * scale if scale != 1.0 else x
            else:
                u = gen.random(C.BLOCK)[0]
                expect = -math.log1p(-u) if kind == C.EXPONENTIAL else u
            assert case.draw(c) == expect, name


def test_streams_left_undrawn_change_no_other_draw():
    """With the scheme unused its streams are not drawn; every other draw of every case is the same."""
    import sim.engine.case as C
    from sim.engine.model import Model

    used = Model(load_scenario("justice-2019"), 0, seed=3)
    unused = Model(load_scenario("justice-2019", ["decision.rules.deferred_prosecution.take_up=0"]), 0, seed=3)
    a, b = used.factories["external"], unused.factories["external"]
    same_bits = (C.PRIOR | C.MAKING | C.ADMITS | C.CONTACT | C.ARRESTED | C.NFA | C.CHARGED | C.TO_CROWN | C.GUILTY
                 | C.CONVICTED | C.PSR | (C.SENTENCE[1] << C.SENTENCE[0]) | (C.RELISTINGS[1] << C.RELISTINGS[0]))
    # every draw but the triage's (no rule diverts at interview without the scheme)
    kept = [c for c, column in enumerate(a.layout.columns) if not column[0].startswith("triage.")]
    assert len(kept) == a.layout.width - 1
    for cid in range(3000):  # three blocks
        x, y = a.new(cid), b.new(cid)
        assert x.bits & same_bits == y.bits & same_bits
        assert [x.draw(c) for c in kept] == [y.draw(c) for c in kept]
        assert y.bits & C.LATE_PROCEEDS  # not drawn: the unused uniform is 0
    assert not all(a.new(3000 + i).bits & C.LATE_PROCEEDS for i in range(50))  # drawn where used
    assert "scheme.late_prosecution" in used.streams.names()
    assert not {name for name in unused.streams.names() if name.startswith("scheme.")}


def test_initial_is_the_index_of_the_initial_origin():
    from sim.engine.case import INITIAL, ORIGINS

    assert ORIGINS[INITIAL] == "initial"


def test_late_prosecutions_take_court_time_only_when_a_diversion_fails():
    done = compute(run(scenario("justice-2019", factor=0.1, years=3, scheme__completion_rate=1.0,
                                reoffending__probability=0.0, decision__triage_examination=False,
                                scheme__facilitators=1000.0))).headline
    assert done["scheme.started"] > 100 and done["scheme.lapsed"] == 0  # every deferral finds a place
    assert done["court.late_prosecution_sitting_days"] == 0
    triaged = run(scenario("justice-2019", factor=0.1, years=3, scheme__completion_rate=1.0,
                           reoffending__probability=0.0))  # the triage finds some deferred cases ineligible
    assert compute(triaged).headline["court.late_prosecution_sitting_days"] > 0
    fails = run(scenario("justice-2019", factor=0.1, years=3, scheme__completion_rate=0.5,
                         scheme__late_prosecution_proceeds=1.0))
    r = compute(fails).headline
    late, crown = r["court.late_prosecution_sitting_days"], r["court.crown.late_prosecution_sitting_days"]
    assert 0 < crown < late < r["court.sitting_days_used"]
    rec = fails.rec
    assert len(rec.late_hearing_t) == len(rec.late_hearing_days) == len(rec.late_hearing_crown)
    assert np.all(rec.late_hearing_days > 0) and set(np.unique(rec.late_hearing_crown)) == {0, 1}


def test_the_block_size_changes_no_case():
    """Cases are drawn in blocks that grow to BLOCK; a case's decisions and draws are the same
    whatever the blocks (one case at a time, or blocks of seven), so the size is only a cost."""
    from sim.engine.case import BLOCK, FIRST_BLOCK, CaseFactory
    from sim.engine.model import Model
    from sim.engine.streams import Streams

    m = Model(load_scenario("justice-2019"), 0, seed=5)
    layout = m.factories["external"].layout
    n = FIRST_BLOCK * 7 + 11  # across the first blocks' edges, as they double
    made = {size: CaseFactory(m.sc, Streams(5, 0), "external", layout, max_block=size) for size in (1, 7, BLOCK)}
    cases = {size: [f.new(cid) for cid in range(n)] for size, f in made.items()}
    for size in (1, 7):
        assert [c.bits for c in cases[size]] == [c.bits for c in cases[BLOCK]]
        columns = range(layout.width)
        assert [[c.draw(k) for k in columns] for c in cases[size]] == [[c.draw(k) for k in columns] for c in cases[BLOCK]]



def test_an_ended_case_holds_no_draws():
    """A case drops its block's draws when it ends, so that the reoffences scheduled on ended cases
    (held for years) do not keep every block alive; a case still open keeps them."""
    from sim.engine.model import Model
    from sim.engine.states import S

    m = Model(load_scenario("status-quo"), 0, seed=2)
    ending, going_on = m.new_case("external", 1.0), m.new_case("external", 1.0)
    width = m.factories["external"].layout.width
    before = [ending.draw(c) for c in range(width)]
    assert [going_on.draw(c) for c in range(width)] != before
    m.outcomes.close(ending, S.CLOSED_NFA_POLICE, 2.0)
    assert len(ending.draws) == 0
    with pytest.raises(IndexError):
        ending.draw(0)  # a stage reading an ended case's draws would fail loudly, not read another's
    assert going_on.draw(width - 1) == m.factories["external"]._draws[going_on.at + (width - 1) * going_on.stride]
