"""Policy comparison under common random numbers: paired differences against a base scenario.

Replication r of every scenario uses the same random numbers (the same master seed and
replication number), and each case carries its own draws (see :mod:`sim.case`), so the same
cases plead, are convicted and are sentenced alike under every policy. The difference of a metric
between two scenarios, taken replication by replication, then reflects the policy rather than
the noise: its confidence interval is usually far narrower than a comparison of the two
scenarios' own intervals would suggest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import NOTICE
from .metrics import HEADLINE, RepResult
from .output import write_json
from .stats import summarise

PAIRED_NOTE = (
    "Differences are paired by replication: replication r of every scenario uses the same random "
    "numbers (common random numbers), so each difference's confidence interval reflects the policy "
    "change, not the run-to-run noise that the scenarios share."
)


def paired(base: list[float], other: list[float]) -> dict[str, Any]:
    """Mean, 95% CI and share of replications in which ``other`` is below ``base``."""
    a, b = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    d = b[ok] - a[ok]
    s = summarise(d.tolist())
    return {"mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"], "n": s["n"],
            "share_lower": float(np.mean(d < 0)) if len(d) else None}


def comparison(names: list[str], results: dict[str, list[RepResult]]) -> dict[str, Any]:
    """Per metric, each scenario's mean and CI and each non-base scenario's paired difference."""
    base = names[0]
    n = min(len(results[name]) for name in names)
    metrics: dict[str, Any] = {}
    for key in HEADLINE:
        values = {name: [r.headline[key] for r in results[name][:n]] for name in names}
        entry: dict[str, Any] = {}
        for name in names:
            s = summarise(values[name])
            entry[name] = {"mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"]}
            if name != base:
                entry[name]["diff"] = paired(values[base], values[name])
        metrics[key] = entry
    return {"notice": NOTICE, "base": base, "scenarios": names, "replications": n,
            "paired_differences": PAIRED_NOTE, "metrics": metrics}


def unique_names(names: list[str]) -> list[str]:
    """Folder names for the compared scenarios (a name used twice gets -2, -3...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def write_comparison(folder: Path, data: dict[str, Any]) -> None:
    write_json(folder / "comparison.json", data)
