"""The server pool against hand-computed cases and queueing theory (Erlang C, Pollaczek-Khinchine)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim.engine.servers import ServerPool


def collect(counts, jobs, n_classes=1, windows=None):
    """Run a pool over ``jobs`` = [(ready, work, cls)], return {index: (ready, start, end, cls)}."""
    out = {}
    pool = ServerPool("t", counts, lambda item, cls, ready, start, end: out.__setitem__(item, (ready, start, end, cls)),
                      n_classes=n_classes)
    for i, (ready, work, cls) in enumerate(jobs):
        pool.push(ready, work, i, cls)
    if windows is None:
        pool.advance(math.inf)
    else:
        for w in windows:
            pool.advance(w)
    return out, pool


def test_fifo_single_server_by_hand():
    out, _ = collect([1] * 10, [(0.0, 0.5, 0), (0.1, 0.5, 0), (0.2, 0.5, 0)])
    assert [out[i][1:3] for i in range(3)] == [(0.0, 0.5), (0.5, 1.0), (1.0, 1.5)]


def test_job_waits_over_the_weekend():
    # days 0-4 sitting (Mon-Fri), 5-6 not: a 2.5-day job from Thursday 00:00 ends Monday midday
    counts = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1]
    out, pool = collect(counts, [(3.0, 2.5, 0)])
    assert out[0][1:3] == (3.0, 7.5)
    assert pool.busy_by_day[3] == 1 and pool.busy_by_day[4] == 1 and pool.busy_by_day[7] == 0.5


def test_ready_on_saturday_starts_monday():
    counts = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1]
    out, _ = collect(counts, [(5.2, 0.25, 0)])
    assert out[0][1:3] == (7.0, 7.25)


def test_two_servers_share_work():
    out, _ = collect([2] * 5, [(0.0, 1.0, 0), (0.0, 1.0, 0), (0.0, 1.0, 0)])
    assert sorted(v[1] for v in out.values()) == [0.0, 0.0, 1.0]


def test_short_hearings_before_trials():
    # one room busy until 1.0; a trial (class 1) ready at 0.2, a plea (class 0) ready at 0.6
    jobs = [(0.0, 1.0, 1), (0.2, 0.5, 1), (0.6, 0.1, 0)]
    out, _ = collect([1] * 5, jobs, n_classes=2)
    assert out[2][1] == 1.0  # the plea goes first when the room frees
    assert out[1][1] == pytest.approx(1.1)


def test_zero_servers_start_nothing():
    out, pool = collect([0] * 5, [(0.0, 1.0, 0), (1.0, 2.0, 0)])
    assert out == {} and pool.waiting() == 2


def test_zero_work_needs_no_server():
    out, pool = collect([0] * 5, [(0.5, 0.0, 0)])
    assert out[0][1:3] == (0.5, 0.5) and pool.waiting() == 0


def test_capacity_drop_mid_run():
    # two servers on days 0-1, one afterwards: the third job waits for the remaining server
    out, _ = collect([2, 2, 1, 1, 1, 1], [(2.0, 1.0, 0), (2.0, 1.0, 0)])
    assert sorted(v[1] for v in out.values()) == [2.0, 3.0]


def test_daily_windows_equal_one_shot():
    rng = np.random.default_rng(3)
    jobs = [(float(r), float(w), int(c)) for r, w, c in zip(np.sort(rng.uniform(0, 50, 300)), rng.exponential(0.4, 300), rng.integers(0, 2, 300))]
    counts = [3, 3, 3, 3, 3, 0, 0] * 20
    a, _ = collect(counts, jobs, n_classes=2)
    b, _ = collect(counts, jobs, n_classes=2, windows=[float(d) for d in range(1, 141)] + [math.inf])
    assert a == b


def erlang_c_wq(lam: float, mean_s: float, c: int) -> float:
    a = lam * mean_s
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait * mean_s / (c - a)


def mean_wait(service, lam, c, n, seed):
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    works = service(rng, n)
    waits = []
    pool = ServerPool("q", [c] * (int(arrivals[-1]) + 100), lambda i, cls, r, s, e: waits.append(s - r))
    for t, w in zip(arrivals.tolist(), works.tolist()):
        pool.push(t, w, None)
    pool.advance(math.inf)
    return float(np.mean(waits[n // 10:]))  # drop the start-up transient


def within_ci(samples, expected, z=3.0):
    m = np.mean(samples)
    half = z * np.std(samples, ddof=1) / math.sqrt(len(samples))
    return abs(m - expected) <= half, (m, half, expected)


@pytest.mark.parametrize("lam, mean_s, c", [(1.0, 2.0, 3), (2.0, 2.0, 5), pytest.param(0.5, 1.5, 1, marks=pytest.mark.slow)])
def test_mmc_matches_erlang_c(lam, mean_s, c):
    waits = [mean_wait(lambda g, n: g.exponential(mean_s, n), lam, c, 25_000, s) for s in range(10)]
    ok, info = within_ci(waits, erlang_c_wq(lam, mean_s, c))
    assert ok, info


@pytest.mark.slow
def test_md1_matches_pollaczek_khinchine():
    lam, s = 0.8, 1.0
    rho = lam * s
    expected = lam * s**2 / (2 * (1 - rho))  # E[S^2] = s^2 for deterministic service
    waits = [mean_wait(lambda g, n: np.full(n, s), lam, 1, 25_000, seed) for seed in range(10)]
    ok, info = within_ci(waits, expected)
    assert ok, info


@pytest.mark.slow
def test_mg1_uniform_service_matches_pollaczek_khinchine():
    lam, lo, hi = 0.5, 0.5, 2.5
    es, es2 = (lo + hi) / 2, (lo**2 + lo * hi + hi**2) / 3
    expected = lam * es2 / (2 * (1 - lam * es))
    waits = [mean_wait(lambda g, n: g.uniform(lo, hi, n), lam, 1, 40_000, seed) for seed in range(12)]
    ok, info = within_ci(waits, expected)
    assert ok, info


@settings(max_examples=60)
@given(
    st.lists(st.tuples(st.floats(0, 30), st.floats(0, 3), st.integers(0, 1)), min_size=1, max_size=60),
    st.lists(st.integers(0, 3), min_size=40, max_size=40),
    st.booleans(),
)
def test_pool_properties(jobs, counts, priority):
    """Starts never precede readiness; work done never exceeds the servers sitting; FIFO in a class."""
    n_classes = 2 if priority else 1
    jobs = [(r, w, c if priority else 0) for r, w, c in jobs]
    out, pool = collect(counts, jobs, n_classes=n_classes)
    for i, (ready, start, end, cls) in out.items():
        assert start >= ready and end >= start
    for d, busy in enumerate(pool.busy_by_day):
        assert busy <= counts[d] + 1e-9
    finished = [i for i, v in out.items() if v[2] <= len(counts)]
    done_work = sum(jobs[i][1] for i in finished)
    assert sum(pool.busy_by_day) >= done_work - 1e-6
    for cls in range(n_classes):
        started = sorted((jobs[i][0], i) for i in out if jobs[i][2] == cls and jobs[i][1] > 0)
        starts = [out[i][1] for _, i in started]
        assert starts == sorted(starts)
    assert len(out) + pool.waiting() == len(jobs)


@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0.01, 2)), min_size=2, max_size=80))
def test_one_server_starts_jobs_by_ready_time_and_ties_in_the_order_offered(jobs):
    """Jobs offered in any order start by ready time, and jobs ready at the same time in the order
    they were offered: the rule a day's list keeps whether it is filed in place or sorted later."""
    jobs = [(r / 4, w, 0) for r, w in jobs]  # quarter days: many ties, several jobs in one day's list
    out, _ = collect([1] * 200, jobs)  # room for every job: at most 80 x 2 days of work from day 5
    by_start = sorted(out, key=lambda i: out[i][1])
    assert by_start == sorted(range(len(jobs)), key=lambda i: (jobs[i][0], i))


def test_late_hand_off_joins_the_next_list_in_ready_order():
    out = {}
    pool = ServerPool("t", [1] * 10, lambda i, cls, r, s, e: out.__setitem__(i, (r, s, e)))
    pool.push(0.0, 2.0, "X")   # holds the only server until 2.0
    pool.push(0.5, 0.5, "Y")
    pool.advance(1.0)
    pool.push(0.3, 0.5, "Z")   # pushed after day 0's list was drawn up, ready before Y
    pool.advance(10.0)
    assert out["X"][1:] == (0.0, 2.0)
    assert out["Z"] == (0.3, 2.0, 2.5) and out["Y"] == (0.5, 2.5, 3.0)


def test_late_hand_off_never_starts_in_a_day_already_drawn_up():
    out = {}
    pool = ServerPool("t", [2] * 10, lambda i, cls, r, s, e: out.__setitem__(i, (r, s, e)))
    pool.push(0.1, 0.2, "A")
    pool.advance(1.0)
    pool.push(0.4, 0.2, "late")   # a free server existed at 0.4, but day 0's list is closed
    pool.advance(2.0)
    assert out["A"][1] == 0.1 and out["late"] == (0.4, 1.0, 1.2)


ONE_POOL_AT_A_TIME = """
import json
from sim.engine import lists, servers
from sim.inputs.loading import load_scenario
from sim.engine.model import Model

waiting = {}  # id of a case waiting in a pool -> the pool's name
offers = 0
push = servers.ServerPool.push


def checked_push(self, ready, work, item, cls=0):
    global offers
    if isinstance(item, servers.Job):
        assert id(item) not in waiting, f"a case offered to {self.name} while waiting in {waiting[id(item)]}"
        waiting[id(item)] = self.name
        offers += 1
    push(self, ready, work, item, cls)


class Tap(servers.Receiver):
    def __init__(self, inner):
        self.inner = inner

    def started(self, tag, job, cls, ready, start, end):
        assert waiting.pop(id(job)) is not None
        self.inner.started(tag, job, cls, ready, start, end)

    def reneged(self, tag, job, why, t):
        name = waiting.pop(id(job))
        leaves = self.inner.reneged(tag, job, why, t)
        if not leaves:
            waiting[id(job)] = name
        return leaves


def checked_list_push(self, ready, work, item, cls=0):
    global offers
    assert id(item) not in waiting, f"a case offered to {self.name} while waiting in {waiting[id(item)]}"
    waiting[id(item)] = self.name
    offers += 1
    list_push(self, ready, work, item, cls)


servers.ServerPool.push = checked_push
list_push = lists.SharedList.push
lists.SharedList.push = checked_list_push
for name in ("justice-2019", "npcc-conditional-caution", "ccpas-self-referral"):
    m = Model(load_scenario(name, ["run.years=2", "run.warmup_months=0"]), 0)
    for pool in m.pool_objects().values():
        pool.receiver = Tap(pool.receiver)
    m.run()
    still = sum(pool.waiting() for pool in m.pool_objects().values())
    assert still == len(waiting), (still, len(waiting))
    waiting.clear()
print(json.dumps({"offers": offers}))
"""


@pytest.mark.slow
def test_a_case_waits_in_one_pool_at_a_time():
    """Pools file a case itself as the job (sim.engine.servers.Job), which is sound only if no case is
    offered to a pool while it still waits in one. Checked over whole runs of the scenarios that use
    every pool, with the source modules (compiled classes cannot be patched)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sim import compiled

    env = {**os.environ, compiled.PURE_ENV: "1"}
    done = subprocess.run([sys.executable, "-c", ONE_POOL_AT_A_TIME], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["offers"] > 50_000


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=60), st.integers(0, 12))
def test_a_day_is_drawn_up_and_a_job_filed_in_ready_order_ties_in_filing_order(readies, late):
    """draw_up is a stable sort by ready time (the order list.sort(key=ready) gives), and
    file_by_ready puts a job after every job ready no later than it; ties are common (whole days)."""
    from sim.engine.servers import Job, draw_up, file_by_ready

    jobs = []
    for r in readies:
        job = Job()
        job.ready = r / 4.0
        jobs.append(job)
    expected = sorted(jobs, key=lambda j: j.ready)
    drawn = draw_up(list(jobs))
    assert [id(j) for j in drawn] == [id(j) for j in expected]
    extra = Job()
    extra.ready = late / 4.0
    file_by_ready(drawn, extra)
    at = drawn.index(extra)
    assert all(j.ready <= extra.ready for j in drawn[:at]) and all(j.ready > extra.ready for j in drawn[at + 1 :])
