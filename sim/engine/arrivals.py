"""Arrival times: non-homogeneous Poisson processes by inversion of the cumulative rate.

A unit-rate Poisson process (cumulative sums of Exp(1) draws from one stream) is mapped through
the inverse of the cumulative intensity Λ(t). Two scenarios with different rates therefore move
the *same* underlying points: a higher rate adds arrivals between existing ones instead of
reshuffling them, which keeps paired comparisons of arrival-rate sweeps tight (common random
numbers). The rate is piecewise constant by day: the monthly rate of the day's calendar month
(base, or the schedule's step), times ``(1 + annual_growth) ** years_elapsed``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from sim.engine.calendar import DAYS_PER_MONTH, Calendar


def daily_rates(
    cal: Calendar, per_month: float, annual_growth: float = 0.0, schedule: Sequence[tuple[int, float]] = ()
) -> np.ndarray:
    """Expected arrivals per day on each model day."""
    edges = cal.month_edges().astype(np.int64)
    monthly = np.full(cal.months, float(per_month))
    for from_month, value in sorted(schedule):
        if from_month < cal.months:
            monthly[from_month:] = value
    days = np.arange(cal.days)
    month_of_day = np.searchsorted(edges, days, side="right") - 1
    growth = (1.0 + annual_growth) ** ((days + 0.5) / 365.25)
    return monthly[month_of_day] / DAYS_PER_MONTH * growth


def arrival_times(
    rates: np.ndarray, gen: np.random.Generator, deterministic: bool = False, block: int = 4096
) -> Iterator[list[float]]:
    """Arrival times over ``[0, len(rates))`` days, in order, as lists of up to ``block`` times.

    Drawn a block at a time, so memory stays bounded on long runs, and handed over as lists, so
    the model takes each time by indexing rather than by resuming a generator per arrival.
    """
    cum = np.concatenate(([0.0], np.cumsum(rates)))
    total = cum[-1]
    if total <= 0:
        return
    e = 0.0
    k = 0
    while True:
        if deterministic:
            points = k + 0.5 + np.arange(block, dtype=float)
            k += block
        else:
            points = e + np.cumsum(gen.exponential(1.0, block))
            e = float(points[-1])
        points = points[points < total]
        if len(points):
            day = np.searchsorted(cum, points, side="right") - 1
            times = day + (points - cum[day]) / rates[day]
            yield times.tolist()
        if len(points) < block:
            return
