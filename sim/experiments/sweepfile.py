"""Sweep files: a base scenario, the factors to vary, a design, replications and a seed.

```toml
name = "justice-grid"
base = "../justice-2019.toml"          # a scenario file (relative to this file) or a shipped name
design = "grid"                        # grid | lhs | sobol | saltelli | morris
reps = 5                               # replications per point (grid, lhs, sobol)
seed = 20190610

[set]                                  # fixed overrides for every point
"run.years" = 5

[factors]                              # dotted scenario keys
"decision.rules.deferred_prosecution.take_up" = [0.2, 0.5, 0.8]
"scheme.completion_rate" = { min = 0.6, max = 0.95, levels = 3 }
```

``against = "status-quo"`` (a file relative to the sweep file, or a shipped name) makes it a sweep of
the policy *effect*: every task also runs that scenario, with the point's values of the factors it
has (a factor of a rule the scenario lacks, such as the scheme's take-up in the status quo, does not
apply to it) and the same random numbers, and records ``effect.<metric>`` = point - against for
every headline metric beside the levels. Its sensitivity indices are then those of the difference
the policy makes, not of court load itself; each task does twice the work.

A grid takes each factor's listed values (or ``levels`` evenly spaced values between ``min`` and
``max``); the sampled designs take ``min`` and ``max`` and draw ``samples`` points. For the
sensitivity designs (``saltelli`` for Sobol indices, ``morris`` for elementary effects) the
replication is an input of its own, so that the noise of the model shows as its own share of the
variance: each design row runs one replication, drawn from ``replication_pool`` replications
shared by all rows (common random numbers).

A point's seed is the file's ``seed`` and its replications are ``reps``: ``run.seed`` and
``run.replications`` are refused as factors and in ``[set]``, where they would be overwritten.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.inputs.loading import every_problem, is_known_key
from sim.inputs.names import check_name
from sim.inputs.reading import read_toml
from sim.inputs.scenario import Scenario
from sim.results.metrics import HEADLINE

#: the most tasks (points x replications) one sweep may hold
MAX_TASKS = 1_000_000

#: scenario keys a sweep sets itself, and where a sweep file says them instead
RUN_OWNED = {
    "run.seed": "its seed is the sweep file's seed, with common_random_numbers",
    "run.replications": "its replications are the sweep file's reps",
}

#: the metrics a sensitivity analysis ranks by default: court load first
COURT_LOAD = (
    "court.receipts_per_year",
    "court.backlog_end",
    "court.crown.backlog_end",
    "court.wait_days_mean",
    "court.crown.trial_wait_weeks_median",
    "court.sitting_days_used",
    "forensics.wait_days_mean",
    "scheme.prosecuted_after_failure",
    "prison.population_end",
)

#: the prefix of a metric that is a point's difference from the sweep's ``against`` scenario
EFFECT = "effect."


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    values: list[float] | None = None
    min: float | None = Field(None, allow_inf_nan=False)
    max: float | None = Field(None, allow_inf_nan=False)
    levels: int | None = Field(None, ge=2, le=1000)
    integer: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Factor:
        if self.values is not None:
            if self.min is not None or self.max is not None or self.levels is not None:
                raise ValueError("give either values or min and max, not both")
            if not self.values:
                raise ValueError("values is empty")
            if any(not math.isfinite(v) for v in self.values):
                raise ValueError("values must be finite numbers")
            if len(set(self.values)) != len(self.values):
                raise ValueError("values has duplicates")
            return self
        if self.min is None or self.max is None:
            raise ValueError("needs values = [...] or min and max")
        if not self.min < self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self

    def grid_values(self) -> list[float]:
        if self.values is not None:
            vals = list(self.values)
        else:
            assert self.min is not None and self.max is not None
            n = self.levels or 0
            vals = [self.min + (self.max - self.min) * i / (n - 1) for i in range(n)]
        return [float(round(v)) if self.integer else v for v in vals]


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = "sweep"
    description: str = ""
    base: str
    against: str | None = None
    design: Literal["grid", "lhs", "sobol", "saltelli", "morris"] = "grid"
    samples: int = Field(16, ge=1, le=1_000_000)
    reps: int = Field(3, ge=1, le=100_000)
    seed: int = Field(20190610, ge=0, lt=2**63)
    common_random_numbers: bool = True
    replication_pool: int = Field(1000, ge=1, le=1_000_000)
    morris_levels: int = Field(4, ge=2, le=64)
    keep_monthly: bool = False
    analyze: Literal["sobol", "morris"] | None = None
    #: default: COURT_LOAD, or their effects when there is an ``against`` scenario
    metrics: list[str] = list(COURT_LOAD)
    set: dict[str, Any] = {}
    factors: dict[str, Factor]

    @field_validator("name")
    @classmethod
    def _name_is_a_name(cls, value: str) -> str:
        return check_name(value)  # the default folder is results/<name>-<time>

    @model_validator(mode="before")
    @classmethod
    def _lists_are_values(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("factors"), dict):
            data = dict(data)
            data["factors"] = {k: ({"values": v} if isinstance(v, list) else v) for k, v in data["factors"].items()}
        if isinstance(data, dict) and data.get("against") is not None and "metrics" not in data:
            data = {**data, "metrics": [EFFECT + m for m in COURT_LOAD]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.factors:
            raise ValueError("factors: name at least one factor")
        for key, f in self.factors.items():
            if not is_known_key(Scenario, key.split(".")):
                raise ValueError(f"factors: '{key}' is not a scenario parameter")
            if self.design == "grid" and f.values is None and f.levels is None:
                raise ValueError(f"factors.{key}: a grid needs values = [...] or levels with min and max")
            if self.design != "grid" and f.values is not None:
                raise ValueError(f"factors.{key}: the {self.design} design samples a range: give min and max")
        for key in [*self.factors, *self.set]:
            if key in RUN_OWNED:
                where = "factors" if key in self.factors else "set"
                raise ValueError(
                    f"{where}: '{key}' is set by the sweep itself ({RUN_OWNED[key]}), not by a factor or [set]"
                )
        for key in self.set:
            if not is_known_key(Scenario, key.split(".")):
                raise ValueError(f"set: '{key}' is not a scenario parameter")
            if key in self.factors:
                raise ValueError(f"set: '{key}' is also a factor")
        for m in self.metrics:
            if m not in self.metric_names:
                if m.startswith(EFFECT) and m[len(EFFECT) :] in HEADLINE:
                    raise ValueError(f"metrics: '{m}' is an effect: it needs against = a scenario to compare with")
                raise ValueError(f"metrics: '{m}' is not a headline metric")
        if self.design in ("saltelli", "morris") and self.reps != 1:
            raise ValueError(
                f"the {self.design} design runs one replication per row (the replication is an "
                f"input): set reps = 1 and choose replication_pool"
            )
        if self.design in ("sobol", "saltelli") and self.samples & (self.samples - 1):
            raise ValueError(f"samples must be a power of two for the {self.design} design (got {self.samples})")
        if self.analyze == "sobol" and self.design != "saltelli":
            raise ValueError("analyze = 'sobol' needs design = 'saltelli'")
        if self.analyze == "morris" and self.design != "morris":
            raise ValueError("analyze = 'morris' needs design = 'morris'")
        if self.tasks > MAX_TASKS:
            raise ValueError(
                f"the design has {self.tasks:,} tasks (points x replications), more than the "
                f"{MAX_TASKS:,} a sweep can hold: fewer levels, samples or replications"
            )
        return self

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric a task of this sweep records: the headline metrics, and with an ``against``
        scenario their effects."""
        return metric_names(self.against is not None)

    @property
    def tasks(self) -> int:
        """Tasks the design will run, computed without building it."""
        k = len(self.factors)
        if self.design == "grid":
            points = 1
            for f in self.factors.values():
                points *= len(f.values) if f.values is not None else (f.levels or 1)
            return points * self.reps
        return {
            "lhs": self.samples,
            "sobol": self.samples,
            "saltelli": self.samples * (k + 3),
            "morris": self.samples * (k + 2),
        }[self.design] * self.reps


def metric_names(effects: bool) -> tuple[str, ...]:
    """The headline metrics, followed by their effects (``effect.<metric>``) if ``effects``."""
    return (*HEADLINE, *(EFFECT + m for m in HEADLINE)) if effects else HEADLINE


def load_sweep(path: Path, overrides: dict[str, Any] | None = None) -> SweepSpec:
    """Read and validate a sweep file; ``overrides`` (``reps``, ``samples``) replace the file's."""
    label = str(path)
    data = read_toml(path, "a sweep file")
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise every_problem(label, exc) from None
