import datetime as dt

import numpy as np
import pytest
from hypothesis import given, strategies as st

from sim.engine.calendar import Calendar, add_months, level_by_day, servers_by_day, sitting_days_to_rooms, working_mask


def test_calendar_months_are_real_months():
    cal = Calendar(dt.date(2018, 1, 1), 3)
    assert cal.month_edges().tolist() == [0, 31, 59, 90]
    assert cal.month_labels() == ["2018-01", "2018-02", "2018-03"]
    assert cal.horizon == 90


def test_leap_february():
    cal = Calendar(dt.date(2020, 2, 1), 1)
    assert cal.horizon == 29


def test_add_months_clamps():
    assert add_months(dt.date(2018, 1, 31), 1) == dt.date(2018, 2, 28)
    assert add_months(dt.date(2018, 11, 15), 3) == dt.date(2019, 2, 15)


def test_working_mask_weekdays():
    cal = Calendar(dt.date(2018, 1, 1), 1)  # a Monday
    m = working_mask(cal, 5)
    assert m[:7].tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert working_mask(cal, 7).sum() == 31


def test_integer_level_exact_every_working_day():
    cal = Calendar(dt.date(2018, 1, 1), 12)
    counts = servers_by_day(level_by_day(cal, 4.0), working_mask(cal, 5))
    mask = working_mask(cal, 5)
    assert all(c == 4 for c, w in zip(counts, mask) if w)
    assert all(c == 0 for c, w in zip(counts, mask) if not w)


@given(st.floats(0.0, 50.0), st.integers(1, 7))
def test_fractional_level_total_is_exact(level, days_per_week):
    cal = Calendar(dt.date(2018, 1, 1), 6)
    mask = working_mask(cal, days_per_week)
    lv = level_by_day(cal, level)
    counts = servers_by_day(lv, mask)
    assert all(int(np.floor(level)) <= c <= int(np.ceil(level)) for c, w in zip(counts, mask) if w)
    assert abs(sum(counts) - float((lv * mask).sum())) < 1.0 + 1e-6


def test_schedule_changes_level_from_month():
    cal = Calendar(dt.date(2018, 1, 1), 3)
    lv = level_by_day(cal, 2.0, [(1, 5.0)])
    assert lv[0] == 2.0 and lv[30] == 2.0 and lv[31] == 5.0 and lv[-1] == 5.0


def test_sitting_days_to_rooms_round_trip():
    per_month = np.array([300.0])
    rooms = sitting_days_to_rooms(per_month, 5)
    cal = Calendar(dt.date(2018, 1, 1), 120)
    counts = servers_by_day(level_by_day(cal, float(rooms[0])), working_mask(cal, 5))
    assert sum(counts) / 120 == pytest.approx(300, rel=0.002)


def test_run_must_have_a_month():
    with pytest.raises(ValueError):
        Calendar(dt.date(2018, 1, 1), 0)
