"""Year-by-year inputs: each year's value takes effect from that year's first month, and no earlier."""

import numpy as np
import pytest

from helpers import run, scenario
from sim.errors import ScenarioError
from sim.inputs.loading import load_scenario
from sim.results.metrics import compute
from sim.inputs.scenario import Scenario


def _history(start: str, year_starts: str, inputs: dict) -> Scenario:
    return Scenario.model_validate({"run": {"start_date": start, "years": 4},
                                    "history": {"year_starts": year_starts, "inputs": inputs}})


def test_financial_years_begin_in_april():
    sc = _history("2015-10-01", "april", {"court.crown.sitting_days_per_month": {"2015": 9000, "2016": 8900, "2017": 8500}})
    assert sc.steps("court.crown.sitting_days_per_month") == [(0, 9000), (6, 8900), (18, 8500)]


def test_calendar_years_begin_in_january_and_the_latest_year_before_the_start_holds():
    sc = _history("2016-03-01", "january", {"arrivals.per_month": {"2014": 10, "2016": 30, "2015": 20, "2018": 40}})
    assert sc.steps("arrivals.per_month") == [(0, 30), (22, 40)]


def test_inputs_without_history_read_their_schedule():
    sc = Scenario.model_validate({"forensics": {"schedule": [{"from_month": 3, "value": 7}]}})
    assert sc.steps("forensics.examiners") == [(3, 7.0)]
    assert sc.steps("arrivals.per_month") == []


@pytest.mark.parametrize("sets, words", [
    (['history.inputs={"scheme.facilitators" = {"2018" = 3}}'], "cannot be given by year"),
    (['history.inputs={"arrivals.per_month" = {"18" = 3}}'], "is not a year"),
    (['history.inputs={"arrivals.per_month" = {"2018" = -3}}'], "not a count"),
    (['history.year_starts="july"'], "history.year_starts"),
    (['history.inputs={"forensics.examiners" = {"2018" = 3}}', 'forensics.schedule=[{from_month = 2, value = 4}]'],
     "one or the other"),
])
def test_bad_history_is_refused(sets, words):
    with pytest.raises(ScenarioError, match=words):
        load_scenario("status-quo", sets)


def test_a_years_input_takes_effect_in_that_year():
    """Sitting days and arrivals given by financial year change in April of each year, in the model."""
    sc = scenario("status-quo", factor=0.05, years=2.0)
    raw = sc.model_dump(mode="json", by_alias=True)
    raw["run"]["start_date"] = "2018-01-01"
    raw["history"] = {"year_starts": "april", "inputs": {
        "court.crown.sitting_days_per_month": {"2017": 400.0, "2018": 300.0, "2019": 200.0},
        "arrivals.per_month": {"2017": 40.0, "2018": 0.0},
    }}
    sc = Scenario.model_validate(raw)
    r = compute(run(sc))
    avail, arrivals = r.monthly["crown_sitting_days_available"], r.monthly["arrivals"]
    months = np.arange(len(avail))
    per_month = np.where(months < 3, 400.0, np.where(months < 15, 300.0, 200.0))
    assert np.allclose(avail, per_month, rtol=0.1), avail  # whole rooms on working days round a month a little
    # from April 2018 only re-entries of people already known arrive, at a few a month
    assert arrivals[:3].min() > 25 and arrivals[3:].max() <= 6, arrivals
