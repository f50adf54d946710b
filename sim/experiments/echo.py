"""Targets that would only echo an input: how each target moves with each numeric parameter.

A target that a single input sets one-for-one (the custody share of sentences is the input
``sentence.custody_share``) tests nothing: meeting it says only that the input was copied from the
same source. The check perturbs every numeric parameter in turn by a small relative step, under
common random numbers (the same seed and replications), and measures each target's elasticity,
the relative change of its model mean over the relative change of the input. A target is an
echo when exactly one input moves it one-for-one (elasticity within ``tolerance`` of +1 or -1)
and no other input moves it by more than ``tolerance`` (0.2: the estimates carry noise).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError
from sim.experiments.executors import Executor, replicate
from sim.experiments.targets import Targets, check
from sim.inputs.loading import set_dotted, validate
from sim.inputs.scenario import Scenario


def numeric_inputs(scenario: Scenario) -> Iterator[tuple[str, float]]:
    """Every numeric parameter (dotted key, value) a scenario holds, run settings aside."""

    def walk(node: Any, prefix: str) -> Iterator[tuple[str, float]]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, f"{prefix}.{k}" if prefix else str(k))
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and math.isfinite(node) and node != 0:
            yield prefix, float(node)

    data = scenario.model_dump(mode="json", by_alias=True)
    for key in ("run", "history", "sources", "name", "description"):
        data.pop(key, None)
    yield from walk(data, "")


@dataclass(frozen=True)
class Elasticity:
    target: str
    key: str
    value: float


def elasticities(
    scenario: Scenario,
    targets: Targets,
    reps: int,
    executor: Executor,
    step: float = 0.1,
    keys: list[str] | None = None,
) -> list[Elasticity]:
    """Each target's elasticity to each numeric input (or to ``keys``), from paired replications.

    An input whose step up makes an invalid scenario (a share at 1) is stepped down instead; one
    that cannot move either way is left out."""
    start, months = scenario.run.start_date, scenario.run.months
    keep = targets.needs_monthly
    base = {c.name: c.mean for c in check(targets, replicate(scenario, reps, executor, keep), start, months)}
    raw = scenario.model_dump(mode="json", by_alias=True)
    inputs = dict(numeric_inputs(scenario))
    out = []
    for key in keys if keys is not None else list(inputs):
        x = inputs[key]
        moved = None
        for factor in (1.0 + step, 1.0 - step):
            value: float | int = x * factor
            if isinstance(_get(raw, key), int):
                value = int(round(value))
                if value == int(x):
                    continue
            for keep_sum in (False, True):  # shares that must sum to one move with their siblings
                patch = copy.deepcopy(raw)
                set_dotted(patch, key, value)
                if keep_sum and not _rebalance(patch, key, float(value) - x):
                    continue
                try:
                    moved = (validate(patch, "echo check"), value)
                    break
                except ScenarioError:
                    continue
            if moved is not None:
                break
        if moved is None:
            continue
        sc, value = moved
        rel_x = (float(value) - x) / x
        for c in check(targets, replicate(sc, reps, executor, keep), start, months):
            y0 = base[c.name]
            if y0 is None or c.mean is None or y0 == 0 or not math.isfinite(y0):
                continue
            out.append(Elasticity(c.name, key, ((c.mean - y0) / abs(y0)) / rel_x))
    return out


def echoes(found: list[Elasticity], tolerance: float = 0.2) -> dict[str, list[str]]:
    """The targets that only inputs set: target -> the inputs that move it one-for-one.

    A target moved one-for-one by exactly one input and by nothing else echoes that input; one
    moved one-for-one by several inputs and nothing else is their product (arrests are detections
    times the arrested share) and echoes them all."""
    out = {}
    for target in dict.fromkeys(e.target for e in found):
        mine = [e for e in found if e.target == target]
        one_for_one = [e for e in mine if abs(abs(e.value) - 1.0) <= tolerance]
        others = [e for e in mine if e not in one_for_one]
        if one_for_one and all(abs(e.value) <= tolerance for e in others):
            out[target] = [e.key for e in one_for_one]
    return out


def _rebalance(data: dict[str, Any], key: str, delta: float) -> bool:
    """Take ``delta`` from the siblings of ``key`` that form a set of shares summing to one with it
    (of the same suffix, as ``custody_share`` and ``community_share``, or prefix, as
    ``category_a`` and ``category_b``), in proportion to their values; False if it has none."""
    *path, name = key.split(".")
    parent: Any = data
    for part in path:
        parent = parent.get(part) if isinstance(parent, dict) else None
    if not isinstance(parent, dict) or "_" not in name:
        return False
    head, tail = name.split("_", 1)[0], name.rsplit("_", 1)[1]
    near = [
        k
        for k, v in parent.items()
        if k != name
        and isinstance(v, float)
        and "_" in k
        and (k.rsplit("_", 1)[1] == tail or k.split("_", 1)[0] == head)
    ][:10]
    own = parent[name] - delta
    sets = [[k for i, k in enumerate(near) if mask >> i & 1] for mask in range(1, 2 ** len(near))]
    whole = [ks for ks in sets if abs(own + sum(parent[k] for k in ks) - 1.0) < 1e-6]  # with it, they sum to one
    if not whole:
        return False
    siblings = min(whole, key=len)
    total = sum(parent[k] for k in siblings)
    if total <= 0:
        return False
    for k in siblings:
        parent[k] = parent[k] - delta * parent[k] / total
    return True


def _get(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
