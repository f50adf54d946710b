"""The warm-up diagnostic: MSER-5 finds a known transient where it has died, none in a stationary
series, and says when a series has not settled; on the model, a large starting stock is found, a
run started near its steady state is not flagged, and a warm-up too short for the stock is named."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from helpers import scenario
from sim.results.diagnostics import warnings as run_warnings
from sim.experiments.executors import SerialExecutor
from sim.inputs.loading import load_scenario
from sim.results.metrics import HEADLINE, MONTHLY, RepResult
from sim.experiments.runfolder import run_fixed
from sim.results.warmup import BATCH, BIAS_WARN, changing_inputs, mser, of_scenario, stability, warnings

T = np.arange(240)


def test_mser5_by_hand():
    # batches of five with means 4, 1, 2, 1, 2, 1 (the first varies inside); the last two points make
    # no whole batch and are left out. The statistic is sum((Z - mean)^2) / (b - d)^2 over what is left.
    y = [3, 5, 4, 4, 4] + [1] * 5 + [2] * 5 + [1] * 5 + [2] * 5 + [1] * 5 + [9, 9]
    rule = mser(y)
    assert rule.statistic == pytest.approx([41 / 216, 6 / 125, 1 / 16, 2 / 27])
    assert rule.best == 1 and rule.settled and rule.truncation == 5 and rule.searched_months == 15


def test_a_minimum_at_the_end_of_the_range_is_no_truncation_point():
    # batch means 4, 2, 1, 1: the statistic falls to the last truncation searched (two batches)
    rule = mser([4] * 5 + [2] * 5 + [1] * 10)
    assert rule.statistic == pytest.approx([6 / 16, 2 / 27, 0.0])
    assert not rule.settled and rule.truncation is None


def test_ties_take_the_earliest_truncation():
    rule = mser([10.0] * 5 + [0.0] * 25)
    assert list(rule.statistic[1:]) == [0.0, 0.0, 0.0] and rule.truncation == 5


def test_a_known_transient_is_cut_where_it_has_died():
    """Ten times the level, decaying with a one-year scale, plus noise of SD 5: the excess falls below
    one batch mean's noise (5 / sqrt 5) after 12 ln(900 / 2.24) = 72 months. MSER-5 never cuts while the
    excess is still several times the noise (before 50 months), and mostly within three batches of 72."""
    died = 12 * np.log(900 / (5 / np.sqrt(BATCH)))
    cuts = []
    for seed in range(40):
        y = 100 + 900 * np.exp(-T / 12.0) + np.random.default_rng(seed).normal(0, 5, len(T))
        cuts.append(mser(y).truncation)
    found = [c for c in cuts if c is not None]
    assert len(found) >= 38 and min(found) >= 50, cuts
    assert np.mean([abs(c - died) <= 3 * BATCH for c in found]) >= 0.75, cuts


def test_a_stationary_series_needs_no_truncation():
    """AR(1) with coefficient 0.5, started in its stationary distribution: nothing to cut, and the
    rule mostly says so (a minimum late in a flat series is chance, which MSER-5 is known to show)."""
    cuts = []
    for seed in range(40):
        e = np.random.default_rng(seed).normal(0, 1, len(T))
        y = np.empty(len(T))
        y[0] = e[0] / np.sqrt(1 - 0.25)
        for k in range(1, len(T)):
            y[k] = 0.5 * y[k - 1] + e[k]
        cuts.append(mser(50 + y).truncation)
    assert np.median([c if c is not None else 999 for c in cuts]) == 0, cuts
    assert np.mean([c is not None and c <= 10 for c in cuts]) >= 0.7, cuts


def test_a_trend_has_not_settled():
    for seed in range(10):
        y = 2.0 * T / 12 + np.random.default_rng(seed).normal(0, 1, len(T))  # 2 a year against noise of 1
        rule = mser(y)
        assert rule.truncation is None and rule.best == len(rule.statistic) - 1
    assert mser(np.arange(120, dtype=float)).truncation is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=20, max_size=200),
       st.floats(-1e4, 1e4), st.floats(0.01, 100))
def test_truncation_is_in_range_and_ignores_shift_and_scale(values, shift, scale):
    y = np.asarray(values)
    rule = mser(y)
    b = len(y) // BATCH
    assert len(rule.statistic) == b // 2 + 1 and 0 <= rule.best <= b // 2
    assert rule.truncation is None or (rule.truncation % BATCH == 0 and 0 <= rule.truncation < rule.searched_months)
    assert np.all(rule.statistic >= 0)
    assume(np.ptp(y[: b * BATCH].reshape(b, BATCH).mean(axis=1)) > 1.0)  # batch means that differ beyond rounding
    moved = mser(y * scale + shift)
    assert moved.best == rule.best
    assert moved.statistic == pytest.approx(rule.statistic * scale ** 2, rel=1e-6, abs=1e-9 * scale ** 2)


def _results(columns: dict[str, np.ndarray]) -> list[RepResult]:
    """Replications whose monthly series are zero but for ``columns`` (replications x months)."""
    months = len(next(iter(columns.values()))[0])
    out = []
    for rep in range(len(next(iter(columns.values())))):
        monthly = {k: np.zeros(months) for k in MONTHLY}
        monthly.update({k: np.asarray(v[rep], dtype=float) for k, v in columns.items()})
        out.append(RepResult(rep, {k: 0.0 for k in HEADLINE}, {}, monthly))
    return out


def test_drift_is_the_slope_a_year_with_its_interval_and_is_said_to_be_by_design_when_inputs_change():
    rng = np.random.default_rng(3)
    ramp = 1000 + 10.0 * np.arange(120) + rng.normal(0, 5, (4, 120))  # 120 a year on a mean of about 1,600
    res = _results({"forensic_queue_end": ramp, "crown_list_backlog_end": 500 + rng.normal(0, 5, (4, 120))})
    rows = {s.series: s for s in stability(res, 6)}
    q, c = rows["forensic_queue_end"], rows["crown_list_backlog_end"]
    assert q.truncation_months is None and q.drift_from == 6
    assert q.drift_ci[0] < 120 < q.drift_ci[1] and q.drift_per_year == pytest.approx(120, rel=0.02)
    assert q.drift_share == pytest.approx(120 / ramp[:, 6:].mean(), rel=0.02) and q.drifting
    assert not c.drifting and c.truncation_months is not None
    said = warnings(list(rows.values()))
    assert len(said) == 1 and said[0].startswith("drift: after warm-up, the forensic queue (cases waiting for examination) drifts by +7.")
    assert "has not settled (no MSER-5 truncation point in the first 60 months)" in said[0]
    by_design = warnings(stability(res, 6, ["arrivals.per_month"]))
    assert len(by_design) == 1 and by_design[0].startswith("drift by design:") and "arrivals.per_month" in by_design[0]


def test_a_start_up_is_named_only_where_it_moves_the_reported_mean():
    """Two transients that outlast a six-month warm-up: one moves the reported mean by about 2% of
    the level, which is shown in the table but lost in the precision of a run, and one by about 10%,
    which is a warm-up too short; a queue of a few cases moved by a large share of nothing is not named."""
    t = np.arange(120)
    noise = np.random.default_rng(5).normal(0, 2, (3, 120))
    rows = {}
    for name, level, excess in (("small", 1000, 1000), ("large", 1000, 5000), ("tiny", 5, 25)):
        rows[name] = stability(_results({"forensic_queue_end": level + excess * np.exp(-t / 6.0) + noise * level / 1000}),
                               6)[0]
    small, large, tiny = rows["small"], rows["large"], rows["tiny"]
    assert small.truncation_months > 6 and large.truncation_months > 6 and tiny.truncation_months > 6
    assert 0.01 < small.bias < 0.05 < large.bias and tiny.bias > 0.05 and abs(tiny.shift) < tiny.floor
    assert large.too_short and not small.too_short and not tiny.too_short
    assert warnings([small]) == [] and warnings([tiny]) == []
    assert warnings([large])[0].startswith("warm-up too short: the forensic queue (cases waiting for examination) "
                                           f"settles after {large.truncation_months} months (reported mean +")


def test_a_queue_already_named_as_still_growing_is_not_named_again():
    ramp = np.tile(100 + 20.0 * np.arange(60), (3, 1)) + np.random.default_rng(4).normal(0, 3, (3, 60))
    sc = load_scenario("status-quo", ["run.years=4.5", "run.warmup_months=6"])
    said = run_warnings(_results({"forensic_queue_end": ramp}), sc)
    assert sum("cases waiting for examination" in w for w in said) == 1
    assert any("still growing" in w for w in said)


def test_inputs_the_scenario_changes_during_the_run():
    assert changing_inputs(load_scenario("status-quo")) == []
    assert changing_inputs(load_scenario("history-2016-2019")) == [
        "arrivals.per_month", "court.crown.sitting_days_per_month", "court.crown.background.receipts_per_month"]
    assert changing_inputs(load_scenario("status-quo", ["arrivals.annual_growth=0.02"])) == ["arrivals.annual_growth"]


@pytest.mark.slow
def test_a_large_starting_stock_is_a_transient_the_diagnostic_finds(tmp_path):
    """At a twentieth of the nation, with fast attrition, the forensic queue settles near 90 cases
    whatever it starts from. Started there, it settles within a batch or two of the start (the
    pipeline upstream fills) and nothing is said; started at 2,000 cases, MSER-5 cuts the drain away,
    the reported mean is far off the settled level, and the six-month warm-up is named too short (in
    the run folder's warnings, beside its warm-up table), but not a warm-up longer than the drain."""
    kw = {"factor": 0.05, "years": 8, "run__warmup_months": 6, "forensics__attrition_per_year": 2.0,
          "initial__forensics__max_age_days": 1, "run__replications": 2}
    found, said, res = {}, {}, {}
    for name, stock in (("calm", 85), ("heavy", 2000)):
        sc = scenario("status-quo", initial__forensics__cases=stock, **kw)
        res[name] = run_fixed(sc, tmp_path / name, SerialExecutor())
        rows = of_scenario(res[name], sc)
        found[name] = {s.series: s for s in rows}["forensic_queue_end"]
        said[name] = [w for w in warnings(rows) if "cases waiting for examination" in w]
    calm, heavy = found["calm"], found["heavy"]
    assert calm.truncation_months is not None and calm.truncation_months <= 15 and abs(calm.bias) < 0.05, calm
    assert heavy.truncation_months is not None and 20 <= heavy.truncation_months <= 50, heavy
    assert heavy.bias > 0.2 and heavy.too_short and not calm.too_short
    assert not heavy.drifting and not calm.drifting
    assert said["calm"] == []
    assert len(said["heavy"]) == 1 and said["heavy"][0].startswith(
        f"warm-up too short: the forensic queue (cases waiting for examination) settles after "
        f"{heavy.truncation_months} months")
    assert "run.warmup_months is 6" in said["heavy"][0]
    manifest = json.loads((tmp_path / "heavy" / "manifest.json").read_text())
    assert said["heavy"][0] in manifest["warnings"]
    table = {row["series"]: row for row in manifest["warmup"]["series"]}
    assert table["forensic_queue_end"]["truncation_months"] == heavy.truncation_months
    assert table["forensic_queue_end"]["too_short"] and manifest["warmup"]["bias_warn"] == BIAS_WARN
    assert not any("examination" in w and "warm-up" in w for w in json.loads(
        (tmp_path / "calm" / "manifest.json").read_text())["warnings"])
    longer = {s.series: s for s in stability(res["heavy"], heavy.truncation_months + 6)}["forensic_queue_end"]
    assert not longer.too_short and not any("examination" in w for w in warnings([longer]))
