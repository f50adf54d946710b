"""Warnings about a finished run that its numbers alone would hide: stages with no capacity.

A stage given zero capacity (no examiners, no courtroom, no scheme places...) is a legitimate
input; the model serves nobody there and every case sent there waits to the end. These warnings
say so beside the results, so that a zero is read as "no capacity", not as "no demand".
"""

from __future__ import annotations

import numpy as np

from .metrics import RepResult

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


def capacity_warnings(results: list[RepResult]) -> list[str]:
    if not results:
        return []
    out = []
    for column, stage, what in POOLS:
        if not all(r.monthly for r in results):
            break
        no_capacity = all(not np.isfinite(r.monthly[column]).any() for r in results)
        waiting = float(np.mean([r.open_by_stage.get(stage, 0) for r in results]))
        if no_capacity and waiting > 0:
            out.append(f"{stage}: no {what} in the run, so nobody is served there; "
                       f"{waiting:,.0f} cases (mean) are still at this stage at the end")
    referred = float(np.mean([r.headline["scheme.referred"] for r in results]))
    started = float(np.mean([r.headline["scheme.started"] for r in results]))
    if referred > 0 and started == 0:
        out.append(f"scheme: {referred:,.0f} people (mean) referred but no group started: the scheme has no group "
                   "places (facilitators x groups_per_facilitator / facilitators_per_group < 1) or too few referrals "
                   "to form a group")
    return out
