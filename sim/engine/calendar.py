"""Model time: days from the scenario's start date, reported by calendar month.

Time in the model is a float number of days since ``run.start_date``. Results are reported per
calendar month (January has 31 days, February 28 or 29), so month boundaries are real dates.

Capacity is given the way users speak of it (examiners, sitting days per month, optionally changing
from a given month) and turned here into an integer number of servers sitting on each day. Weekends
carry no capacity when a pool works five days a week. A fractional level (9.35 courtrooms a day) is
spread over days so that the running total is exact: Bresenham-style rounding gives 9 rooms on some
days and 10 on others, never drifting from the requested total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DAYS_PER_MONTH = 365.25 / 12.0


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month ``months`` later, clamped to the month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover


@dataclass(frozen=True)
class Calendar:
    """Calendar months and days of one run."""

    start: dt.date
    months: int

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError("a run lasts at least one month")

    @property
    def end(self) -> dt.date:
        return add_months(self.start, self.months)

    @property
    def horizon(self) -> float:
        """Length of the run in days."""
        return float((self.end - self.start).days)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def month_edges(self) -> np.ndarray:
        """Day offsets of each reporting month's start, plus the horizon (``months + 1`` values).

        Months are calendar months: the first one starts on ``start`` and each later one on the
        same day-of-month (the 1st when the run starts on the 1st, which the shipped scenarios do).
        """
        return np.array([(add_months(self.start, k) - self.start).days for k in range(self.months + 1)], dtype=float)

    def month_labels(self) -> list[str]:
        return [add_months(self.start, k).strftime("%Y-%m") for k in range(self.months)]

    def weekday(self, day: int) -> int:
        """Weekday of model day ``day`` (Monday = 0)."""
        return (self.start.weekday() + day) % 7

    def day_of_month_index(self, day_offset: float) -> int:
        """Which reporting month a model time falls in (0-based)."""
        edges = self.month_edges()
        return int(np.searchsorted(edges, day_offset, side="right") - 1)


def working_mask(cal: Calendar, days_per_week: int) -> np.ndarray:
    """1 on the days a pool works (Monday first), 0 otherwise, one entry per model day."""
    if not 1 <= days_per_week <= 7:
        raise ValueError("days_per_week must be between 1 and 7")
    wd = (cal.start.weekday() + np.arange(cal.days)) % 7
    return (wd < days_per_week).astype(np.int64)


def level_by_day(cal: Calendar, base: float, schedule: Sequence[tuple[int, float]] = ()) -> np.ndarray:
    """The requested level on each model day: ``base``, replaced by each ``(from_month, value)``."""
    edges = cal.month_edges().astype(np.int64)
    per_month = np.full(cal.months, float(base))
    for from_month, value in sorted(schedule):
        if from_month < cal.months:
            per_month[max(from_month, 0) :] = value
    month_of_day = np.searchsorted(edges, np.arange(cal.days), side="right") - 1
    return per_month[month_of_day]


def servers_by_day(level: np.ndarray, mask: np.ndarray) -> list[int]:
    """Integer servers sitting each day for a fractional daily ``level`` on working days.

    On working days the count is ``floor(level)`` or ``ceil(level)``, chosen so that the running
    total never differs from the running sum of ``level`` by a whole server; on other days it is 0.
    An integer level gives exactly that many servers every working day.
    """
    daily = np.where((mask != 0) & (level > 0), level, 0.0)
    # a running sum is sequential in NumPy, as in a loop: the totals are the loop's to the last bit
    total = np.floor(np.cumsum(daily) + 1e-9).astype(np.int64)
    counts = np.diff(total, prepend=0)
    return counts.tolist()  # type: ignore[no-any-return]


def sitting_days_to_rooms(sitting_days_per_month: np.ndarray, days_per_week: int) -> np.ndarray:
    """Rooms sitting on each working day for an average monthly allocation of sitting days."""
    working_days_per_month = DAYS_PER_MONTH * days_per_week / 7.0
    return sitting_days_per_month / working_days_per_month
