"""Every metric a table prints has a unit read from its name, and the kind of figure it is."""

import pytest

from sim.results.metrics import HEADLINE
from sim.results.units import kind, percent_change, unit


@pytest.mark.parametrize(
    ("metric", "expected", "what"),
    [
        ("court.receipts_per_year", "cases a year", "rate"),
        ("police.arrests_per_month", "cases a month", "rate"),
        ("court.receipts", "cases, 10-yr total", "total"),
        ("court.crown.sitting_days_used", "sitting days, 10-yr total", "total"),
        ("scheme.facilitator_hours", "hours, 10-yr total", "total"),
        ("court.crown.wait_weeks_median", "weeks", "time"),
        ("forensics.wait_days_mean", "days", "time"),
        ("court.crown.age_days_median_end", "days, at end", "time"),
        ("court.backlog_end", "cases at end", "level"),
        ("prison.population_end", "people at end", "level"),
        ("cases.open_at_start", "cases at start", "level"),
        ("sentence.custody_share", "share", "share"),
        ("court.crown.list.utilisation", "share of time", "share"),
        ("court.crown.list.open_over_1y_share_end", "share at end", "share"),
        ("reoffending.per_1000_person_years", "per 1,000 person-years", "rate"),
        ("court.crown.sitting_days_freed_share_of_capacity", "share of capacity", "share"),
    ],
)
def test_a_metric_s_unit_and_kind_come_from_its_name(metric, expected, what):
    assert unit(metric, 10) == expected
    assert kind(metric) == what


def test_every_headline_metric_has_a_unit_and_only_counts_fall_to_the_default():
    for metric in HEADLINE:
        assert unit(metric, 10)
        if kind(metric) == "total" and unit(metric, 10).startswith("cases"):
            # the default rule: a count of cases over the reported years; nothing else may land here
            assert not any(w in metric for w in ("wait", "share", "utilisation", "_end", "per_", "hours", "days"))


def test_a_total_without_a_horizon_says_total():
    assert unit("court.receipts") == "cases, total"


def test_percent_change_is_the_difference_over_the_base_and_undefined_at_zero():
    assert percent_change(-50.0, 200.0) == -0.25
    assert percent_change(5.0, -10.0) == 0.5
    assert percent_change(1.0, 0.0) is None and percent_change(None, 3.0) is None
