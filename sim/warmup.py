"""Warm-up and stability: when a run's key series settle, and how fast they drift after that.

The truncation point is MSER-5 (White 1997; Hoad, Robinson and Davies 2010 recommend it for
simulation warm-up): the replication-mean series is cut into batches of five months, and the
truncation ``d`` that minimises the marginal standard error of what remains,
``sum((Z_j - mean)^2) / (b - d)^2`` over the batch means ``Z_j`` after ``d``, is taken over the
first half of the batches. A minimum in the last batch of that half means the series has not
settled within the run (a queue still filling or draining), which is reported, not hidden.

Drift is the least-squares slope per year of each replication's series over the reported months
after the larger of the configured warm-up and the truncation, with a 95% t-interval across
replications and as a share of the series' mean. A queue that the evidence says was growing
(the forensic queue) is meant to drift; the table says so instead of calling it unsettled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .stats import summarise

if TYPE_CHECKING:
    from .metrics import RepResult

BATCH = 5

#: the stocks and waits whose start-up a reader needs to see, with what they are
SERIES = (
    ("forensic_queue_end", "cases waiting for examination"),
    ("crown_list_backlog_end", "Crown Court open caseload (whole list)"),
    ("magistrates_list_backlog_end", "magistrates' open caseload (whole list)"),
    ("crown_list_wait_weeks_mean", "Crown wait to the main hearing, whole list (weeks)"),
    ("court_backlog_end", "these cases in court"),
    ("scheme_waiting_end", "waiting to start the scheme"),
)

#: a series drifting by more than this share of its mean a year is named in the warnings
DRIFT_WARN = 0.05


def mser(series: Sequence[float], batch: int = BATCH) -> tuple[int, np.ndarray, bool]:
    """MSER-``batch`` of a series: (truncation in points, the statistic by truncated batches, settled).

    ``settled`` is False when the minimum falls on the last truncation allowed (half the batches),
    i.e. the series is still moving at the end of the range searched."""
    y = np.asarray(series, dtype=float)
    b = len(y) // batch
    if b < 4:
        return 0, np.zeros(0), True
    z = y[: b * batch].reshape(b, batch).mean(axis=1)
    limit = b // 2
    stat = np.empty(limit + 1)
    for d in range(limit + 1):
        rest = z[d:]
        stat[d] = float(((rest - rest.mean()) ** 2).sum()) / (b - d) ** 2
    best = int(np.argmin(stat + 1e-12 * np.arange(limit + 1)))  # ties: the earliest
    return best * batch, stat, best < limit


@dataclass(frozen=True)
class Stability:
    series: str
    label: str
    truncation_months: int
    settled: bool
    warmup_months: int
    drift_per_year: float | None
    drift_ci: tuple[float | None, float | None]
    drift_share: float | None      # drift per year over the series' mean after the cut

    @property
    def verdict(self) -> str:
        if not self.settled:
            return "still moving at the end of the range searched (see the drift)"
        if self.truncation_months > self.warmup_months:
            return f"settles after {self.truncation_months} months, later than the warm-up"
        return "settled within the warm-up"

    def as_dict(self) -> dict[str, object]:
        return {"series": self.series, "label": self.label, "truncation_months": self.truncation_months,
                "settled": self.settled, "warmup_months": self.warmup_months, "drift_per_year": self.drift_per_year,
                "drift_ci_low": self.drift_ci[0], "drift_ci_high": self.drift_ci[1], "drift_share": self.drift_share,
                "verdict": self.verdict}


def stability(results: list["RepResult"], warmup_months: int) -> list[Stability]:
    """MSER-5 truncation and drift of each key series present in the results."""
    out = []
    for key, label in SERIES:
        if not results or key not in results[0].monthly:
            continue
        runs = np.array([r.monthly[key] for r in results], dtype=float)
        if not np.isfinite(runs).all() or not runs.any():
            continue
        mean = runs.mean(axis=0)
        cut, _, settled = mser(mean)
        start = max(cut, warmup_months)
        months = runs.shape[1]
        slopes: list[float] = []
        level = float("nan")
        if months - start >= 6:
            x = np.arange(start, months) / 12.0
            slopes = [float(np.polyfit(x, run[start:], 1)[0]) for run in runs]
            level = float(runs[:, start:].mean())
        s = summarise(slopes) if slopes else {"mean": None, "ci_low": None, "ci_high": None}
        share = (s["mean"] / level) if s["mean"] is not None and level and math.isfinite(level) else None
        out.append(Stability(key, label, cut, settled, warmup_months, s["mean"], (s["ci_low"], s["ci_high"]), share))
    return out


def warnings(results: list["RepResult"], warmup_months: int) -> list[str]:
    """A settled series whose start-up outlasts the warm-up, and drift faster than DRIFT_WARN a year."""
    out = []
    for s in stability(results, warmup_months):
        if s.settled and s.truncation_months > warmup_months:
            out.append(f"warm-up: {s.label} settles after about {s.truncation_months} months (MSER-5) but "
                       f"run.warmup_months is {warmup_months}: the first reported months carry the start-up")
        if s.drift_share is not None and abs(s.drift_share) > DRIFT_WARN:
            out.append(f"drift: {s.label} moves by {s.drift_share:+.0%} of its level a year after the warm-up "
                       f"({s.drift_per_year:+,.3g} a year)")
    return out
