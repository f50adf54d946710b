"""The stopping rule for --reps auto, and paired comparison, against hand-checkable cases."""

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiments.compare import comparison, paired, unique_names
from sim.results.metrics import HEADLINE, RepResult
from sim.experiments.replications import StoppingRule, relative_half_width


def first_precise(values, precision, look_ahead, min_reps=3):
    """Independent oracle: the first n from which the CI stays within precision for look_ahead more."""
    def ok(n):
        x = np.asarray(values[:n])
        hw = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)
        return hw <= precision * abs(x.mean())
    for n in range(min_reps, len(values) - look_ahead + 1):
        if all(ok(k) for k in range(n, n + look_ahead + 1)):
            return n + look_ahead
    return None


def test_alternating_stream_stops_at_the_computed_count():
    values = [1.0 + (0.3 if i % 2 else -0.3) for i in range(400)]
    rule = StoppingRule(precision=0.05, look_ahead=5, max_reps=400)
    d = rule.decide({"m": values})
    assert d.stop and d.replications == first_precise(values, 0.05, 5)
    # by hand: at even n, t(n-1) * 0.3 / sqrt(n - 1) <= 0.05 first holds near n = 140; plus 5 to confirm
    assert 140 <= d.replications <= 150


def test_normal_stream_needs_about_the_textbook_count():
    rng = np.random.default_rng(4)
    mu, sigma, p = 100.0, 20.0, 0.02
    values = (mu + sigma * rng.standard_normal(2000)).tolist()
    d = StoppingRule(precision=p, max_reps=2000).decide({"m": values})
    textbook = (1.96 * sigma / (p * mu)) ** 2  # about 384
    assert d.stop and 0.7 * textbook <= d.replications <= 1.3 * textbook


def test_every_metric_must_be_precise_and_constant_ones_are():
    noisy = [10.0 + (2.0 if i % 2 else -2.0) for i in range(200)]
    d = StoppingRule(precision=0.05, max_reps=200).decide({"quiet": [5.0] * 200, "noisy": noisy, "none": [math.nan] * 200})
    assert d.replications == first_precise(noisy, 0.05, 5)


def test_max_reps_stops_and_names_the_imprecise():
    values = [0.0 if i % 2 else 1.0 for i in range(50)]  # mean 0.5, sd 0.5: needs ~400
    d = StoppingRule(precision=0.05, max_reps=20).decide({"hard": values[:20], "easy": [3.0] * 20})
    assert d.stop and d.replications == 20 and d.imprecise == ["hard"]
    d = StoppingRule(precision=0.05, max_reps=20).decide({"hard": values[:10]})
    assert not d.stop


def test_rule_arguments_checked():
    with pytest.raises(ValueError):
        StoppingRule(precision=0)
    with pytest.raises(ValueError):
        StoppingRule(max_reps=1)
    assert relative_half_width([1.0]) == math.inf
    assert relative_half_width([2.0, 2.0]) == 0.0
    assert relative_half_width([-1.0, 1.0]) == math.inf


def test_batches_never_pass_the_maximum():
    rule = StoppingRule(max_reps=10)
    assert rule.next_batch(0, 2) == 8 and rule.next_batch(8, 4) == 2 and rule.next_batch(10, 4) == 0


def fake(rep, values):
    return RepResult(rep, {k: values.get(k, 0.0) for k in HEADLINE}, {}, {})


def test_paired_difference_by_hand():
    base = [10.0, 12.0, 14.0, 16.0]
    other = [9.0, 10.0, 13.0, 14.0]   # differences -1, -2, -1, -2: mean -1.5, sd 0.57735
    d = paired(base, other)
    half = stats.t.ppf(0.975, 3) * 0.5773502691896257 / 2
    assert d["mean"] == pytest.approx(-1.5)
    assert d["ci_low"] == pytest.approx(-1.5 - half) and d["ci_high"] == pytest.approx(-1.5 + half)
    assert d["share_lower"] == 1.0 and d["n"] == 4
    # paired is far tighter than the two unpaired intervals would suggest
    assert (d["ci_high"] - d["ci_low"]) < 0.5 * stats.t.ppf(0.975, 3) * np.std(base, ddof=1)


def test_comparison_structure():
    res = {"a": [fake(r, {"court.receipts": 100.0 + r}) for r in range(3)],
           "b": [fake(r, {"court.receipts": 90.0 + r}) for r in range(3)]}
    data = comparison(["a", "b"], res)
    m = data["metrics"]["court.receipts"]
    assert set(m["a"]) == {"mean", "ci_low", "ci_high"}
    assert m["b"]["diff"]["mean"] == pytest.approx(-10.0) and m["b"]["diff"]["share_lower"] == 1.0
    assert m["b"]["diff"]["ci_low"] == pytest.approx(-10.0)  # identical differences: a zero-width interval
    assert data["base"] == "a" and data["replications"] == 3 and "paired" in data["paired_differences"]


def test_unique_names():
    assert unique_names(["a", "b", "a", "a"]) == ["a", "b", "a-2", "a-3"]


def test_a_mean_near_zero_is_judged_against_its_floor_not_itself():
    """A rare count (mean 0.1 a replication) never gets a CI within 5% of its own mean: a purely
    relative rule runs to the maximum; with the floor of a count (10 cases) it stops at once."""
    from sim.experiments.replications import metric_floor

    rare = [1.0 if i % 10 == 3 else 0.0 for i in range(200)]
    relative = StoppingRule(precision=0.05, max_reps=200).decide({"forensics.outsourced": rare})
    assert relative.replications == 200 and relative.imprecise == ["forensics.outsourced"]
    floored = StoppingRule(precision=0.05, max_reps=200, floor=metric_floor).decide({"forensics.outsourced": rare})
    assert floored.stop and floored.replications < 40 and not floored.imprecise
    # a large mean is judged against itself, as before: the floor changes nothing there
    values = [1000.0 + (300.0 if i % 2 else -300.0) for i in range(400)]
    assert (StoppingRule(precision=0.05, max_reps=400, floor=metric_floor).decide({"court.receipts": values})
            == StoppingRule(precision=0.05, max_reps=400).decide({"court.receipts": values}))


def test_floors_by_kind_of_metric_and_for_compared_names():
    from sim.experiments.replications import metric_floor

    assert metric_floor("court.receipts") == 10.0 and metric_floor("court.receipts_per_year") == 10.0
    assert metric_floor("court.crown.wait_weeks_median") == 1.0 and metric_floor("sentence.custody_share") == 0.1
    assert metric_floor("justice-2019: sentence.custody_share") == 0.1
    assert relative_half_width([0.0, 0.2], floor=10.0) == pytest.approx(relative_half_width([10.0, 10.2]) * 10.1 / 10.0)
