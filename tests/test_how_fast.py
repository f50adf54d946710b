"""How fast a policy acts: times to half and nine tenths of its effect on known ramps, the
year-by-year differences by hand, and the tables a comparison writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments import how_fast as H
from sim.results.metrics import RepResult


def fake(rep: int, series: dict[str, np.ndarray], months: int) -> RepResult:
    monthly = {name: series.get(name, np.zeros(months)) for name, _ in H.SERIES}
    return RepResult(rep, {}, {}, monthly)


def ramp(months: int = 40, full: float = -10.0, over: int = 10) -> np.ndarray:
    m = np.arange(months, dtype=float)
    return full * np.minimum(m, over) / over


def test_times_on_a_linear_ramp_by_hand():
    d = ramp()[None, :]  # one replication: the difference itself
    # centred five-month means: -c up to month 8, then -8.8 at 9 and -9.4 at 10
    assert H.time_to(d, 0.5) == 5.0 and H.time_to(d, 0.9) == 10.0
    assert H.time_to(-d, 0.9) == 10.0  # the sign of the effect does not matter
    assert H.time_to(np.zeros((1, 40)), 0.5) is None  # no effect, no time
    assert H.time_to(d[:, :10], 0.5) is None  # too short to tell a long-run effect


def test_a_slower_ramp_takes_longer_and_noise_gets_an_interval():
    rng = np.random.default_rng(3)
    months = 48
    base = [fake(r, {"court_receipts": np.full(months, 100.0)}, months) for r in range(8)]
    def policy(over):
        return [fake(r, {"court_receipts": 100.0 + ramp(months, -20.0, over) + rng.normal(0, 1, months)}, months)
                for r in range(8)]
    fast, slow = H.times(base, policy(6))["court_receipts"], H.times(base, policy(18))["court_receipts"]
    assert fast["months_to_90pct"]["months"] < slow["months_to_90pct"]["months"]
    t = slow["months_to_90pct"]
    assert t["ci_low"] <= t["months"] <= t["ci_high"] and t["resamples_reaching"] > 0
    effect = slow["long_run_effect_per_month"]
    assert effect["ci_low"] < -19 < effect["ci_high"] or abs(effect["mean"] + 20) < 1
    assert H.times(base, base)["court_receipts"]["months_to_50pct"]["months"] is None  # CI spans zero


def test_times_count_from_the_policy_s_start():
    """The same ramp begun at month 9: counted from the start it takes as long as from month 0."""
    months = 60
    base = [fake(r, {"court_receipts": np.full(months, 50.0)}, months) for r in range(4)]
    late = np.concatenate([np.zeros(9), ramp(months - 9)])
    other = [fake(r, {"court_receipts": 50.0 + late + 0.01 * (r - 1.5)}, months) for r in range(4)]  # mean exact
    t = H.times(base, other, start_month=9)["court_receipts"]
    assert t["months_to_50pct"]["months"] == 5.0 and t["months_to_90pct"]["months"] == 10.0
    assert H.times(base, other)["court_receipts"]["months_to_50pct"]["months"] == 14.0  # from month 0


def test_by_year_sums_flows_and_reads_stocks_at_each_year_s_end():
    months, warmup = 6 + 30, 6  # two full years and a half year
    flow = np.arange(months, dtype=float)
    base = [fake(0, {}, months)]
    other = [fake(0, {"court_receipts": flow, "crown_backlog_end": flow * 2}, months)]
    rows = {(r["year"], r["series"]): r for r in H.by_year(base, other, warmup)}
    assert rows[(1, "court_receipts")]["mean"] == flow[6:18].sum()
    assert rows[(3, "court_receipts")]["months"] == 6 and rows[(3, "court_receipts")]["mean"] == flow[30:].sum()
    assert rows[(2, "crown_backlog_end")]["mean"] == 2 * flow[29] and rows[(2, "crown_backlog_end")]["kind"] == "stock"


def test_a_comparison_writes_how_fast_and_its_tables(tmp_path):
    from sim import api

    cmp = api.compare("status-quo", "justice-2019", reps=2, years=1.5, workers=1, out=tmp_path / "c",
                      overrides={"arrivals.per_month": 120, "forensics.examiners": 12})
    speed = cmp.data["how_fast"]["justice-2019"]
    assert speed["policy_start_month"] == 0 and set(speed["times"]) == {s for s, _ in H.SERIES}
    monthly = pd.read_csv(tmp_path / "c" / "monthly_differences.csv")
    row = monthly[(monthly["series"] == "court_receipts") & (monthly["month"] == 7)].iloc[0]
    diffs = [o.monthly["court_receipts"][7] - b.monthly["court_receipts"][7]
             for b, o in zip(cmp.runs["status-quo"].results, cmp.runs["justice-2019"].results)]
    assert row["diff_mean"] == pytest.approx(np.mean(diffs))
    yearly = pd.read_csv(tmp_path / "c" / "differences_by_year.csv")
    assert set(yearly["year"]) == {1, 2} and yearly["notice"].notna().sum() == 1
