"""Every lever acts with its documented sign, on paired replications of a small version of its context.

The register is sim.inputs.levers (docs/levers.md is its text). Replication r of the low and the high
setting uses the same random numbers, so the difference is the lever's, not the noise; a strict
sign (+, -) needs a mean difference of that sign, a weak one (>=, <=) a mean difference no further
the other way than twice its standard error, and "=" (unchanged, where a capacity upstream binds)
one within twice its standard error plus 1% of the level.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from helpers import run, scenario, with_overrides
from sim.inputs.levers import CONTEXTS, LEVERS, render
from sim.results.metrics import compute

ROOT = Path(__file__).resolve().parent.parent
REPS = 4


def _get(sc, key: str):
    value = sc
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def context(name: str):
    shipped, sets = CONTEXTS[name]
    sc = scenario(shipped, factor=0.1, years=3)
    over = {}
    for key, v in sets.items():
        current = _get(sc, key)
        value = current * v[1] if isinstance(v, tuple) else v
        over[key.replace(".", "__")] = max(1, round(value)) if isinstance(current, int) else value
    return with_overrides(sc, **over) if over else sc


def setting(lever, base, which: str):
    current = _get(base, lever.key)
    value = lever.value(which, current)
    if isinstance(current, int) and not isinstance(current, bool):
        value = max(1, round(value))
    over = {lever.key.replace(".", "__"): value}
    if lever.balance:
        over[lever.balance.replace(".", "__")] = _get(base, lever.balance) - (value - _get(base, lever.key))
    return with_overrides(base, **over)


@pytest.mark.slow
@pytest.mark.parametrize("lever", LEVERS, ids=[f"{lv.key}@{lv.context}" for lv in LEVERS])
def test_lever_acts_with_its_documented_sign(lever):
    base = context(lever.context)
    low, high = setting(lever, base, "low"), setting(lever, base, "high")
    lo = [compute(run(low, rep)).headline for rep in range(REPS)]
    hi = [compute(run(high, rep)).headline for rep in range(REPS)]
    wrong = []
    for metric, sign in lever.effects.items():
        d = np.array([h[metric] - l[metric] for h, l in zip(hi, lo)])
        assert np.isfinite(d).all(), f"{metric} is not defined in this context ({d})"
        mean = float(d.mean())
        se = float(d.std(ddof=1)) / math.sqrt(len(d))
        scale = 1e-9 * max(abs(float(np.mean([l[metric] for l in lo]))), 1.0)
        level = abs(float(np.mean([l[metric] for l in lo])))
        ok = {"+": mean > scale, "-": mean < -scale, ">=": mean >= -2 * se - scale, "<=": mean <= 2 * se + scale,
              "=": abs(mean) <= 2 * se + 0.01 * level + scale}[sign]
        if not ok:
            wrong.append(f"{metric}: expected {sign}, mean difference {mean:.4g} (se {se:.2g})")
    assert not wrong, f"{lever.key} {lever.low} -> {lever.high} in {lever.context}: " + "; ".join(wrong)


def test_every_lever_names_known_keys_and_metrics():
    from sim.inputs.loading import is_known_key
    from sim.results.metrics import HEADLINE
    from sim.inputs.scenario import Scenario

    for lever in LEVERS:
        assert is_known_key(Scenario, lever.key.split(".")), lever.key
        assert lever.effects and set(lever.effects) <= set(HEADLINE), lever.key
        assert set(lever.effects.values()) <= {"+", "-", ">=", "<=", "="}, lever.key
        assert lever.why and lever.context in CONTEXTS, lever.key


def test_levers_document_is_up_to_date():
    assert (ROOT / "docs" / "levers.md").read_text() == render(), "regenerate: python -m sim.inputs.levers > docs/levers.md"
