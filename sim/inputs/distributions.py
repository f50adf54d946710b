"""Duration distributions that a scenario file can name, each sampled in vectorised blocks.

Every duration in the model (days of delay, examiner-days of effort, hours of a hearing) is one of
these specs. A spec is plain data (``{dist = "triangular", min = 7, mode = 30, max = 180}``); a bare
number means a fixed value, which is what the deterministic oracles in the tests use. All
distributions here are non-negative: a negative duration is a validation error, never a clip.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

#: no duration in the model is longer than this (days or hours); larger values are mistakes
MAX_DURATION = 1e6
#: a gamma or lognormal's standard deviation over its mean must lie within these bounds: beyond them
#: the sampler overflows or underflows (use a fixed value for no spread)
CV_RANGE = (1e-6, 100.0)


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        fields = ", ".join(f"{k}={v:g}" for k, v in self.model_dump().items() if k != "dist")
        return f"{self.dist}({fields})"  # type: ignore[attr-defined]


class Fixed(_Dist):
    """Always the same value: for oracles with hand-computable times."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)

    @property
    def mean(self) -> float:
        return self.value


class Exponential(_Dist):
    """Memoryless; with Poisson arrivals it reduces a stage to M/M/c (queueing-theory oracles)."""

    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(alias="mean", gt=0, le=MAX_DURATION, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return gen.exponential(self.mean_, n)

    @property
    def mean(self) -> float:
        return self.mean_

    def describe(self) -> str:
        return f"exponential(mean={self.mean_:g})"


class Uniform(_Dist):
    dist: Literal["uniform"] = "uniform"
    min: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)
    max: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.max < self.min:
            raise ValueError(f"max ({self.max:g}) is below min ({self.min:g})")
        return self

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return gen.uniform(self.min, self.max, n)

    @property
    def mean(self) -> float:
        return 0.5 * (self.min + self.max)


class Triangular(_Dist):
    """The evidence file's usual shape for a range with a most-likely value (e.g. forensic waits)."""

    dist: Literal["triangular"] = "triangular"
    min: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)
    mode: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)
    max: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.min <= self.mode <= self.max):
            raise ValueError(f"needs min <= mode <= max, got {self.min:g}, {self.mode:g}, {self.max:g}")
        return self

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        if self.min == self.max:
            return np.full(n, self.min)
        return gen.triangular(self.min, self.mode, self.max, n)

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0


class Lognormal(_Dist):
    """Right-skewed durations given by their own mean and standard deviation (not the log's)."""

    dist: Literal["lognormal"] = "lognormal"
    mean_: float = Field(alias="mean", gt=0, le=MAX_DURATION, allow_inf_nan=False)
    sd: float = Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - 0.5 * sigma2, math.sqrt(sigma2)

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        if self.sd / self.mean_ > CV_RANGE[1]:
            raise ValueError(f"sd / mean must be at most {CV_RANGE[1]:g} (got {self.sd / self.mean_:.3g})")
        return self

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self._log_params()
        return gen.lognormal(mu, sigma, n)

    @property
    def mean(self) -> float:
        return self.mean_

    def describe(self) -> str:
        return f"lognormal(mean={self.mean_:g}, sd={self.sd:g})"


class Gamma(_Dist):
    dist: Literal["gamma"] = "gamma"
    mean_: float = Field(alias="mean", gt=0, le=MAX_DURATION, allow_inf_nan=False)
    sd: float = Field(gt=0, le=MAX_DURATION, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    @model_validator(mode="after")
    def _spread(self) -> Gamma:
        cv = self.sd / self.mean_
        if not CV_RANGE[0] <= cv <= CV_RANGE[1]:
            raise ValueError(
                f"sd / mean must be between {CV_RANGE[0]:g} and {CV_RANGE[1]:g} (got {cv:.3g}); "
                "for no spread use a fixed value"
            )
        return self

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean_ / self.sd) ** 2
        return gen.gamma(shape, self.mean_ / shape, n)

    @property
    def mean(self) -> float:
        return self.mean_

    def describe(self) -> str:
        return f"gamma(mean={self.mean_:g}, sd={self.sd:g})"


DistSpec = Annotated[Fixed | Exponential | Uniform | Triangular | Lognormal | Gamma, Field(discriminator="dist")]


def coerce_number(value: object) -> object:
    """Let a scenario write ``effort_days = 3`` for ``{dist = "fixed", value = 3}``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value
