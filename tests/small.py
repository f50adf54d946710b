"""A small scenario of national shape (one year, a twelfth of the national lists) for tests that need quick runs.

Tests vary it by passing the values they change; the CLI form and the sweep-file form come from
the same values, so the small scenario is defined once.
"""

from __future__ import annotations

SMALL: dict[str, int] = {
    "arrivals.per_month": 60,
    "forensics.examiners": 8,
    "court.crown.sitting_days_per_month": 750,
    "court.crown.background.receipts_per_month": 800,
    "court.crown.background.initial_cases": 3600,
    "court.magistrates.sitting_days_per_month": 1300,
    "court.magistrates.background.receipts_per_month": 11000,
    "court.magistrates.background.initial_cases": 27000,
    "court.charging.lawyers": 2,
    "initial.forensics.cases": 300,
    "initial.crown_trial.cases": 20,
}


def small_args(changes: dict[str, int] | None = None) -> list[str]:
    """Command-line options for one year of the small scenario."""
    args = ["--years", "1"]
    for key, value in {**SMALL, **(changes or {})}.items():
        args += ["--set", f"{key}={value}"]
    return args


def small_set(changes: dict[str, int] | None = None) -> str:
    """A sweep file's ``[set]`` table for one year of the small scenario."""
    lines = ["[set]", '"run.years" = 1']
    lines += [f'"{key}" = {value}' for key, value in {**SMALL, **(changes or {})}.items()]
    return "\n".join(lines) + "\n"
