"""The month of a recorded time by a table of days is exactly the binary search it replaces."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.calendar import Calendar
from sim.results.edges import edges_at_or_before

START = dt.date(2018, 1, 1)


def month_edges(months: int, start: dt.date = START) -> np.ndarray:
    return Calendar(start, months).month_edges()


times_st = st.lists(
    st.one_of(
        st.floats(-400.0, 5000.0),
        st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, -0.5, 31.0, 30.999999999, 1e300, -1e300]),
    ),
    min_size=1,
    max_size=300,
)


@settings(max_examples=25, deadline=None)
@given(times=times_st, months=st.integers(1, 130), day=st.integers(1, 28))
def test_the_table_gives_the_binary_search_counts(times, months, day):
    edges = month_edges(months, dt.date(2017, 3, day))
    # repeated past the size from which the table is used; a shift per copy makes them differ
    t = np.resize(np.array(times), 5000) + np.repeat(np.arange(5000 // len(times) + 1) * 7.3, len(times))[:5000]
    assert np.array_equal(edges_at_or_before(edges, t), np.searchsorted(edges, t, side="right"))


def test_times_on_and_around_every_edge():
    edges = month_edges(126)
    t = np.concatenate([edges, edges - 1e-9, edges + 1e-9, edges - 0.5, edges + 0.5] * 10)
    got = edges_at_or_before(edges, t)
    assert len(t) >= 4096  # the table, not the fallback
    assert np.array_equal(got, np.searchsorted(edges, t, side="right"))


def test_edges_that_are_not_whole_days_fall_back_to_the_search():
    edges = np.array([0.0, 10.5, 20.25, 40.0])
    t = np.linspace(-5, 45, 5000)
    assert np.array_equal(edges_at_or_before(edges, t), np.searchsorted(edges, t, side="right"))
    shifted = np.array([3.0, 10.0, 20.0])  # whole days, but not from day 0
    assert np.array_equal(edges_at_or_before(shifted, t), np.searchsorted(shifted, t, side="right"))
