"""Summaries across replications: mean, standard deviation and a t-based 95% confidence interval."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy.special import stdtrit  # Student t quantile; far lighter to import than scipy.stats


def summarise(values: Iterable[float], level: float = 0.95) -> dict[str, float | int | None]:
    """``{mean, ci_low, ci_high, sd, n}`` of the finite values (NaN marks "not applicable").

    With fewer than two values there is no interval, and ``ci_low``/``ci_high``/``sd`` are None.
    """
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[np.isfinite(x)]
    n = int(len(x))
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "sd": None, "n": 0}
    mean = float(np.mean(x))
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "sd": None, "n": n}
    sd = float(np.std(x, ddof=1))
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd, "n": n}
