"""Calibration targets: published figures a scenario should reproduce, and the check against them.

A targets file names, for each figure, the model metric it is compared with, the published value
and the band the model's mean must fall in (``low``/``high``, or ``value`` with a relative
``tolerance``), its unit, its source and a note on how the counting units of the source and the
model relate. The model's mean and 95% confidence interval come from replications over the first
``years`` reported years.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ScenarioError
from .loading import format_loc, problem_text
from .reading import read_toml
from .metrics import HEADLINE, RepResult
from .stats import summarise

#: most replications a targets file or ``--reps`` may ask for
MAX_TARGET_REPS = 10_000


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    metric: str
    value: float | None = Field(None, allow_inf_nan=False)
    tolerance: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    low: float | None = Field(None, allow_inf_nan=False)
    high: float | None = Field(None, allow_inf_nan=False)
    unit: str
    source: str
    units: str = ""

    @model_validator(mode="after")
    def _band(self) -> "Target":
        if self.metric not in HEADLINE:
            raise ValueError(f"metric '{self.metric}' is not a headline metric")
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
    def _some(self) -> "Targets":
        if not self.targets:
            raise ValueError("targets: name at least one target")
        return self


def load_targets(path: Path) -> Targets:
    data = read_toml(Path(path), "a targets file")
    try:
        return Targets.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(str(path), format_loc(err["loc"]) or None, problem_text(err)) from None


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
        return {"target": self.name, "metric": self.target.metric, "mean": self.mean, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "low": lo, "high": hi, "unit": self.target.unit, "within": self.within,
                "source": self.target.source, "units": self.target.units}


def check(targets: Targets, results: list[RepResult]) -> list[Check]:
    out = []
    for name, t in targets.targets.items():
        s = summarise(r.headline[t.metric] for r in results)
        out.append(Check(name, t, s["mean"], s["ci_low"], s["ci_high"]))
    return out
