"""Fitting uncertain parameters to targets: a bounded search over common-random-number replications.

Every evaluation runs the same replications (same seed, same replication numbers), so the
objective changes only through the parameters and the search is not misled by noise that differs
from one evaluation to the next. The objective is the sum over the ``fit`` targets (never the
``holdout`` ones) of the squared distance of the model's mean from the centre of the target's band,
in half-widths of the band: a value below the number of targets does not by itself mean every
target is met, so the fit is followed by the same check as ``calibrate-check``. Nelder-Mead (SciPy) with
bounds searches the free parameters.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import NOTICE
from sim.errors import ScenarioError
from sim.experiments.executors import Executor, replicate
from sim.experiments.targets import Check, Targets, check
from sim.inputs.loading import deep_merge, is_known_key, load_raw, scenario_hash, set_dotted, validate
from sim.inputs.scenario import Scenario
from sim.inputs.tomltext import dumps
from sim.results import manifests
from sim.results.manifests import CheckManifest, FitManifest
from sim.results.output import atomic_write, csv_text, write_json


@dataclass(frozen=True)
class Free:
    key: str
    low: float
    high: float
    start: float
    integer: bool = False

    def value(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(x)


def parse_free(text: str, scenario: Scenario) -> Free:
    """``KEY`` or ``KEY=LOW:HIGH``; without bounds, +/-50% around the current value (within [0, 1] for shares).

    Both bounds must themselves make a valid scenario (a share fitted over 2:3 is refused here,
    not found out by the search), and run settings are not parameters to fit.
    """
    key, _, bounds = text.partition("=")
    key = key.strip()
    if not is_known_key(Scenario, key.split(".")):
        raise ScenarioError("--free", key, "unknown parameter")
    if key.split(".")[0] == "run":
        raise ScenarioError("--free", key, "a run setting (seed, horizon, replications) is not a parameter to fit")
    value: Any = scenario
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError("--free", key, "only a number can be fitted")
    start = float(value)
    if bounds:
        try:
            low, high = (float(b) for b in bounds.split(":"))
        except ValueError:
            raise ScenarioError("--free", key, "bounds must be LOW:HIGH, e.g. 0.5:0.9") from None
    else:
        low, high = start * 0.5, start * 1.5 if start else 1.0
        if key.endswith("_share") or key.endswith("take_up") or key.endswith("_rate"):
            low, high = max(low, 0.0), min(high, 1.0)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ScenarioError("--free", key, f"needs LOW < HIGH (got {low:g}:{high:g})")
    free = Free(key, low, high, min(max(start, low), high), integer=isinstance(value, int))
    raw = scenario.model_dump(mode="json", by_alias=True)
    for bound in (low, high):
        try:
            with_values(raw, [free], [bound], "--free")
        except ScenarioError as exc:
            raise ScenarioError("--free", key, f"{bound:g} is not a valid value: {exc.problem}") from None
    return free


def with_values(raw: dict, free: list[Free], x: Any, label: str) -> Scenario:
    """The scenario ``raw`` with each free parameter set to its value in ``x``."""
    patch: dict = {}
    for f, v in zip(free, x):
        set_dotted(patch, f.key, f.value(v))
    return validate(deep_merge(raw, patch), label)


@dataclass
class Fit:
    free: list[Free]
    values: dict[str, float]
    objective: float
    evaluations: int
    checks: list[Check]
    history: list[dict[str, Any]] = field(default_factory=list)


def objective(checks: list[Check]) -> float:
    return float(sum(min(c.distance, 1e6) ** 2 for c in checks))


def fit(
    raw: dict,
    label: str,
    targets: Targets,
    free: list[Free],
    reps: int,
    executor: Executor,
    max_evals: int = 60,
    progress: Callable[[int, float], None] | None = None,
    targets_path: Path = Path("targets"),
) -> Fit:
    """Search the free parameters to meet the ``fit`` targets; every evaluation uses replications
    0..reps-1 of the same seed. The ``holdout`` targets are checked at every point but never enter
    the objective, so the fit's record shows how the held-out figures fare without steering them."""
    if not any(t.role == "fit" for t in targets.targets.values()):
        raise ScenarioError(
            str(targets_path), "targets", 'no target has role = "fit": there is nothing to calibrate to'
        )
    from scipy.optimize import minimize

    history: list[dict[str, Any]] = []
    cache: dict[tuple[float, ...], tuple[float, list[Check]]] = {}

    def evaluate(x: np.ndarray) -> float:
        key = tuple(f.value(v) for f, v in zip(free, x))
        if key in cache:
            return cache[key][0]
        try:
            sc = with_values(raw, free, x, label)
        except ScenarioError:
            return 1e12  # outside what the scenario allows: never the answer
        checks = check(
            targets,
            replicate(sc, reps, executor, keep_monthly=targets.needs_monthly),
            sc.run.start_date,
            sc.run.months,
            str(targets_path),
        )
        value = objective([c for c in checks if c.target.role == "fit"])  # held-out figures are never fitted
        cache[key] = (value, checks)
        history.append({"values": dict(zip((f.key for f in free), key)), "objective": value})
        if progress:
            progress(len(history), value)
        return value

    x0 = np.array([f.start for f in free])
    simplex = [x0]
    for i, f in enumerate(free):  # each other vertex moves one parameter by 15% of its range, inwards
        step = 0.15 * (f.high - f.low)
        vertex = x0.copy()
        vertex[i] = x0[i] + step if x0[i] + step <= f.high else x0[i] - step
        simplex.append(vertex)
    minimize(
        evaluate,
        x0,
        method="Nelder-Mead",
        bounds=[(f.low, f.high) for f in free],
        options={"maxfev": max_evals, "initial_simplex": np.array(simplex), "xatol": 1e-4, "fatol": 1e-3},
    )
    if not cache:
        raise ScenarioError("--free", None, "no point of the ranges given makes a valid scenario")
    (best_x, (best_value, best_checks)) = min(cache.items(), key=lambda kv: kv[1][0])
    return Fit(free, dict(zip((f.key for f in free), best_x)), best_value, len(history), best_checks, history)


def write_fit(
    out: Path, raw: dict, scenario_path: Path, targets_path: Path, targets: Targets, result: Fit, reps: int, seed: int
) -> Path:
    """``calibrated.toml`` (the whole scenario with the fitted values), ``fit.json`` and the manifest.

    The calibrated file stands on its own: it holds every key the original file, the files it
    extends and the ``--set`` overrides gave, so it means the same wherever the folder is moved.
    """
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().isoformat()
    name = str(raw.get("name", scenario_path.stem))
    data = deep_merge(raw, {})
    for key, value in result.values.items():
        set_dotted(data, key, value)
    data["name"] = f"{name}-calibrated"
    data["sources"] = {
        **data.get("sources", {}),
        **dict.fromkeys(result.values, f"CALIBRATED to {targets.name} ({targets_path.name}) on {today}; see fit.json"),
    }
    header = [
        f"# {NOTICE}",
        f"# Calibrated by `divertsim calibrate` on {today} from {scenario_path.name} against {targets_path.name} "
        f"({targets.name}).",
        f"# {result.evaluations} evaluations of {reps} replications (seed {seed}); objective {result.objective:.4g}.",
        "# The record of the fit is fit.json beside this file.",
        "",
    ]
    path = out / "calibrated.toml"
    atomic_write(path, "\n".join(header) + dumps(data))
    write_json(
        out / "fit.json",
        {
            "notice": NOTICE,
            "scenario": str(scenario_path),
            "scenario_name": name,
            "targets": str(targets_path),
            "targets_name": targets.name,
            "date": today,
            "replications": reps,
            "seed": seed,
            "free": [{"key": f.key, "low": f.low, "high": f.high, "start": f.start} for f in result.free],
            "values": result.values,
            "objective": result.objective,
            "evaluations": result.evaluations,
            "checks": [c.as_dict() for c in result.checks],
            "history": result.history,
        },
    )
    manifests.write(
        out,
        FitManifest(
            scenario_hash=scenario_hash(validate(raw, str(scenario_path))),
            seed=seed,
            work={"replications": reps, "free": {f.key: [f.low, f.high] for f in result.free}},
            scenario_name=name,
            targets=str(targets_path),
            targets_name=targets.name,
            replications=reps,
        ),
    )
    return path


def write_checks(
    out: Path, scenario: Scenario, targets_path: Path, targets: Targets, checks: list[Check], reps: int
) -> Path:
    """``checks.json``, ``checks.csv`` and the manifest: each target's band beside the model's mean and CI, by role,
    so that ``divertsim report`` can draw them and a reader can see what was fitted and what was not."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [c.as_dict() for c in checks]
    write_json(
        out / "checks.json",
        {
            "notice": NOTICE,
            "kind": "calibrate-check",
            "scenario_name": scenario.name,
            "scenario_hash": scenario_hash(scenario),
            "scenario": scenario.model_dump(mode="json", by_alias=True),
            "targets": targets_path.name,
            "targets_name": targets.name,
            "replications": reps,
            "seed": scenario.run.seed,
            "date": dt.date.today().isoformat(),
            "checks": rows,
        },
    )
    cols = ("target", "role", "metric", "mean", "ci_low", "ci_high", "low", "high", "unit", "within")
    atomic_write(out / "checks.csv", csv_text(cols, ([r[c] for c in cols] for r in rows)))
    manifests.write(
        out,
        CheckManifest(
            scenario_hash=scenario_hash(scenario),
            seed=scenario.run.seed,
            work={"replications": reps},
            scenario_name=scenario.name,
            targets=str(targets_path),
            targets_name=targets.name,
            replications=reps,
        ),
    )
    return out / "checks.json"


def raw_scenario(path: Path, overrides: list[str]) -> dict:
    from sim.inputs.loading import parse_override

    raw = load_raw(path)
    raw.setdefault("name", path.stem)
    for text in overrides:
        key, value = parse_override(text)
        set_dotted(raw, key, value)
    return raw
