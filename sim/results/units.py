"""What each metric counts and in what unit, so that every printed row says so.

A metric's name already says what it is (``court.crown.wait_weeks_median``); this module reads the
unit and the kind of figure from it, by rules over the name's ending, so that a new metric gets a
unit without a table to keep in step. ``tests/test_units.py`` checks that every headline and freed-days
metric gets one, and that no rule falls through to a wrong kind.

The kinds matter when a figure is read: a *total* is summed over the reported horizon (after the
warm-up), a *rate* is per year or per month, a *level* is a stock at a moment (the end of the run
unless the name says otherwise), a *time* is a wait or an age, a *share* is a fraction (shown as a
percentage).
"""

from __future__ import annotations

from typing import Final, Literal

Kind = Literal["total", "rate", "level", "time", "share"]

#: (name ending or fragment, unit, kind), first match wins; fragments are matched after endings
_ENDINGS: Final[tuple[tuple[str, str, Kind], ...]] = (
    ("_gbp_per_year", "GBP a year", "rate"),
    ("_gbp", "GBP", "total"),
    ("per_1000_person_years", "per 1,000 person-years", "rate"),
    ("_per_year", "cases a year", "rate"),
    ("_per_month", "cases a month", "rate"),
    ("_share_of_capacity", "share of capacity", "share"),
    ("_share_end", "share at end", "share"),
    ("_share", "share", "share"),
    ("utilisation", "share of time", "share"),
    ("age_days_median_end", "days, at end", "time"),
    ("open_over_1y_end", "cases at end", "level"),
    ("population_end", "people at end", "level"),
    ("_end", "cases at end", "level"),
    ("open_at_start", "cases at start", "level"),
)
_FRAGMENTS: Final[tuple[tuple[str, str, Kind], ...]] = (
    ("wait_days", "days", "time"),
    ("wait_weeks", "weeks", "time"),
    ("hours", "hours", "total"),
    ("sitting_days", "sitting days", "total"),
)


def kind(metric: str) -> Kind:
    """The kind of figure ``metric`` is (see the module's docstring)."""
    return _rule(metric)[1]


def unit(metric: str, years: float | None = None) -> str:
    """The unit to print beside ``metric``; totals say the horizon they sum over when ``years`` is given."""
    text, k = _rule(metric)
    if k == "total":
        return f"{text}, {years:g}-yr total" if years is not None else f"{text}, total"
    return text


def _rule(metric: str) -> tuple[str, Kind]:
    for ending, text, k in _ENDINGS:
        if metric.endswith(ending):
            return text, k
    for fragment, text, k in _FRAGMENTS:
        if fragment in metric:
            return text, k
    return "cases", "total"


def percent_change(diff: float | None, base: float | None) -> float | None:
    """``diff`` as a share of ``base`` (None when the base is zero or either is missing)."""
    if diff is None or base is None or base == 0.0:
        return None
    return diff / abs(base)
