"""The warm-up diagnostic: MSER-5 finds a known transient, none in a stationary series, and says
when a series has not settled; on the model, a large starting stock is found and a short warm-up named."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import run, scenario
from sim.metrics import compute
from sim.warmup import mser, stability, warnings


def test_mser5_by_hand():
    # batch means 10, 0, 0, 0, 0, 0: cutting the first batch leaves no spread at all
    y = [10.0] * 5 + [0.0] * 25
    cut, stat, settled = mser(y)
    assert cut == 5 and settled
    z = np.array([10, 0, 0, 0, 0, 0], dtype=float)
    assert stat[0] == pytest.approx(((z - z.mean()) ** 2).sum() / 6 ** 2) and stat[1] == 0.0


def test_a_known_transient_is_cut_where_it_has_died():
    rng = np.random.default_rng(1)
    t = np.arange(240)
    y = 100 + 900 * np.exp(-t / 12.0) + rng.normal(0, 5, len(t))  # 10x the level, decays with a 1-year scale
    cut, _, settled = mser(y)
    assert settled and 30 <= cut <= 80  # the excess is below one noise SD after ~62 months


def test_a_stationary_series_needs_no_truncation():
    rng = np.random.default_rng(2)
    e = rng.normal(0, 1, 240)
    y = np.empty(240)
    y[0] = 0.0
    for k in range(1, 240):
        y[k] = 0.5 * y[k - 1] + e[k]
    cut, _, settled = mser(50 + y)
    assert settled and cut <= 20


def test_a_trend_has_not_settled():
    cut, stat, settled = mser(np.arange(120, dtype=float))
    assert not settled and cut == 5 * (len(stat) - 1)


@settings(max_examples=60)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=20, max_size=200),
       st.floats(-1e4, 1e4), st.floats(0.01, 100))
def test_truncation_is_in_range_and_ignores_shift_and_scale(values, shift, scale):
    y = np.asarray(values)
    cut, stat, _ = mser(y)
    assert 0 <= cut <= 5 * (len(y) // 5 // 2) and cut % 5 == 0
    if np.ptp(y) > 1e-6:
        assert mser(y * scale + shift)[0] == cut


def test_a_large_starting_stock_is_a_transient_the_diagnostic_finds():
    """With fast attrition the forensic queue settles near 160 cases at a tenth of the nation:
    started there, it needs little truncation; started at 3,000, MSER-5 cuts the drain away and
    the warning names a warm-up that is too short."""
    kw = {"factor": 0.1, "years": 15, "run__warmup_months": 0, "forensics__attrition_per_year": 2.0}
    found, said = {}, {}
    for name, stock in (("calm", 160), ("heavy", 3000)):
        sc = scenario("status-quo", initial__forensics__cases=stock, **kw)
        res = [compute(run(sc, rep)) for rep in range(3)]
        found[name] = {s.series: s for s in stability(res, 0)}["forensic_queue_end"]
        said[name] = warnings(res, 0)
    assert found["heavy"].settled and found["heavy"].truncation_months >= found["calm"].truncation_months + 20, found
    assert any("cases waiting for examination settles after" in w for w in said["heavy"])
