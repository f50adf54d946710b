"""What the counted loads cost: each unit cost of ``scenario.costs`` times the load it prices.

Costs never feed back into the model: they are priced afterwards, month by month, from series the
model records anyway, so a unit cost can be swept, compared or changed with no effect on any
other figure (and with the direction a test checks: a higher unit cost, a higher cost of its
item, nothing else moved). Priced, per calendar month:

- ``crown_sitting_days`` and ``magistrates_sitting_days``: the sitting days these cases used;
- ``forensic_examinations``: full examinations started, and triage examinations at the share of a
  full one their mean effort is;
- ``charging_decisions``: charging decisions started;
- ``scheme_sessions``: participant-sessions (every session of the course for each starter, an upper
  bound as those who fail attend fewer, and each follow-up held) and ``facilitator_hours``;
- ``assessments``: conditional cautions given and self-referrals cautioned or excluded (each was
  assessed; a referral found unsuitable and sent back is not counted);
- ``prison``: place-years, from the prison population at each month's end;
- ``community_orders``: community sentences given.

Headline figures sum the months of the reported window (after the warm-up): ``cost.<item>_gbp``,
``cost.total_gbp``, ``cost.total_gbp_per_year`` and ``cost.total_discounted_gbp``, whose year k of
the window (k = 0, 1, ...) is divided by ``(1 + discount_rate) ** k`` as the Green Book does. In a
comparison, the paired difference of ``cost.total_gbp`` is the policy's net cost (negative: a
saving). Illustrative: unit costs for a population's loads, never the cost of a person.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from sim.inputs.scenario import Scenario

#: the items priced, in pipeline order
ITEMS: Final = (
    "forensic_examinations",
    "charging_decisions",
    "scheme_sessions",
    "facilitator_hours",
    "assessments",
    "magistrates_sitting_days",
    "crown_sitting_days",
    "prison",
    "community_orders",
)
#: headline cost metrics
HEADLINE_COSTS: Final = (
    *(f"cost.{item}_gbp" for item in ITEMS),
    "cost.total_gbp",
    "cost.total_gbp_per_year",
    "cost.total_discounted_gbp",
)


def monthly_costs(sc: Scenario, mo: dict[str, np.ndarray], days_in_month: np.ndarray) -> dict[str, np.ndarray]:
    """Pounds per calendar month of every item, from the monthly series ``mo`` (see the docstring)."""
    c = sc.costs
    f = sc.forensics
    triage_share = f.triage_effort_days.mean / f.effort_days.mean if f.effort_days.mean > 0 else 0.0
    return {
        "forensic_examinations": (mo["forensic_exams"] + triage_share * mo["triage_exams"]) * c.forensic_examination,
        "charging_decisions": mo["charging_decisions"] * c.charging_decision,
        "scheme_sessions": mo["participant_sessions"] * c.scheme_session,
        "facilitator_hours": mo["facilitator_hours"] * c.facilitator_hour,
        "assessments": mo["assessments"] * c.assessment,
        "magistrates_sitting_days": mo["magistrates_sitting_days_used"] * c.magistrates_sitting_day,
        "crown_sitting_days": mo["crown_sitting_days_used"] * c.crown_sitting_day,
        "prison": mo["prison_population_end"] * days_in_month / 365.25 * c.prison_place_year,
        "community_orders": mo["community_orders"] * c.community_order,
    }


def headline_costs(sc: Scenario, by_item: dict[str, np.ndarray], warmup_months: int, years: float) -> dict[str, float]:
    """The window's totals by item, the total, a year's average and the discounted total."""
    out = {f"cost.{item}_gbp": float(by_item[item][warmup_months:].sum()) for item in ITEMS}
    total = sum((by_item[item] for item in ITEMS), np.zeros_like(by_item[ITEMS[0]]))[warmup_months:]
    out["cost.total_gbp"] = float(total.sum())
    out["cost.total_gbp_per_year"] = out["cost.total_gbp"] / years if years > 0 else float("nan")
    year_of_month = np.arange(len(total)) // 12
    out["cost.total_discounted_gbp"] = float((total / (1.0 + sc.costs.discount_rate) ** year_of_month).sum())
    return out
