"""Figures as text, at the precision a reader needs: one way for the console, the app and the reports."""

from __future__ import annotations


def number(x: float | None) -> str:
    """A figure at the precision a reader needs: thousands whole, tens to one place, small ones to three."""
    if x is None:
        return "-"
    if x == 0:
        return "0"  # none at all: no decimals to suggest a small figure rounded
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def _scale(x: float) -> tuple[float, str, int]:
    """(divisor, suffix, decimals) that fit a large figure in a column: millions from 1,000,000,
    thousands from 100,000, else none."""
    if abs(x) >= 1e6:
        return 1e6, "m", 2
    if abs(x) >= 1e5:
        return 1e3, "k", 1
    return 1.0, "", 0


def with_ci(mean: float | None, low: float | None, high: float | None) -> str:
    """``mean ± half-width`` at the mean's precision (in thousands ``k`` from 100,000 and millions
    ``m`` from 1,000,000, so that costs fit their column), or the mean alone without an interval."""
    if mean is None:
        return "-"
    half = None if low is None or high is None else (high - low) / 2
    scale, suffix, places = _scale(max(abs(mean), half or 0.0))  # the wider of the two sets the unit
    if suffix:
        shown = f"{mean / scale:,.{places}f}{suffix}"
        return shown if half is None else f"{shown} ± {half / scale:,.{places}f}{suffix}"
    if half is None:
        return number(mean)
    places = 0 if abs(mean) >= 1000 or half == 0 == mean else 1 if abs(mean) >= 10 else 3
    return f"{number(mean)} ± {half:,.{places}f}"


def number_short(x: float | None) -> str:
    """A figure in at most about eight characters (k and m for large ones), for narrow year columns."""
    if x is None:
        return "-"
    scale, suffix, places = _scale(x)
    return f"{x / scale:,.{places}f}{suffix}" if suffix else number(x)
