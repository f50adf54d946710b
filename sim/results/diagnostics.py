"""Warnings about a finished run that its numbers alone would hide, and which capacity binds.

* A stage given zero capacity (no examiners, no courtroom, no scheme places...) serves nobody;
  every case sent there waits to the end (or, where the route has a wait limit, goes back to the
  ordinary route). A zero then reads as "no capacity", not as "no demand".
* A queue still growing at the end of the run (a trend over its last years) never reached a
  steady state: its averages depend on the horizon, and its backlog is a trajectory to read.
* A capacity used above 98% of the time over the last years binds: what passes that stage is set
  by its capacity, not by demand, so more demand upstream changes nothing downstream of it.
* Given the scenario: a warm-up too short for the start-up of a key series, and drift after it
  (:mod:`sim.results.warmup`).

The warnings go to the console, the manifest and the report.
"""

from __future__ import annotations

import math

import numpy as np

from sim.inputs.scenario import Scenario
from sim.results import warmup
from sim.results.metrics import RepResult

#: (monthly utilisation column, stage in open_by_stage, what has no capacity)
POOLS = (
    ("forensics_utilisation", "forensics", "forensic examiners"),
    ("charging_utilisation", "charging", "charging lawyers"),
    ("magistrates_utilisation", "magistrates", "magistrates' sitting days"),
    ("crown_utilisation", "crown", "Crown Court sitting days"),
    ("caution_assessor_utilisation", "caution", "conditional-caution assessors"),
    ("self_referral_assessor_utilisation", "self_referral", "self-referral assessors"),
    ("treatment_utilisation", "self_referral", "treatment places"),
)
#: (monthly stock column, stage, what the stock is)
QUEUES = (
    ("forensic_queue_end", "forensics", "cases waiting for examination"),
    ("open_charging_end", "charging", "cases awaiting a charging decision"),
    ("scheme_waiting_end", "scheme", "deferrals waiting for a group place"),
    ("open_caution_end", "caution", "conditional-caution cases open"),
    ("open_self_referral_end", "self_referral", "self-referral cases open"),
    ("magistrates_backlog_end", "magistrates", "these cases in the magistrates' court"),
    ("crown_backlog_end", "crown", "these cases in the Crown Court"),
    ("magistrates_list_backlog_end", "magistrates", "the magistrates' whole open caseload"),
    ("crown_list_backlog_end", "crown", "the Crown Court's whole open caseload"),
)
#: (monthly utilisation column, stage, the capacity) for the binding check
BINDING = POOLS[:4] + (("scheme_slot_utilisation", "scheme", "scheme group places"),) + POOLS[4:]
BUSY = 0.98
TREND_YEARS = 3.0


def capacity_warnings(results: list[RepResult]) -> list[str]:
    """Stages with no capacity at all that still had cases sent to them."""
    if not results:
        return []
    out = []
    for column, stage, what in POOLS:
        if not all(r.monthly for r in results):
            break
        no_capacity = all(not np.isfinite(r.monthly[column]).any() for r in results)
        waiting = float(np.mean([r.open_by_stage.get(stage, 0) for r in results]))
        if no_capacity and waiting > 0:
            out.append(
                f"{stage}: no {what} in the run, so nobody is served there; "
                f"{waiting:,.0f} cases (mean) are still at this stage at the end"
            )
    referred = float(np.mean([r.headline["scheme.referred"] for r in results]))
    started = float(np.mean([r.headline["scheme.started"] for r in results]))
    if referred > 0 and started == 0:
        out.append(
            f"scheme: {referred:,.0f} people (mean) referred but no group started: the scheme has no group "
            "places (facilitators x groups_per_facilitator / facilitators_per_group < 1) or too few referrals "
            "to form a group; deferrals lapse after scheme.wait_limit_days and are prosecuted"
        )
    return out


def _last(results: list[RepResult], column: str, months: int) -> np.ndarray:
    """Replications x the last ``months`` months of a monthly column."""
    return np.array([r.monthly[column][-months:] for r in results], dtype=float)


def _months(results: list[RepResult]) -> int:
    return min((len(next(iter(r.monthly.values()))) for r in results if r.monthly), default=0)


def growth_warnings(results: list[RepResult]) -> list[str]:
    """Queues whose trend over the run's last years is upward, beyond noise and beyond 5% of their level.

    The trend is a least-squares slope per replication over the last ``TREND_YEARS`` (at most half
    of the run, at least a year); it warns when the slopes' 95% interval is above zero and the rise
    over the window is at least 5% of the mean level and ten cases."""
    return [text for _, text in _growth(results)]


def _growth(results: list[RepResult]) -> list[tuple[str, str]]:
    """(monthly column, warning) of each queue still growing (see growth_warnings)."""
    months = min(int(TREND_YEARS * 12), _months(results) // 2)
    if months < 12 or not results or not all(r.monthly for r in results):
        return []
    out = []
    x = np.arange(months, dtype=float)
    x -= x.mean()
    for column, stage, what in QUEUES:
        y = _last(results, column, months)
        if not np.isfinite(y).all():
            continue
        slopes = (y - y.mean(axis=1, keepdims=True)) @ x / float(x @ x)
        mean = float(slopes.mean())
        half = 1.96 * float(slopes.std(ddof=1)) / math.sqrt(len(slopes)) if len(slopes) > 1 else 0.0
        level = float(y.mean())
        rise = mean * months
        if mean - half > 0 and rise >= max(0.05 * level, 10.0):
            out.append(
                (
                    column,
                    f"{stage}: {what} still growing at the end of the run: {mean:+,.1f} a month over "
                    f"the last {months / 12:g} years (95% CI {mean - half:+,.1f} to {mean + half:+,.1f}); "
                    "read its backlog as a trajectory, not a steady state",
                )
            )
    return out


def binding(results: list[RepResult]) -> list[tuple[str, str, float]]:
    """(stage, capacity, mean utilisation) of every capacity busy above 98% over the last years."""
    months = min(int(TREND_YEARS * 12), _months(results))
    if months < 1 or not results or not all(r.monthly for r in results):
        return []
    out = []
    for column, stage, what in BINDING:
        u = _last(results, column, months)
        if np.isfinite(u).any():
            mean = float(np.nanmean(u))
            if mean > BUSY:
                out.append((stage, what, mean))
    return out


def binding_warnings(results: list[RepResult]) -> list[str]:
    years = min(TREND_YEARS, _months(results) / 12)
    return [
        f"{stage}: {what} busy {u:.1%} of the time over the last {years:.3g} years: this capacity binds, so "
        "what passes this stage is set by its capacity, not by demand"
        for stage, what, u in binding(results)
    ]


def warnings(results: list[RepResult], scenario: Scenario | None = None) -> list[str]:
    """Every warning about a run: no capacity, queues still growing, with the scenario a warm-up too
    short or drift after it (a queue already named as still growing is not named again), and
    capacities that bind."""
    growth = _growth(results)
    stable = (
        warmup.warnings(warmup.of_scenario(results, scenario), {column for column, _ in growth})
        if scenario is not None
        else []
    )
    return capacity_warnings(results) + [text for _, text in growth] + stable + binding_warnings(results)
