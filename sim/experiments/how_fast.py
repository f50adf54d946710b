"""How fast a policy acts: its paired difference from the base month by month, year by year, and
the time it takes to reach half and nine tenths of its long-run effect.

The times below count from the policy's start (``decision.policy_start_month`` of the policy's
scenario; month 0 is the run's first month, the start of the warm-up), and a phase-in
(``decision.phase_in_months``) is part of how fast it acts. Every figure is paired by replication
on common random numbers, as in :mod:`sim.experiments.compare`:

- **monthly**: per month and series, the mean of the replications' differences (policy - base)
  and its 95% t interval;
- **by year**: per reported year (after the warm-up, twelve months at a time, a last part year
  marked), the difference of each flow's total and of each stock's level at the year's end;
- **time to 50% and 90%**: the long-run effect is the mean difference over the last twelve
  months; the time to a share of it is the first month whose centred five-month moving mean of
  the difference reaches that share of the long-run effect (a monthly difference is too noisy to
  read one month at a time; a rule that it must stay there to the end mistakes noise near the
  end for a slow effect). Its 95% interval
  resamples the replications (percentile bootstrap, ``RESAMPLES`` times, a fixed seed). A series
  whose long-run effect is within its own noise (its CI spans zero) gets no time: it has no
  effect to reach.

Illustrative: differences of aggregate flows and stocks, never of any person's outcome.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from sim.results.metrics import RepResult
from sim.results.stats import summarise

#: the series followed, and whether each is a flow (summed over a year) or a stock (read at its end)
SERIES: Final = (
    ("court_receipts", "flow"),
    ("crown_receipts", "flow"),
    ("court_disposals", "flow"),
    ("magistrates_sitting_days_used", "flow"),
    ("crown_sitting_days_used", "flow"),
    ("cost_gbp", "flow"),
    ("court_backlog_end", "stock"),
    ("crown_backlog_end", "stock"),
    ("forensic_queue_end", "stock"),
    ("prison_population_end", "stock"),
)
SHARES: Final = (0.5, 0.9)
RESAMPLES: Final = 200
#: months averaged for the long-run effect, and in the moving mean the times are read from
LONG_RUN_MONTHS: Final = 12
SMOOTH_MONTHS: Final = 5


def _diffs(base: list[RepResult], other: list[RepResult], series: str) -> np.ndarray:
    """Replications x months of ``other - base``."""
    return np.array([o.monthly[series] - b.monthly[series] for b, o in zip(base, other)], dtype=float)


def monthly(base: list[RepResult], other: list[RepResult], labels: list[str]) -> list[dict[str, Any]]:
    """One row per series and month: the paired difference's mean and 95% CI."""
    rows = []
    for series, _ in SERIES:
        d = _diffs(base, other, series)
        for m, label in enumerate(labels):
            s = summarise(d[:, m].tolist())
            rows.append({"series": series, "month": m, "label": label, "mean": s["mean"], "ci_low": s["ci_low"],
                         "ci_high": s["ci_high"]})  # fmt: skip
    return rows


def year_spans(warmup_months: int, months: int) -> list[tuple[int, int]]:
    """The reported years as (first month, month after the last): twelve months at a time after the
    warm-up, the last one possibly part of a year."""
    return [(start, min(start + 12, months)) for start in range(warmup_months, months, 12)]


def by_year(base: list[RepResult], other: list[RepResult], warmup_months: int) -> list[dict[str, Any]]:
    """One row per reported year and series: the paired difference of the year's total (a flow) or
    of its closing level (a stock)."""
    months = len(base[0].monthly[SERIES[0][0]]) if base else 0
    rows = []
    for k, (start, stop) in enumerate(year_spans(warmup_months, months)):
        for series, kind in SERIES:
            d = _diffs(base, other, series)
            values = d[:, start:stop].sum(axis=1) if kind == "flow" else d[:, stop - 1]
            s = summarise(values.tolist())
            rows.append({"year": k + 1, "months": stop - start, "series": series, "kind": kind, "mean": s["mean"],
                         "ci_low": s["ci_low"], "ci_high": s["ci_high"]})  # fmt: skip
    return rows


def time_to(d: np.ndarray, share: float) -> float | None:
    """Months from month 0 until the smoothed mean difference of ``d`` (replications x months) first
    reaches ``share`` of its long-run effect; None if there is no effect to reach."""
    mean = d.mean(axis=0)
    months = len(mean)
    if months < LONG_RUN_MONTHS + SMOOTH_MONTHS:
        return None
    effect = float(mean[-LONG_RUN_MONTHS:].mean())
    if effect == 0.0:
        return None
    smooth = np.convolve(mean, np.ones(SMOOTH_MONTHS) / SMOOTH_MONTHS, mode="valid")  # centred on month i + 2
    reached = np.flatnonzero(smooth * np.sign(effect) >= share * abs(effect))
    if not len(reached):
        return None
    return float(reached[0] + SMOOTH_MONTHS // 2)


def how_fast(
    base: list[RepResult], other: list[RepResult], warmup_months: int, start_month: int = 0, seed: int = 0
) -> dict[str, Any]:
    """Everything above for one policy against the base, as comparison.json holds it (the monthly
    rows go to their own table); times count from ``start_month``."""
    return {
        "policy_start_month": start_month,
        "times": times(base, other, seed, start_month),
        "by_year": by_year(base, other, warmup_months),
    }


def times(
    base: list[RepResult], other: list[RepResult], seed: int = 0, start_month: int = 0
) -> dict[str, dict[str, Any]]:
    """Per series: the long-run effect (mean and CI) and the months from ``start_month`` to each
    share of it, with a bootstrap 95% interval (None where the long-run effect's CI spans zero)."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, Any]] = {}
    for series, _ in SERIES:
        d = _diffs(base, other, series)[:, start_month:]
        n = len(d)
        long_run = summarise(d[:, -LONG_RUN_MONTHS:].mean(axis=1).tolist()) if n else summarise([])
        entry: dict[str, Any] = {"long_run_effect_per_month": long_run}
        lo, hi = long_run["ci_low"], long_run["ci_high"]
        clear = lo is not None and hi is not None and (lo > 0 or hi < 0)
        for share in SHARES:
            key = f"months_to_{int(share * 100)}pct"
            point = time_to(d, share) if clear else None
            if point is None:
                entry[key] = {"months": None, "ci_low": None, "ci_high": None}
                continue
            boot = [time_to(d[rng.integers(0, n, n)], share) for _ in range(RESAMPLES)]
            found = np.array([b for b in boot if b is not None], dtype=float)
            low, high = (
                (float(np.percentile(found, 2.5)), float(np.percentile(found, 97.5))) if len(found) else (None, None)
            )
            entry[key] = {"months": point, "ci_low": low, "ci_high": high, "resamples_reaching": len(found)}
        out[series] = entry
    return out
