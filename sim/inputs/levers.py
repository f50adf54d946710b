"""The levers: every parameter a user moves to ask a policy question, with its documented direction.

Each lever names a scenario key, two settings (``low`` and ``high``; ``relative`` ones multiply the
context's own value), the context it is read in (a shipped scenario, with settings that put the
stage of interest where the effect can show: a Crown list that binds, examiners with room to
spare), and the sign of ``high - low`` it has on each metric: ``+`` rises, ``-`` falls, ``>=``
never falls, ``<=`` never rises, ``=`` stays where it is (a capacity upstream binds). The tests
check every sign on paired replications (common random numbers, so the difference is the lever's
and not the noise); ``docs/levers.md`` is this
table in words (``python -m sim.inputs.levers > docs/levers.md``, and a test keeps the two identical).

Illustrative policy model over aggregate rates: a lever moves a rate, share or capacity for a
population, never anything about a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: contexts: (shipped scenario, settings) in which a lever's effect can show
CONTEXTS: dict[str, tuple[str, dict[str, Any]]] = {
    "status quo": ("status-quo", {}),
    "Crown list binding": ("status-quo", {"court.crown.sitting_days_per_month": ("x", 0.88)}),
    "magistrates' list binding": ("status-quo", {"court.magistrates.sitting_days_per_month": ("x", 0.92)}),
    "nothing binds": (
        "status-quo",
        {
            "forensics.examiners": ("x", 2.0),
            "court.charging.lawyers": ("x", 2.0),
            "court.crown.sitting_days_per_month": ("x", 1.1),
            "court.magistrates.sitting_days_per_month": ("x", 1.1),
        },
    ),
    "status quo, outsourcing after four months": ("status-quo", {"forensics.outsource_after_days": 120.0}),
    "JUSTICE": ("justice-2019", {}),
    "JUSTICE, few facilitators": ("justice-2019", {"scheme.facilitators": ("x", 0.25)}),
    "conditional caution": ("npcc-conditional-caution", {}),
    "conditional caution, one assessor": ("npcc-conditional-caution", {"caution.assessors": ("x", 0.125)}),
    "self-referral": ("ccpas-self-referral", {}),
    "self-referral, few places": ("ccpas-self-referral", {"self_referral.treatment_places": ("x", 0.2)}),
}

RECEIPTS = "court.receipts"
SITTING = "court.sitting_days_used"
CROWN_WAITS = (
    "court.crown.wait_weeks_mean",
    "court.crown.wait_weeks_median",
    "court.crown.wait_weeks_p90",
    "court.crown.trial_wait_weeks_median",
    "court.crown.list.wait_weeks_mean",
    "court.crown.list.wait_weeks_median",
    "court.crown.list.wait_weeks_p90",
)


@dataclass(frozen=True)
class Lever:
    key: str
    low: Any
    high: Any
    context: str
    effects: dict[str, str]
    why: str
    relative: bool = False
    stage: str = field(default="")
    balance: str = ""  # a share that takes up the change so that a set of shares still sums to one

    def value(self, which: str, current: Any) -> Any:
        v = self.low if which == "low" else self.high
        return current * v if self.relative else v


def _all(metrics: tuple[str, ...], sign: str) -> dict[str, str]:
    return dict.fromkeys(metrics, sign)


LEVERS: tuple[Lever, ...] = (
    # ------------------------------------------------------------------------------- courts
    Lever(
        "court.crown.sitting_days_per_month",
        0.88,
        1.0,
        "status quo",
        stage="courts",
        relative=True,
        effects={
            **_all(CROWN_WAITS, "-"),
            "court.crown.backlog_end": "-",
            "court.crown.list.backlog_end": "-",
            "court.crown.age_days_median_end": "-",
            "court.wait_days_mean": "-",
            "court.wait_days_p90": "-",
            "court.crown.sitting_days_used": ">=",
            "court.crown.list.utilisation": "-",
        },
        why="More Crown sitting days (all cases) serve the shared list faster once it binds: every wait, the "
        "backlog and the age of the open caseload fall; these cases' own sitting days used never fall.",
    ),
    Lever(
        "court.magistrates.sitting_days_per_month",
        0.92,
        1.0,
        "status quo",
        stage="courts",
        relative=True,
        effects={
            "court.magistrates.backlog_end": "-",
            "court.magistrates.list.backlog_end": "-",
            "court.wait_days_mean": "-",
            "court.wait_days_median": "-",
            "court.magistrates.sitting_days_used": ">=",
        },
        why="More magistrates' sitting days shorten the wait from charge to disposal once that list binds.",
    ),
    Lever(
        "court.crown.hours_per_sitting_day",
        4.0,
        4.33,
        "Crown list binding",
        stage="courts",
        effects={
            "court.crown.wait_weeks_mean": "-",
            "court.crown.trial_wait_weeks_median": "-",
            "court.crown.list.backlog_end": "-",
        },
        why="Longer sitting days are more capacity: waits and the list's backlog fall where the list binds.",
    ),
    Lever(
        "court.crown.short_hearing_weight",
        2.0,
        20.0,
        "Crown list binding",
        stage="courts",
        effects={"court.crown.wait_weeks_median": "-", "court.crown.trial_wait_weeks_median": ">="},
        why="Listing short hearings more firmly ahead of trials shortens the wait to a guilty plea's main hearing "
        "when the list binds, at the trials' expense.",
    ),
    Lever(
        "court.crown.background.receipts_per_month",
        0.95,
        1.05,
        "status quo",
        stage="courts",
        relative=True,
        effects={
            "court.crown.list.backlog_end": "+",
            "court.crown.list.wait_weeks_mean": "+",
            "court.crown.wait_weeks_mean": "+",
            "court.crown.trial_wait_weeks_median": "+",
            "court.crown.list.utilisation": "+",
        },
        why="More of the rest of the caseload on the shared list: its backlog and every wait rise, these cases' too.",
    ),
    Lever(
        "court.crown.background.trial_hours",
        13.0,
        16.0,
        "status quo",
        stage="courts",
        effects={
            "court.crown.list.backlog_end": "+",
            "court.crown.list.wait_weeks_mean": "+",
            "court.crown.trial_wait_weeks_median": "+",
        },
        why="Longer trials in the rest of the caseload load the shared list: waits and backlog rise.",
    ),
    Lever(
        "court.crown.trial_hours",
        {"dist": "triangular", "min": 5, "mode": 8, "max": 10},
        {"dist": "triangular", "min": 10, "mode": 16, "max": 20},
        "status quo",
        stage="courts",
        effects={"court.crown.sitting_days_used": "+", "court.crown.list.backlog_end": ">="},
        why="Longer trials of these cases use more sitting days and never shorten the list.",
    ),
    Lever(
        "court.guilty_plea_share",
        0.7,
        0.9,
        "status quo",
        stage="courts",
        effects={SITTING: "-", "court.crown.wait_weeks_mean": "-", "court.crown.cracked_trials": "-"},
        why="More early guilty pleas: fewer trials, fewer sitting days, an earlier main hearing on average.",
    ),
    Lever(
        "court.late_guilty_plea_share",
        0.2,
        0.6,
        "status quo",
        stage="courts",
        effects={SITTING: "-", "court.crown.cracked_trials": "+"},
        why="More not-guilty pleas changing at the trial date: trials crack, fewer sitting days are used.",
    ),
    Lever(
        "court.ineffective_trial_share",
        0.1,
        0.3,
        "status quo",
        stage="courts",
        effects={"court.crown.trial_wait_weeks_median": "+", "court.backlog_end": "+"},
        why="More ineffective listings relist trials: trial waits and the cases left in court rise.",
    ),
    Lever(
        "court.charging.charge_share",
        0.7,
        0.85,
        "status quo",
        stage="courts",
        effects={RECEIPTS: "+", SITTING: "+", "court.backlog_end": ">="},
        why="Charging more cases sends more to court: receipts and sitting days rise.",
    ),
    Lever(
        "court.crown_share",
        0.6,
        0.85,
        "status quo",
        stage="courts",
        effects={
            "court.crown.receipts": "+",
            "court.crown.sitting_days_used": "+",
            "court.magistrates.sitting_days_used": "-",
        },
        why="Sending more cases to the Crown Court moves their hearings there from the magistrates.",
    ),
    # ---------------------------------------------------------------------------- forensics
    Lever(
        "forensics.examiners",
        0.9,
        1.1,
        "status quo",
        stage="forensics",
        relative=True,
        effects={
            "forensics.wait_days_mean": "-",
            "forensics.backlog_end": "-",
            "forensics.attrition": "-",
            RECEIPTS: "+",
            SITTING: "+",
        },
        why="More examiners where they bind: shorter forensic waits, fewer cases dropped while waiting, more "
        "prosecutions reaching court.",
    ),
    Lever(
        "forensics.effort_days",
        {"dist": "gamma", "mean": 2.7, "sd": 1.35},
        {"dist": "gamma", "mean": 3.3, "sd": 1.65},
        "status quo",
        stage="forensics",
        effects={"forensics.wait_days_mean": "+", "forensics.attrition": "+", RECEIPTS: "-"},
        why="Longer examinations on binding examiners: longer waits, more attrition, fewer prosecutions.",
    ),
    Lever(
        "forensics.attrition_per_year",
        0.05,
        0.3,
        "status quo",
        stage="forensics",
        effects={"forensics.attrition": "+", "forensics.wait_days_mean": "-", "forensics.backlog_end": "-"},
        why="Faster attrition drops more waiting cases: a shorter queue and wait (where examiners bind, what "
        "they examine, and so court load, is set by their capacity either way).",
    ),
    Lever(
        "forensics.outsourced_examiners",
        0.0,
        20.0,
        "status quo, outsourcing after four months",
        stage="forensics",
        effects={"forensics.outsourced": "+", "forensics.attrition": "-", RECEIPTS: "+"},
        why="Funding outside providers for long waiters is a capacity response: fewer dropped, more prosecuted.",
    ),
    # ------------------------------------------------------------------------------- demand
    Lever(
        "arrivals.per_month",
        0.8,
        1.0,
        "nothing binds",
        stage="demand",
        relative=True,
        effects={"police.arrests_per_month": "+", RECEIPTS: "+", SITTING: "+", "court.backlog_end": "+"},
        why="More detections mean more court load where no capacity binds upstream.",
    ),
    Lever(
        "arrivals.per_month",
        1.0,
        1.25,
        "status quo",
        stage="demand",
        relative=True,
        effects={
            "police.arrests_per_month": "+",
            "forensics.backlog_end": "+",
            "forensics.attrition": "+",
            RECEIPTS: "=",
        },
        why="Where examiners bind (the status quo) more detections lengthen the forensic queue and its "
        "attrition, and court load stays what examination capacity lets through (a warning says which "
        "capacity binds).",
    ),
    Lever(
        "arrivals.annual_growth",
        0.0,
        0.05,
        "nothing binds",
        stage="demand",
        effects={RECEIPTS: "+", SITTING: "+"},
        why="Growing detections grow court load where no capacity binds upstream.",
    ),
    Lever(
        "police.nfa_share",
        0.1,
        0.3,
        "status quo",
        stage="demand",
        effects={RECEIPTS: "-", SITTING: "-"},
        why="More no further action after examination: fewer charging decisions and court receipts.",
    ),
    # ------------------------------------------------------------------------- the scheme
    Lever(
        "decision.rules.deferred_prosecution.take_up",
        0.4,
        0.8,
        "JUSTICE",
        stage="scheme",
        effects={
            "scheme.referred": "+",
            "scheme.facilitator_hours": "+",
            "forensics.triage_examinations": "+",
            RECEIPTS: "-",
            SITTING: "-",
        },
        why="More take-up diverts more: fewer prosecutions and sitting days, more scheme load.",
    ),
    Lever(
        "decision.policy_start_month",
        0,
        24,
        "JUSTICE",
        stage="scheme",
        effects={"scheme.referred": "-", "scheme.facilitator_hours": "-", RECEIPTS: "+", SITTING: "+"},
        why="A later start leaves the policy's diversions fewer months of the run: fewer referrals, more cases "
        "prosecuted under the rules before it.",
    ),
    Lever(
        "decision.phase_in_months",
        0,
        24,
        "JUSTICE",
        stage="scheme",
        effects={"scheme.referred": "-", "scheme.facilitator_hours": "-", RECEIPTS: "+"},
        why="A slower build-up diverts a smaller share of cases in its first months: fewer referrals over the run "
        "and more court receipts.",
    ),
    Lever(
        "scheme.completion_rate",
        0.7,
        0.95,
        "JUSTICE",
        stage="scheme",
        effects={
            "scheme.completed": "+",
            "scheme.prosecuted_after_failure": "-",
            "court.late_prosecution_sitting_days": "-",
            RECEIPTS: "-",
            SITTING: "-",
        },
        why="More participants completing: fewer late prosecutions, less court time for them and less court load.",
    ),
    Lever(
        "scheme.facilitators",
        0.25,
        1.0,
        "JUSTICE",
        stage="scheme",
        relative=True,
        effects={
            "scheme.started": "+",
            "scheme.lapsed": "-",
            "scheme.facilitator_hours": "+",
            RECEIPTS: "-",
            SITTING: "-",
        },
        why="More places start more deferrals; fewer places mean more deferrals lapse into prosecution, never "
        "less court load.",
    ),
    Lever(
        "scheme.group_size",
        6,
        12,
        "JUSTICE, few facilitators",
        stage="scheme",
        effects={"scheme.started": "+", "scheme.lapsed": "-", RECEIPTS: "-"},
        why="Larger groups are more places: more deferrals start, fewer lapse.",
    ),
    Lever(
        "scheme.wait_limit_days",
        30.0,
        180.0,
        "JUSTICE, few facilitators",
        stage="scheme",
        effects={"scheme.lapsed": "-", "scheme.started": "+", RECEIPTS: "-"},
        why="A longer wait limit lets more deferrals start before they lapse.",
    ),
    Lever(
        "decision.triage_other_ineligible_share",
        0.0,
        0.3,
        "JUSTICE",
        stage="scheme",
        effects={"forensics.triage_ineligible": "+", "scheme.referred": "-", RECEIPTS: "+"},
        why="A triage that finds more cases ineligible returns them to prosecution.",
    ),
    Lever(
        "decision.interview_sees_making_share",
        0.0,
        1.0,
        "JUSTICE",
        stage="scheme",
        effects={"forensics.triage_examinations": "-", "forensics.triage_ineligible": "-"},
        why="The more the interview already sees of making or distributing, the fewer cases are diverted only to "
        "be found ineligible at triage.",
    ),
    Lever(
        "decision.triage_examination",
        False,
        True,
        "JUSTICE",
        stage="scheme",
        effects={
            "forensics.triage_examinations": "+",
            "forensics.triage_ineligible": "+",
            "scheme.referred": "-",
            "forensics.wait_days_mean": "+",
        },
        why="Without a triage examination the ineligible stay diverted; with it they are found and go back to "
        "prosecution, and the triage takes examiners' time (where examiners bind, from full examinations).",
    ),
    Lever(
        "scheme.late_prosecution_proceeds",
        0.5,
        1.0,
        "JUSTICE",
        stage="scheme",
        effects={"scheme.prosecuted_after_failure": "+", "court.late_prosecution_sitting_days": "+", RECEIPTS: "+"},
        why="More failed participants' prosecutions going ahead: more late court load and court time.",
    ),
    Lever(
        "court.charging.charge_admission_odds_ratio",
        1.0,
        7.0,
        "status quo",
        stage="demand",
        effects={RECEIPTS: "+"},
        why="Tying the charge to the admission (the overall share is for the whole population): those who reach "
        "the charging decision mostly admitted, since no further action took more of those who denied, so more "
        "of them are charged.",
    ),
    # --------------------------------------------------------------------------- cautions
    Lever(
        "decision.rules.conditional_caution.take_up",
        0.4,
        0.8,
        "conditional caution",
        stage="caution",
        effects={"caution.conditional": "+", "caution.course_hours": "+", RECEIPTS: "-", SITTING: "-"},
        why="More conditional cautions: fewer prosecutions, more course hours.",
    ),
    Lever(
        "caution.assessors",
        0.1,
        1.0,
        "conditional caution",
        stage="caution",
        relative=True,
        effects={"caution.conditional": "+", "caution.lapsed": "-", RECEIPTS: "-"},
        why="More assessors assess more referrals; too few, and referrals lapse into prosecution.",
    ),
    Lever(
        "caution.wait_limit_days",
        30.0,
        180.0,
        "conditional caution, one assessor",
        stage="caution",
        effects={"caution.lapsed": "<="},
        why="A longer wait limit lets referrals wait longer for an assessment; where assessors bind, about as many "
        "lapse in the long run (what is assessed is set by their capacity), never more.",
    ),
    Lever(
        "caution.suitable_share",
        0.6,
        0.95,
        "conditional caution",
        stage="caution",
        effects={"caution.conditional": "+", RECEIPTS: "-"},
        why="More referrals assessed as low risk: more cautions, fewer prosecutions.",
    ),
    Lever(
        "caution.breach_share",
        0.05,
        0.3,
        "conditional caution",
        stage="caution",
        effects={"caution.breached": "+", RECEIPTS: "+"},
        why="More breaches bring more late prosecutions.",
    ),
    # ----------------------------------------------------------------------- self-referral
    Lever(
        "self_referral.per_month",
        0.5,
        2.0,
        "self-referral",
        stage="self-referral",
        relative=True,
        effects={
            "self_referral.referred": "+",
            "caution.self_referral": "+",
            "forensics.triage_examinations": "+",
            "self_referral.displaced": "+",
        },
        why="More people coming forward: more assessments, treatment, cautions and displaced detections.",
    ),
    Lever(
        "self_referral.displacement_share",
        0.0,
        1.0,
        "self-referral",
        stage="self-referral",
        effects={"self_referral.displaced": "+", RECEIPTS: "-", "police.arrests_per_month": "-"},
        why="The more self-referrers would have been detected later, the fewer later detections and prosecutions.",
    ),
    Lever(
        "self_referral.treatment_places",
        0.2,
        1.0,
        "self-referral",
        stage="self-referral",
        relative=True,
        effects={"self_referral.cautioned": "+", "self_referral.lapsed": "-", RECEIPTS: "-"},
        why="Fewer treatment places mean more self-referrals lapse into the ordinary route, never less court load.",
    ),
    Lever(
        "self_referral.wait_limit_days",
        30.0,
        360.0,
        "self-referral, few places",
        stage="self-referral",
        effects={"self_referral.lapsed": "-", "self_referral.cautioned": "+"},
        why="A longer wait limit lets more self-referrals reach a treatment place.",
    ),
    Lever(
        "self_referral.completion_share",
        0.5,
        0.95,
        "self-referral",
        stage="self-referral",
        effects={"self_referral.cautioned": "+", RECEIPTS: "-"},
        why="More completing treatment: more cautions, fewer prosecutions.",
    ),
    # ---------------------------------------------------------------- sentence and after
    Lever(
        "sentence.custody_share",
        0.11,
        0.31,
        "status quo",
        stage="sentence",
        effects={"prison.population_end": "+", "sentence.custody": "+"},
        balance="sentence.suspended_share",
        why="More custody (the suspended share taking up the difference): a larger prison population.",
    ),
    Lever(
        "sentence.community_programme_share",
        0.2,
        0.8,
        "status quo",
        stage="sentence",
        effects={"probation.programme_starts": "+"},
        why="More community orders with a programme requirement: more probation programme starts.",
    ),
    Lever(
        "reoffending.probability",
        0.02,
        0.08,
        "status quo",
        stage="sentence",
        effects={"reoffending.reoffences": "+", "reoffending.per_1000_person_years": "+"},
        why="A higher chance of detected reoffending: more reoffences and re-entering cases.",
    ),
)


def context_settings(lever: Lever) -> tuple[str, dict[str, Any]]:
    return CONTEXTS[lever.context]


def render() -> str:
    """docs/levers.md."""
    lines = [
        "# Levers and their directions",
        "",
        "Every lever a user can move, the context it is read in, and the direction of its effect (the sign of",
        "the high setting minus the low one): `+` rises, `-` falls, `>=` never falls, `<=` never rises, `=` stays "
        "(where a capacity upstream binds).",
        "`tests/test_levers.py` checks every sign on paired replications (common random numbers) of a small",
        "version of the context; this page is generated from `sim/inputs/levers.py` (`python -m sim.inputs.levers`) "
        "and a",
        "test keeps it current. Contexts put the stage where the effect can show: a court wait responds to",
        "capacity once its list binds, and court load responds to detections only where no capacity binds",
        "upstream (the warnings of a run say which does).",
        "",
        "Illustrative policy model over aggregate rates: not a tool for assessing, scoring or predicting the risk",
        "of any individual.",
        "",
        "## Contexts",
        "",
        "| context | scenario | settings |",
        "|---|---|---|",
    ]
    for name, (scenario, sets) in CONTEXTS.items():
        shown = ", ".join(f"`{k}` x {v[1]:g}" if isinstance(v, tuple) else f"`{k}` = {v}" for k, v in sets.items())
        lines.append(f"| {name} | `{scenario}` | {shown or '-'} |")
    stage = None
    for lever in LEVERS:
        if lever.stage != stage:
            stage = lever.stage
            lines += [
                "",
                f"## {stage.capitalize()}",
                "",
                "| lever | low -> high | context | effects | why |",
                "|---|---|---|---|---|",
            ]

        def show(v: Any, lever: Lever = lever) -> str:
            if isinstance(v, dict):
                return ", ".join(f"{k}={x}" for k, x in v.items() if k != "dist")
            return f"x {v:g}" if lever.relative else str(v).lower() if isinstance(v, bool) else f"{v:g}"

        effects = "; ".join(f"`{m}` {s}" for m, s in lever.effects.items())
        lines.append(
            f"| `{lever.key}` | {show(lever.low)} -> {show(lever.high)} | {lever.context} | {effects} | {lever.why} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
