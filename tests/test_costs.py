"""Unit costs price the loads the model counts: each acts on its own item only, with the right sign,
the totals add up, and discounting follows the Green Book's years."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import scenario

from sim.engine.model import Model
from sim.results.costs import HEADLINE_COSTS, ITEMS, headline_costs
from sim.results.metrics import compute

UNIT = {  # each unit cost and the item it prices
    "forensic_examination": "forensic_examinations",
    "charging_decision": "charging_decisions",
    "scheme_session": "scheme_sessions",
    "facilitator_hour": "facilitator_hours",
    "assessment": "assessments",
    "magistrates_sitting_day": "magistrates_sitting_days",
    "crown_sitting_day": "crown_sitting_days",
    "prison_place_year": "prison",
    "community_order": "community_orders",
}


def _run(name):
    m = Model(scenario(name, 0.15, 1.5), 0)
    m.run()
    return m, compute(m)


@pytest.fixture(scope="module")
def both():
    """Small replications of JUSTICE and of the conditional caution: between them every item has a load."""
    return {name: _run(name) for name in ("justice-2019", "npcc-conditional-caution")}


@pytest.fixture(scope="module")
def priced(both):
    return both["justice-2019"]


def _with_costs(model, **costs):
    model.sc = model.sc.model_copy(update={"costs": model.sc.costs.model_copy(update=costs)})
    return compute(model)


def _loaded(both, item):
    return next(run for run in both.values() if run[1].headline[f"cost.{item}_gbp"] > 0)


def test_every_item_has_a_load_here_so_the_directional_tests_can_fail(both):
    for item in ITEMS:
        assert _loaded(both, item), item


@pytest.mark.parametrize("unit", sorted(UNIT))
def test_a_higher_unit_cost_raises_its_item_and_the_total_and_moves_nothing_else(both, unit):
    model, base = _loaded(both, UNIT[unit])
    original = model.sc
    try:
        higher = _with_costs(model, **{unit: getattr(original.costs, unit) * 2 + 1.0})
    finally:
        model.sc = original
    item = f"cost.{UNIT[unit]}_gbp"
    assert higher.headline[item] > base.headline[item]
    assert higher.headline["cost.total_gbp"] - base.headline["cost.total_gbp"] == pytest.approx(
        higher.headline[item] - base.headline[item])
    for key, value in base.headline.items():
        if key not in HEADLINE_COSTS:
            assert higher.headline[key] == value or (np.isnan(value) and np.isnan(higher.headline[key])), key
        elif key.startswith("cost.") and key not in (item, "cost.total_gbp", "cost.total_gbp_per_year",
                                                     "cost.total_discounted_gbp"):
            assert higher.headline[key] == value, key


def test_items_add_up_to_the_total_and_the_monthly_series(priced):
    model, res = priced
    hl = res.headline
    assert hl["cost.total_gbp"] == pytest.approx(sum(hl[f"cost.{i}_gbp"] for i in ITEMS))
    w = model.sc.run.warmup_months
    assert res.monthly["cost_gbp"][w:].sum() == pytest.approx(hl["cost.total_gbp"])
    edges = model.cal.month_edges()
    years = (edges[-1] - edges[w]) / 365.25  # the window's length in days, as every "a year" metric uses
    assert hl["cost.total_gbp_per_year"] == pytest.approx(hl["cost.total_gbp"] / years)


def test_prison_is_priced_by_place_years_by_hand(priced):
    model, res = priced
    edges = model.cal.month_edges()
    w = model.sc.run.warmup_months
    place_years = (res.monthly["prison_population_end"] * np.diff(edges) / 365.25)[w:].sum()
    assert res.headline["cost.prison_gbp"] == pytest.approx(place_years * model.sc.costs.prison_place_year)


def test_discounting_divides_year_k_by_one_plus_the_rate_to_the_k():
    sc = scenario("status-quo", costs__discount_rate=0.035)
    by_item = {item: np.full(30, 100.0 if item == "prison" else 0.0) for item in ITEMS}  # 6 warm-up + 24 months
    out = headline_costs(sc, by_item, 6, 2.0)
    assert out["cost.total_gbp"] == pytest.approx(2400.0)
    assert out["cost.total_discounted_gbp"] == pytest.approx(1200.0 + 1200.0 / 1.035)
    flat = headline_costs(scenario("status-quo", costs__discount_rate=0.0), by_item, 6, 2.0)
    assert flat["cost.total_discounted_gbp"] == pytest.approx(flat["cost.total_gbp"])


def test_a_comparison_gives_each_year_s_cost_and_the_paired_net_cost(tmp_path):
    import pandas as pd

    from sim import api

    cmp = api.compare("status-quo", "justice-2019", reps=3, years=1.5, workers=1, out=tmp_path / "c",
                      overrides={"arrivals.per_month": 120, "forensics.examiners": 12})
    rows = cmp.data["costs_by_year"]
    assert [(r["year"], r["months"]) for r in rows] == [(1, 12), (2, 6)]
    w = cmp.runs["status-quo"].scenario.run.warmup_months
    base = [r.monthly["cost_gbp"][w:w + 12].sum() for r in cmp.runs["status-quo"].results]
    other = [r.monthly["cost_gbp"][w:w + 12].sum() for r in cmp.runs["justice-2019"].results]
    assert rows[0]["status-quo"]["mean"] == pytest.approx(np.mean(base))
    assert rows[0]["justice-2019"]["diff"]["mean"] == pytest.approx(np.mean(np.subtract(other, base)))
    total = cmp.data["metrics"]["cost.total_gbp"]["justice-2019"]["diff"]["mean"]
    assert sum(r["justice-2019"]["diff"]["mean"] for r in rows) == pytest.approx(total)  # the years add to the total
    table = pd.read_csv(tmp_path / "c" / "costs_by_year.csv")
    assert len(table) == 4 and table["diff_mean"].isna().sum() == 2
    added = pd.read_csv(tmp_path / "c" / "added_load.csv")
    late = added[(added.metric == "court.late_prosecution_sitting_days") & (added.scenario == "justice-2019")]
    late_diff = cmp.data["metrics"]["court.late_prosecution_sitting_days"]["justice-2019"]["diff"]["mean"]
    assert late.diff_mean.item() == pytest.approx(late_diff) and late_diff > 0  # the status quo has none
    assert added[added.scenario == "status-quo"].diff_mean.isna().all()
    assert {"cost.total_gbp", "scheme.facilitator_hours"} <= set(added.metric)


def test_compare_prints_the_added_load_table(tmp_path, capsys):
    from sim.cli import main

    assert main(["compare", "status-quo", "justice-2019", "--reps", "2", "--years", "1", "--workers", "1",
                 "--out", str(tmp_path / "c"), "--set", "arrivals.per_month=120",
                 "--set", "forensics.examiners=12"]) == 0
    out = capsys.readouterr().out
    head = out.index("added load elsewhere and cost")
    table = out[head:out.index("how fast", head)]
    assert "court.late_prosecution_sitting_days" in table and "sitting days, 1-yr total" in table
    assert "scheme.facilitator_hours" in table and "cost.total_gbp" in table
    assert max(len(line) for line in table.splitlines()) <= 80
