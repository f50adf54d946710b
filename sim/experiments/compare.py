"""Policy comparison under common random numbers: paired differences against a base scenario.

Replication r of every scenario uses the same random numbers (the same master seed and
replication number), and each case carries its own draws (see :mod:`sim.engine.case`), so the same
cases plead, are convicted and are sentenced alike under every policy. The difference of a metric
between two scenarios, taken replication by replication, then reflects the policy rather than
the noise: its confidence interval is usually far narrower than a comparison of the two
scenarios' own intervals would suggest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim import NOTICE
from sim.experiments.how_fast import SERIES as HOW_FAST_SERIES
from sim.experiments.how_fast import how_fast, monthly, year_spans
from sim.results import manifests
from sim.results.manifests import ComparisonRecord
from sim.results.metrics import ADDED_LOAD, HEADLINE, RepResult
from sim.results.output import atomic_write, csv_text
from sim.results.stats import summarise
from sim.results.units import unit

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
    return {
        "mean": s["mean"],
        "ci_low": s["ci_low"],
        "ci_high": s["ci_high"],
        "n": s["n"],
        "share_lower": float(np.mean(d < 0)) if len(d) else None,
    }


#: sitting days these cases used at each level, and the days the level had
FREED = (("court.magistrates", "magistrates"), ("court.crown", "Crown Court"))
NET_WIDENING_NOTE = (
    "Of the first-time detections a scenario diverted (referred to deferred prosecution or a conditional "
    "caution), what the same detections came to under the base scenario, replication by replication: the same "
    "people with the same draws, so the shares are exact for the run, not estimates. Those the base prosecuted "
    "are the court load the diversion removes; those it cautioned or took no further action on are net-widening."
)


def freed(base: list[RepResult], other: list[RepResult], years: float) -> dict[str, Any]:
    """Sitting days freed a year by ``other`` against ``base`` (paired), and their share of the level's capacity."""
    out: dict[str, Any] = {}
    for prefix, _ in FREED:
        days = [
            (b.headline[f"{prefix}.sitting_days_used"] - o.headline[f"{prefix}.sitting_days_used"]) / years
            for b, o in zip(base, other)
        ]
        share = [
            (b.headline[f"{prefix}.sitting_days_used"] - o.headline[f"{prefix}.sitting_days_used"])
            / b.headline[f"{prefix}.list.sitting_days_available"]
            if b.headline[f"{prefix}.list.sitting_days_available"] > 0
            else float("nan")
            for b, o in zip(base, other)
        ]
        out[f"{prefix}.sitting_days_freed_per_year"] = summarise(days)
        out[f"{prefix}.sitting_days_freed_share_of_capacity"] = summarise(share)
    return out


def net_widening(base: list[RepResult], other: list[RepResult]) -> dict[str, Any] | None:
    """What the detections ``other`` diverted came to under ``base``, as shares with CIs (see NET_WIDENING_NOTE)."""
    from sim.results.paired import FATE_DIVERTED, FATES

    shares: dict[str, list[float]] = {fate: [] for fate in FATES}
    diverted: list[float] = []
    for b, o in zip(base, other):
        if not b.fates or not o.fates:
            return None
        fb, fo = np.frombuffer(b.fates, dtype=np.int8), np.frombuffer(o.fates, dtype=np.int8)
        n = min(len(fb), len(fo))
        mask = fo[:n] == FATE_DIVERTED
        diverted.append(float(np.count_nonzero(mask)))
        counts = np.bincount(fb[:n][mask], minlength=len(FATES))
        for i, fate in enumerate(FATES):
            shares[fate].append(counts[i] / mask.sum() if mask.any() else float("nan"))
    if not diverted or max(diverted) == 0:
        return None
    return {
        "diverted": summarise(diverted),
        "under_base": {fate: summarise(v) for fate, v in shares.items() if fate != FATES[FATE_DIVERTED]},
    }


def comparison(
    names: list[str],
    results: dict[str, list[RepResult]],
    years: float = 1.0,
    warmup_months: int = 0,
    starts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Per metric, each scenario's mean and CI and each non-base scenario's paired difference; sitting
    days freed against the base and their share of capacity; what those diverted would have met
    under the base (``years``: the reported horizon, for the days freed a year); and the cost of
    each reported year (the months after ``warmup_months``, twelve at a time); and how fast each
    policy acts, counting from its start (``starts``, months from the run's first)."""
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
    others = [name for name in names if name != base]
    days = {name: freed(results[base][:n], results[name][:n], years) for name in others}
    by_year = costs_by_year(names, {name: results[name][:n] for name in names}, warmup_months)
    monthly_held = n > 0 and all(s in results[base][0].monthly for s, _ in HOW_FAST_SERIES)
    speed = {
        name: how_fast(results[base][:n], results[name][:n], warmup_months, (starts or {}).get(name, 0))
        for name in others
        if monthly_held
    }
    widening = {name: net_widening(results[base][:n], results[name][:n]) for name in others}
    return {
        "notice": NOTICE,
        "base": base,
        "scenarios": names,
        "replications": n,
        "paired_differences": PAIRED_NOTE,
        "metrics": metrics,
        "sitting_days_freed": days,
        "net_widening": {k: v for k, v in widening.items() if v is not None},
        "net_widening_note": NET_WIDENING_NOTE,
        "costs_by_year": by_year,
        "how_fast": speed,
    }


def costs_by_year(names: list[str], results: dict[str, list[RepResult]], warmup_months: int) -> list[dict[str, Any]]:
    """Per reported year: each scenario's cost (mean, CI) and each other's paired difference from the
    base, in pounds (undiscounted; a last, part year is marked with its months)."""
    base = names[0]
    if not results[base] or "cost_gbp" not in results[base][0].monthly:
        return []
    rows = []
    for k, (start, stop) in enumerate(year_spans(warmup_months, len(results[base][0].monthly["cost_gbp"]))):
        cost = {name: [float(r.monthly["cost_gbp"][start:stop].sum()) for r in results[name]] for name in names}
        row: dict[str, Any] = {"year": k + 1, "months": stop - start}
        for name in names:
            s = summarise(cost[name])
            row[name] = {"mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"]}
            if name != base:
                row[name]["diff"] = paired(cost[base], cost[name])
        rows.append(row)
    return rows


def unique_names(names: list[str]) -> list[str]:
    """Folder names for the compared scenarios (a name used twice gets -2, -3...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def write_comparison(folder: Path, data: dict[str, Any]) -> None:
    """comparison.json: :func:`comparison`'s record with the warnings (and the stopping rule of
    ``--reps auto``) the command adds, checked against its model and written whole."""
    manifests.write_comparison(folder, ComparisonRecord.model_validate(data))
    header = ["year", "months", "scenario", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"]
    rows = [
        [row["year"], row["months"], name, *(row[name][k] for k in ("mean", "ci_low", "ci_high")),
         *((row[name]["diff"][k] for k in ("mean", "ci_low", "ci_high")) if "diff" in row[name] else (None,) * 3)]
        for row in data.get("costs_by_year", [])
        for name in data["scenarios"]
    ]  # fmt: skip
    atomic_write(folder / "costs_by_year.csv", csv_text(header, rows))
    added = [
        [key, unit(key), name, *(s[k] for k in ("mean", "ci_low", "ci_high")),
         *((s["diff"][k] for k in ("mean", "ci_low", "ci_high")) if "diff" in s else (None,) * 3)]
        for key in ADDED_LOAD
        if key in data["metrics"]
        for name in data["scenarios"]
        for s in (data["metrics"][key][name],)
    ]  # fmt: skip
    added_header = [
        "metric",
        "unit",
        "scenario",
        "mean",
        "ci_low",
        "ci_high",
        "diff_mean",
        "diff_ci_low",
        "diff_ci_high",
    ]
    atomic_write(folder / "added_load.csv", csv_text(added_header, added))
    yearly = [
        [name, r["year"], r["months"], r["series"], r["kind"], r["mean"], r["ci_low"], r["ci_high"]]
        for name, speed in data.get("how_fast", {}).items()
        for r in speed["by_year"]
    ]
    atomic_write(
        folder / "differences_by_year.csv",
        csv_text(["scenario", "year", "months", "series", "kind", "diff_mean", "diff_ci_low", "diff_ci_high"], yearly),
    )


def write_monthly_differences(
    folder: Path, names: list[str], results: dict[str, list[RepResult]], labels: list[str]
) -> None:
    """monthly_differences.csv: each policy's paired difference from the base, per month and series."""
    base, n = names[0], min(len(results[name]) for name in names)
    rows = [
        [name, r["series"], r["month"], r["label"], r["mean"], r["ci_low"], r["ci_high"]]
        for name in names[1:]
        for r in monthly(results[base][:n], results[name][:n], labels)
    ]
    header = ["scenario", "series", "month", "label", "diff_mean", "diff_ci_low", "diff_ci_high"]
    atomic_write(folder / "monthly_differences.csv", csv_text(header, rows))
