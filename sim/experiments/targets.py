"""Calibration targets: published figures a scenario should reproduce, and the check against them.

A targets file names, for each figure, what in the model it is compared with, the published value
and the band the model's mean must fall in (``low``/``high``, or ``value`` with a relative
``tolerance``), its unit, its source and a note on how the counting units of the source and the
model relate. The model's mean and 95% confidence interval come from replications over the first
``years`` reported years.

Each target has a ``role``. ``fit`` targets are the figures a calibration may tune parameters to;
``holdout`` targets are never fitted, so meeting them is evidence and missing them is reported, not
hidden. A target reads either a headline ``metric`` over the reported window, or a monthly
``series`` over a span of calendar ``months`` (the mean of its month values, so a stock at a
quarter's end is the span of that one month), optionally as the relative change from the span
``change_from`` (``-0.1`` is a fall of 10%).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError
from sim.inputs.loading import every_problem
from sim.inputs.reading import read_toml
from sim.results.metrics import HEADLINE, MONTHLY, RepResult
from sim.results.stats import summarise

#: most replications a targets file or ``--reps`` may ask for
MAX_TARGET_REPS = 10_000


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _month(text: str) -> dt.date:
    found = _MONTH.match(text)
    if not found:
        raise ValueError(f"'{text}' is not a month written YYYY-MM")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


Span = tuple[str, str]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    role: Literal["fit", "holdout"] = "fit"
    metric: str | None = None
    series: str | None = None
    months: Span | None = None
    change_from: Span | None = None
    value: float | None = Field(None, allow_inf_nan=False)
    tolerance: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    low: float | None = Field(None, allow_inf_nan=False)
    high: float | None = Field(None, allow_inf_nan=False)
    unit: str
    source: str
    units: str = ""

    @field_validator("months", "change_from", mode="before")
    @classmethod
    def _span(cls, v: Any) -> Any:
        if isinstance(v, list):
            v = tuple(v)
        if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v):
            first, last = (_month(x) for x in v)
            if last < first:
                raise ValueError(f"the span ends ({v[1]}) before it starts ({v[0]})")
        return v

    @model_validator(mode="after")
    def _band(self) -> Target:
        if (self.metric is None) == (self.series is None):
            raise ValueError("give a headline metric, or a monthly series with months")
        if self.metric is not None:
            if self.metric not in HEADLINE:
                raise ValueError(f"metric '{self.metric}' is not a headline metric")
            if self.months is not None or self.change_from is not None:
                raise ValueError("months and change_from go with a monthly series, not a headline metric")
        else:
            if self.series not in MONTHLY:
                raise ValueError(f"series '{self.series}' is not a monthly series")
            if self.months is None:
                raise ValueError(f'series \'{self.series}\' needs months = ["YYYY-MM", "YYYY-MM"]')
        if self.value is not None:
            if self.tolerance is None or self.low is not None or self.high is not None:
                raise ValueError("give value with tolerance, or low and high")
            if self.value == 0:
                raise ValueError("a value of 0 with a relative tolerance is a band of width 0: give low and high")
        elif self.low is None or self.high is None or not self.low < self.high:
            raise ValueError("needs value and tolerance, or low < high")
        return self

    @property
    def band(self) -> tuple[float, float]:
        if self.value is not None:
            assert self.tolerance is not None
            half = abs(self.value) * self.tolerance
            return self.value - half, self.value + half
        assert self.low is not None and self.high is not None
        return self.low, self.high

    @property
    def compared(self) -> str:
        """What in the model the target is compared with, in words."""
        if self.metric is not None:
            return self.metric
        assert self.months is not None
        span = self.months[0] if self.months[0] == self.months[1] else f"{self.months[0]} to {self.months[1]}"
        if self.change_from is None:
            return f"{self.series} ({span})"
        base = (
            self.change_from[0]
            if self.change_from[0] == self.change_from[1]
            else f"{self.change_from[0]} to {self.change_from[1]}"
        )
        return f"{self.series} change ({base} -> {span})"

    def values(self, results: list[RepResult], start: dt.date, months: int) -> list[float]:
        """The compared figure in each replication; a span outside the run is refused."""
        if self.metric is not None:
            return [r.headline[self.metric] for r in results]
        assert self.series is not None and self.months is not None

        def index(span: Span) -> slice:
            first, last = (_month(x) for x in span)
            lo = (first.year - start.year) * 12 + first.month - start.month
            hi = (last.year - start.year) * 12 + last.month - start.month
            if lo < 0 or hi >= months:
                raise ValueError(f"{span[0]} to {span[1]} is outside the run ({start:%Y-%m} for {months} months)")
            return slice(lo, hi + 1)

        now = index(self.months)
        then = index(self.change_from) if self.change_from is not None else None
        out = []
        for r in results:
            level = float(np.mean(r.monthly[self.series][now]))
            if then is None:
                out.append(level)
            else:
                before = float(np.mean(r.monthly[self.series][then]))
                out.append(level / before - 1.0 if before else float("nan"))
        return out

    @property
    def shown(self) -> str:
        lo, hi = self.band
        if self.value is not None:
            return f"{self.value:g} ± {self.tolerance:.0%} ({lo:g} to {hi:g})"
        return f"{lo:g} to {hi:g}"


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str
    description: str = ""
    years: float = Field(2.0, gt=0, le=100)
    replications: int = Field(10, ge=2, le=MAX_TARGET_REPS)
    targets: dict[str, Target]

    @model_validator(mode="after")
    def _some(self) -> Targets:
        if not self.targets:
            raise ValueError("targets: name at least one target")
        return self

    @property
    def needs_monthly(self) -> bool:
        """Whether a target reads a monthly series (replications must then keep them)."""
        return any(t.series is not None for t in self.targets.values())

    def of_role(self, role: str) -> Targets:
        """The same file with only its ``fit`` (or ``holdout``) targets: what a calibration may tune to."""
        return self.model_copy(update={"targets": {k: t for k, t in self.targets.items() if t.role == role}})


def load_targets(path: Path) -> Targets:
    data = read_toml(Path(path), "a targets file")
    try:
        return Targets.model_validate(data)
    except ValidationError as exc:
        raise every_problem(str(path), exc) from None


@dataclass(frozen=True)
class Check:
    name: str
    target: Target
    mean: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def within(self) -> bool:
        lo, hi = self.target.band
        return self.mean is not None and lo <= self.mean <= hi

    @property
    def distance(self) -> float:
        """How far the mean is from the band's centre, in half-widths of the band (<= 1: inside)."""
        lo, hi = self.target.band
        if self.mean is None:
            return float("inf")
        return abs(self.mean - (lo + hi) / 2) / ((hi - lo) / 2)

    def as_dict(self) -> dict[str, Any]:
        lo, hi = self.target.band
        return {
            "target": self.name,
            "role": self.target.role,
            "metric": self.target.compared,
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "low": lo,
            "high": hi,
            "unit": self.target.unit,
            "within": self.within,
            "source": self.target.source,
            "units": self.target.units,
        }


def check(
    targets: Targets, results: list[RepResult], start: dt.date, months: int, label: str = "targets"
) -> list[Check]:
    """Each target against the replications of a run that began at ``start`` and lasted ``months``."""
    out = []
    for name, t in targets.targets.items():
        try:
            values = t.values(results, start, months)
        except ValueError as exc:
            raise ScenarioError(label, f"targets.{name}.months", str(exc)) from None
        s = summarise(values)
        out.append(Check(name, t, s["mean"], s["ci_low"], s["ci_high"]))
    return out
