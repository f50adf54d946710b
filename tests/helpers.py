"""Shared test helpers: small versions of the shipped scenarios and quick model runs."""

from __future__ import annotations

from typing import Any

from sim.inputs.loading import deep_merge, load_raw, resolve, validate
from sim.engine.model import Model
from sim.inputs.scenario import Scenario

#: rate and capacity keys that scale together when a scenario is shrunk for a quick test
SCALED = (
    ("arrivals", "per_month"), ("self_referral", "per_month"), ("forensics", "examiners"),
    ("court", "charging", "lawyers"), ("court", "magistrates", "sitting_days_per_month"),
    ("court", "crown", "sitting_days_per_month"), ("scheme", "facilitators"), ("caution", "assessors"),
    ("self_referral", "assessors"), ("self_referral", "treatment_places"),
    ("initial", "forensics", "cases"), ("initial", "charging", "cases"), ("initial", "magistrates", "cases"),
    ("initial", "crown_trial", "cases"), ("forensics", "outsourced_examiners"),
    ("court", "magistrates", "background", "receipts_per_month"), ("court", "crown", "background", "receipts_per_month"),
    ("court", "magistrates", "background", "initial_cases"), ("court", "crown", "background", "initial_cases"),
)


def _get(d: dict, path: tuple[str, ...]) -> Any:
    for p in path:
        d = d.get(p, {}) if isinstance(d, dict) else {}
    return d if not isinstance(d, dict) else None


def _set(d: dict, path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        d = d.setdefault(p, {})
    d[path[-1]] = value


def scenario(name: str = "status-quo", factor: float = 0.1, years: float = 2.0, **over: Any) -> Scenario:
    """A shipped scenario shrunk by ``factor`` (rates and capacities) over ``years``.

    Keyword arguments override dotted keys, written with ``__`` for dots:
    ``scenario(scheme__completion_rate=0.9)``.
    """
    raw = load_raw(resolve(name))
    defaults = Scenario().model_dump(mode="json", by_alias=True)
    for path in SCALED:
        value = _get(raw, path)
        if value is None:
            value = _get(defaults, path)
        if value:
            scaled = value * factor
            whole = path[-1] in ("cases", "treatment_places")  # whole people or places; the rest are rates
            _set(raw, path, max(1, round(scaled)) if whole else float(scaled))
    _set(raw, ("run", "years"), years)
    for key, value in over.items():
        _set(raw, tuple(key.split("__")), value)
    raw.setdefault("name", name)
    return validate(raw, f"{name} (test)")


def with_overrides(sc: Scenario, **over: Any) -> Scenario:
    raw = sc.model_dump(mode="json", by_alias=True)
    patch: dict = {}
    for key, value in over.items():
        _set(patch, tuple(key.split("__")), value)
    return validate(deep_merge(raw, patch), "test")


def run(sc: Scenario, rep: int = 0, seed: int | None = None) -> Model:
    m = Model(sc, rep, seed)
    m.run()
    return m
