"""How many replications are enough: the confidence-interval method with the Hoad-Robinson-Davies
look-ahead.

After each replication (in replication order), every target metric's 95% confidence-interval
half-width is compared with ``precision`` times the absolute value of its mean. The first
replication count at which all targets are precise enough is a candidate; it is accepted once the
condition has held for ``look_ahead`` further replications (Hoad, Robinson and Davies 2010), which
guards against stopping on a lucky streak; the results then use the replications up to the end of
the look-ahead. A metric with no finite values is not a target; a
metric whose values are all equal is precise at once. The decision depends only on the values in
replication order, never on how replications were batched across workers.

A mean near zero makes any relative precision unreachable (a count of a rare event, a difference
that is truly nil), and the rule would run to ``max_reps`` waiting for it. So a rule may give each
metric a *floor*: the half-width is compared with ``precision`` times the larger of ``|mean|`` and
the floor, an absolute tolerance where the mean is small. :func:`metric_floor` gives the floors
of divertsim's metrics by their kind: 10 cases for counts and rates, one day or week for times,
ten percentage points for shares (at 5%: half a case, 0.05 days, half a point).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import stdtrit

from sim.results.units import kind

DEFAULT_PRECISION = 0.05
DEFAULT_MIN_REPS = 3
DEFAULT_LOOK_AHEAD = 5
DEFAULT_MAX_REPS = 200
#: most replications of one run (the scenario's own bound on run.replications)
MAX_REPS = 100_000


#: the floor of each kind of metric (see the module's docstring)
FLOORS: dict[str, float] = {"total": 10.0, "level": 10.0, "rate": 10.0, "time": 1.0, "share": 0.1}


def metric_floor(name: str) -> float:
    """The floor of a target named ``metric`` or ``scenario: metric``."""
    return FLOORS[kind(name.rsplit(": ", 1)[-1])]


def relative_half_width(values: Sequence[float], level: float = 0.95, floor: float = 0.0) -> float:
    """CI half-width over the larger of |mean| and ``floor``, of the finite values (0 when all equal,
    inf when undefined)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return math.inf
    sd = float(np.std(x, ddof=1))
    if sd == 0.0:
        return 0.0
    mean = max(abs(float(np.mean(x))), floor)
    if mean == 0.0:
        return math.inf
    return float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n) / mean


@dataclass
class Decision:
    """The outcome of the stopping rule on the replications so far."""

    stop: bool
    replications: int  # how many replications the result uses (the first ones, in order)
    reason: str
    imprecise: list[str] = field(default_factory=list)  # targets not yet within precision


@dataclass
class StoppingRule:
    precision: float = DEFAULT_PRECISION
    min_reps: int = DEFAULT_MIN_REPS
    look_ahead: int = DEFAULT_LOOK_AHEAD
    max_reps: int = DEFAULT_MAX_REPS
    #: each target's floor (none when not given: a purely relative rule)
    floor: Callable[[str], float] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.precision < 1:
            raise ValueError("precision must be between 0 and 1 (a share of the mean, e.g. 0.05)")
        if not max(2, self.min_reps) <= self.max_reps <= MAX_REPS:
            raise ValueError(
                f"max_reps must be between {max(2, self.min_reps)} and {MAX_REPS:,} (got {self.max_reps:,})"
            )

    def widths(self, series: Mapping[str, Sequence[float]], n: int) -> dict[str, float]:
        """Each target's relative half-width over its first ``n`` values (targets with none finite left out)."""
        out = {}
        for name, values in series.items():
            head = values[:n]
            if any(math.isfinite(v) for v in head):
                out[name] = relative_half_width(head, floor=self.floor(name) if self.floor else 0.0)
        return out

    def _imprecise(self, series: Mapping[str, Sequence[float]], n: int) -> list[str]:
        return [name for name, w in self.widths(series, n).items() if w > self.precision]

    def decide(self, series: Mapping[str, Sequence[float]]) -> Decision:
        """Apply the rule to per-metric values in replication order (all of equal length)."""
        lengths = {len(v) for v in series.values()}
        if len(lengths) > 1:
            raise ValueError("every metric needs one value per replication")
        n_have = lengths.pop() if lengths else 0
        candidate = None
        for n in range(max(2, self.min_reps), n_have + 1):
            ok = not self._imprecise(series, n)
            if ok and candidate is None:
                candidate = n
            elif not ok:
                candidate = None
            if candidate is not None and n - candidate >= self.look_ahead:
                return Decision(
                    True,
                    n,
                    f"every target within {self.precision:.0%} of its mean from {candidate} replications, "
                    f"confirmed over {self.look_ahead} more",
                )
        if n_have >= self.max_reps:
            n = self.max_reps
            still = self._imprecise(series, n)
            if not still:
                return Decision(True, n, f"every target within {self.precision:.0%} at the maximum of {n} replications")
            return Decision(
                True,
                n,
                f"stopped at the maximum of {n} replications; {len(still)} target(s) not within {self.precision:.0%}: "
                + ", ".join(still[:3])
                + (f" and {len(still) - 3} more" if len(still) > 3 else ""),
                still,
            )
        return Decision(
            False, n_have, "more replications needed", self._imprecise(series, n_have) if n_have >= 2 else []
        )

    def next_batch(self, n_have: int, workers: int) -> int:
        """How many replications to add next: enough to keep the workers busy, never past the maximum."""
        want = max(self.min_reps + self.look_ahead - n_have, workers, 1)
        return max(0, min(want, self.max_reps - n_have))
