"""The validated scenario: every parameter of the model, its unit, its default and that default's source.

A scenario is aggregate rates, shares, capacities and durations for a population. No field
describes a person. Sections follow the pipeline (arrivals, police, forensics, decision, scheme,
caution, self_referral, court, sentence, reoffending) plus ``run`` and ``initial``. Unknown keys
are refused at every level, so a misspelt parameter is an error rather than a silently ignored
default.

Provenance tags in ``source`` follow the evidence table: FOUND (read in a public source),
FOUND-weak (secondary or low-quality source, a bound only), SEED (from the news reports the
project started from), ASSUMPTION (a reasoned modelling choice), NOT FOUND (free parameter).
``docs/sources.md`` lists the S-numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from sim.inputs.distributions import DistSpec, coerce_number

Duration = Annotated[DistSpec, BeforeValidator(coerce_number)]

FLAG_NAMES = (
    "first_time",
    "prior_sexual_violent",
    "making_distributing",
    "admits",
    "contact_with_children",
    "category",
)
ROUTES = ("deferred_prosecution", "conditional_caution", "simple_caution", "charge", "nfa")
CATEGORIES = ("A", "B", "C")
#: the most cases one replication may be expected to see, so that memory and time stay bounded: a
#: case still open at the end holds about 1.5 KB, a closed one about 0.3 KB (docs/reliability.md)
MAX_CASES = 2_000_000


def split_by_odds(overall: float, odds_ratio: float, a: float) -> tuple[float, float]:
    """Shares (p1, p0) with odds(p1) = odds_ratio x odds(p0) and a p1 + (1 - a) p0 = overall.

    The mean is increasing in p0, so a bisection finds it; any overall share in [0, 1] has an answer."""
    if overall <= 0.0 or overall >= 1.0:
        return overall, overall

    def lifted(p0: float) -> float:
        o = odds_ratio * p0 / (1.0 - p0) if p0 < 1.0 else math.inf
        return o / (1.0 + o) if math.isfinite(o) else 1.0

    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if a * lifted(mid) + (1.0 - a) * mid < overall:
            lo = mid
        else:
            hi = mid
    p0 = 0.5 * (lo + hi)
    return lifted(p0), p0


def param(default: Any, unit: str, source: str, **kw: Any) -> Any:
    """A parameter with its unit and the source of its default (shown by ``divertsim explain``)."""
    return Field(default, json_schema_extra={"unit": unit, "source": source}, **kw)


def share(default: float, source: str) -> Any:
    return param(default, "share", source, ge=0.0, le=1.0, allow_inf_nan=False)


def count(default: float, unit: str, source: str, most: float = 100_000) -> Any:
    """A non-negative amount: people, places, cases a month (an upper bound keeps runs feasible)."""
    return param(default, unit, source, ge=0, le=most, allow_inf_nan=False)


class Section(BaseModel):
    # strict: "650" is not a number and true is not 1; a whole number is still a valid float
    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True, strict=True)


class ScheduleStep(Section):
    """From calendar month ``from_month`` (0 = the first month of the run) the value becomes ``value``."""

    from_month: int = Field(ge=0)
    value: float = Field(ge=0, le=1_000_000, allow_inf_nan=False)


def _check_schedule(steps: list[ScheduleStep]) -> None:
    months = [s.from_month for s in steps]
    if len(set(months)) != len(months):
        raise ValueError("schedule has two steps for the same from_month")


# --------------------------------------------------------------------------------------------- run
class Run(Section):
    start_date: dt.date = param(
        dt.date(2018, 1, 1),
        "date",
        "ASSUMPTION: calibration year 2018 (evidence caveat 3: keep to one year)",
        strict=False,
    )
    years: float = param(
        10.0, "years", "ASSUMPTION: policy horizon reported, after any warm-up", gt=0, le=100, allow_inf_nan=False
    )
    warmup_months: int = param(
        0,
        "months",
        "ASSUMPTION: months simulated before the reported horizon and excluded from statistics",
        ge=0,
        le=240,
    )
    replications: int = param(10, "replications", "ASSUMPTION", ge=1, le=100_000)
    seed: int = param(20190610, "seed", "ASSUMPTION: arbitrary master seed", ge=0, lt=2**63)

    @property
    def months(self) -> int:
        """Months simulated: the warm-up plus the reported horizon (at least one month)."""
        return self.warmup_months + max(1, round(self.years * 12))

    @model_validator(mode="after")
    def _dates(self) -> Run:
        if not 1900 <= self.start_date.year <= 2200:
            raise ValueError(f"start_date {self.start_date} is outside 1900-2200")
        return self


# ---------------------------------------------------------------------------------------- arrivals
class Population(Section):
    """Shares of synthetic case flags among first-time-detected cases (drawn independently)."""

    prior_sexual_violent: float = share(
        0.08, "FOUND-weak V16 (S31, S15): 7-10% of arrestees already known sex offenders"
    )
    making_distributing: float = share(0.40, "ASSUMPTION P5: 0.3-0.7 of cases are viewing only and not 'more serious'")
    admits: float = share(0.65, "ASSUMPTION P5: 0.5-0.8 admit the offence")
    contact_with_children: float = share(0.20, "ASSUMPTION: NOT FOUND; share assessed as having contact with children")
    category_a: float = share(0.20, "ASSUMPTION: NOT FOUND; share whose most serious images are category A")
    category_b: float = share(0.20, "ASSUMPTION: NOT FOUND; category B")
    category_c: float = share(0.60, "ASSUMPTION: NOT FOUND; category C")

    @model_validator(mode="after")
    def _categories_sum(self) -> Population:
        total = self.category_a + self.category_b + self.category_c
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"category_a + category_b + category_c must sum to 1 (got {total:.6g})")
        return self


class ArrivalStep(Section):
    from_month: int = Field(ge=0)
    per_month: float = Field(ge=0, allow_inf_nan=False)


class Arrivals(Section):
    per_month: float = count(
        850.0,
        "cases/month",
        "ASSUMPTION within V1 (SEED: ~1,000 investigations a month): detections of every kind, reoffenders' new cases "
        "included (reoffending.stationary_start); V3 (FOUND-weak, S10) quotes ~850 a month",
    )
    process: Literal["poisson", "deterministic"] = param(
        "poisson", "-", "ASSUMPTION: independent detections; 'deterministic' spaces arrivals evenly (oracles)"
    )
    annual_growth: float = param(
        0.0,
        "share/year",
        "ASSUMPTION: flat; V4/V6 show growth in referrals, a sensitivity",
        ge=-0.9,
        le=1.0,
        allow_inf_nan=False,
    )
    schedule: list[ArrivalStep] = param([], "cases/month", "ASSUMPTION: optional piecewise rate from a month on")
    arrested_share: float = share(
        0.50, "ASSUMPTION: share arrested rather than interviewed voluntarily (S92); gives ~425 arrests/month (V2)"
    )
    population: Population = Population()

    @model_validator(mode="after")
    def _schedule(self) -> Arrivals:
        months = [s.from_month for s in self.schedule]
        if len(set(months)) != len(months):
            raise ValueError("schedule has two steps for the same from_month")
        return self


# ------------------------------------------------------------------------------------------ police
class Police(Section):
    investigation_delay_days: Duration = param(
        {"dist": "triangular", "min": 1, "mode": 14, "max": 120},
        "days",
        "FOUND T1 (S16, S17): 1 day (very high risk) to 30 days recommended, often missed; ASSUMPTION shape",
    )
    nfa_share: float = share(
        0.20,
        "ASSUMPTION: NOT FOUND at person level; evidential no-further-action after examination (S29, S82 show low "
        "charge rates at crime level)",
    )
    nfa_admission_odds_ratio: float = param(
        0.12,
        "odds ratio",
        "ASSUMPTION: odds of no further action for those who admitted over those who denied (0.12: about 8% against "
        "42% at the default shares); an admission with images found rarely ends in no further action",
        ge=0.001,
        le=1000,
        allow_inf_nan=False,
    )


class Forensics(Section):
    examiners: float = count(
        80.0,
        "examiners",
        "ASSUMPTION: examiner capacity for these cases; T2 (S35, S85, S88) waits of 6-12 months with backlogs growing "
        "or steady (T3), so demand exceeds it and waiting cases are dropped (attrition_per_year)",
    )
    schedule: list[ScheduleStep] = param([], "examiners", "ASSUMPTION: optional change of capacity from a month on")
    working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    effort_days: Duration = param(
        {"dist": "gamma", "mean": 3.0, "sd": 1.5},
        "examiner-days",
        "FOUND-weak T4 (S89): 'up to 3 days' per machine; ASSUMPTION per case",
    )
    triage_effort_days: Duration = param(
        {"dist": "gamma", "mean": 0.5, "sd": 0.25},
        "examiner-days",
        "ASSUMPTION: a triage examination previews the devices of a case diverted before full examination (or handed "
        "in); NOT FOUND",
    )
    priority: dict[str, Any] = param(
        {"contact_with_children": True},
        "-",
        "ASSUMPTION from T1 (S16, S17): cases graded higher risk are examined ahead of the rest (flags as in a "
        "decision rule's when; {} for one queue)",
    )
    attrition_per_year: float = param(
        0.45,
        "1/year",
        "ASSUMPTION: a case waiting for examination is dropped (no further action) at this rate as evidence ages and "
        "priorities move on; 28% of image offences were dropped before charge in 2023/24 (WEAK, series 2a)",
        ge=0,
        le=52,
        allow_inf_nan=False,
    )
    outsourced_examiners: float = count(
        0.0,
        "examiners",
        "ASSUMPTION: capacity response, outside providers' examiners for cases that have waited outsource_after_days "
        "(HMICFRS 2022, S121); none in the 2018 baseline",
    )
    outsource_after_days: float = param(
        270.0,
        "days",
        "ASSUMPTION: a case waiting this long is sent to an outside provider when outsourced_examiners > 0",
        ge=1,
        le=3650,
        allow_inf_nan=False,
    )

    @model_validator(mode="after")
    def _sched(self) -> Forensics:
        _check_schedule(self.schedule)
        _check_when(self.priority, "priority")
        return self


# ---------------------------------------------------------------------------------------- decision
#: flags that only an examination establishes; at interview a rule sees them only where the
#: interview (with the referral's intelligence) already shows them (Decision.interview_sees_*)
EXAMINATION_FLAGS = ("making_distributing", "category")


def _check_when(when: dict[str, Any], label: str) -> None:
    for name, value in when.items():
        if name not in FLAG_NAMES:
            raise ValueError(f"unknown flag '{name}' in {label} (flags: {', '.join(FLAG_NAMES)})")
        if name == "category":
            if not isinstance(value, list) or not value or any(c not in CATEGORIES for c in value):
                raise ValueError(
                    f'{label}.category must be a non-empty list of A, B and C, such as ["B", "C"] (got {value!r})'
                )
        elif not isinstance(value, bool):
            raise ValueError(f"{label}.{name} must be true or false (got {value!r})")


def _disjoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether no case can match both conditions."""
    for name in a.keys() & b.keys():
        if name == "category":
            if not set(a[name]) & set(b[name]):
                return True
        elif a[name] != b[name]:
            return True
    return False


class Rule(Section):
    """A declarative eligibility rule: cases whose flags match ``when`` take ``route`` with ``take_up``.

    ``when`` maps flag names to a required boolean (``admits = true``) or, for ``category``, a list
    of allowed categories (``category = ["B", "C"]``). At each decision point rules are tried by
    ``order`` (lower first); the first that matches and is taken decides. Cases no rule takes are
    charged. Two rules at one point that could take the same case must have different orders, so
    that which comes first is a stated choice, never an accident of file order.
    """

    route: Literal["deferred_prosecution", "conditional_caution", "simple_caution", "nfa"]
    point: Literal["interview", "after_forensics"] | None = None
    when: dict[str, Any] = {}
    take_up: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    order: int = Field(100, ge=0, le=10_000)

    @model_validator(mode="after")
    def _flags(self) -> Rule:
        _check_when(self.when, "when")
        return self


class Decision(Section):
    point: Literal["interview", "after_forensics"] = param(
        "after_forensics",
        "-",
        "FOUND T7/P2 (S12, S2): decisions can be taken at interview on admission, or after examination",
    )
    rules: dict[str, Rule] = param({}, "-", "scenario policy")
    policy_start_month: int = param(
        0,
        "months",
        "scenario policy: the month of the run (0 = its first, the start of the warm-up) from which the diversion "
        "rules (deferred prosecution, conditional caution) decide the cases interviewed; before it those cases meet "
        "the other rules, as under the status quo",
        ge=0,
        le=1200,
    )
    phase_in_months: int = param(
        0,
        "months",
        "scenario policy: over this many months from policy_start_month the diversion rules take a share of the "
        "cases they would take that rises in a straight line from none to all (take-up or places building up); 0: "
        "all at once",
        ge=0,
        le=600,
    )
    triage_examination: bool = param(
        True,
        "-",
        "ASSUMPTION: a case diverted at interview has its devices triaged (forensics.triage_effort_days) before the "
        "diversion goes ahead, which finds the cases the rule excludes that the interview could not see; false: no "
        "examination, and those cases stay diverted",
    )
    interview_sees_making_share: float = share(
        0.5,
        "ASSUMPTION: share of making or distributing cases the interview already shows (referrals are often of "
        "uploads, V5 S15); the rest only an examination finds",
    )
    interview_sees_category_share: float = share(0.0, "ASSUMPTION: image categories are known only from an examination")
    triage_other_ineligible_share: float = share(
        0.05,
        "ASSUMPTION: share of cases a triage examination finds ineligible for other reasons (JUSTICE excluded 'more "
        "serious' suspects, S3, not defined)",
    )

    @model_validator(mode="after")
    def _interview_needs_admission(self) -> Decision:
        for name, rule in self.rules.items():
            point = rule.point or self.point
            if point == "interview" and rule.route != "nfa" and rule.when.get("admits") is not True:
                raise ValueError(
                    f"rule '{name}' decides at interview, which needs an admission: add admits = true to its when"
                )
        live = [(n, r, r.point or self.point) for n, r in self.rules.items() if r.take_up > 0]
        for i, (name_a, a, point_a) in enumerate(live):
            for name_b, b, point_b in live[i + 1 :]:
                if point_a == point_b and a.order == b.order and not _disjoint(a.when, b.when):
                    raise ValueError(
                        f"rules '{name_a}' and '{name_b}' both decide {point_a.replace('_', ' ')} with order {a.order} "
                        "and can take the same cases: give them different order values (lower is tried first)"
                    )
        return self

    def ordered_rules(self) -> list[Rule]:
        """Rules in the order they are tried."""
        return sorted(self.rules.values(), key=lambda r: r.order)  # stable: file order among equals

    def order_text(self) -> list[str]:
        """Each decision point's rules in the order they are tried, for the manifest, ``explain`` and the report."""
        names = {id(r): n for n, r in self.rules.items()}
        out = []
        for point in ("interview", "after_forensics"):
            rules = [r for r in self.ordered_rules() if (r.point or self.point) == point and r.take_up > 0]
            if rules:
                out.append(
                    f"{point.replace('_', ' ')}: "
                    + ", then ".join(
                        f"{names[id(r)]} ({r.route}, order {r.order}, take-up {r.take_up:g})" for r in rules
                    )
                    + ", else charge"
                )
        return out


# ------------------------------------------------------------------------------------------ scheme
class Scheme(Section):
    """JUSTICE (2019) deferred prosecution: group sessions, then a follow-up session."""

    sessions: int = param(5, "sessions", "FOUND P1 (S3, S2, S7, S9): five educational sessions", ge=1, le=52)
    session_minutes: float = param(
        90.0, "minutes", "FOUND P1 (S3): sessions of up to 90 minutes", gt=0, le=480, allow_inf_nan=False
    )
    course_months: float = param(4.0, "months", "FOUND P1 (S3): over four months", ge=0, le=60, allow_inf_nan=False)
    follow_up_months: float = param(
        8.0, "months", "FOUND P1 (S3): one follow-up session eight months later", ge=0, le=120, allow_inf_nan=False
    )
    group_size: int = param(10, "places/group", "ASSUMPTION: NOT FOUND", ge=1, le=1000)
    min_group_size: int = param(6, "people", "ASSUMPTION: a group starts once this many are waiting", ge=1, le=1000)
    small_group_after_days: float = param(
        56.0,
        "days",
        "ASSUMPTION: a smaller group starts once the longest waiter has waited this long",
        ge=0,
        le=3650,
        allow_inf_nan=False,
    )
    wait_limit_days: float = param(
        90.0,
        "days",
        "ASSUMPTION: a deferral whose course has not started within this many days lapses and the case is prosecuted "
        "(cf. Checkpoint's three-month limit, S50)",
        ge=1,
        le=3650,
        allow_inf_nan=False,
    )
    group_start_interval_days: float = param(
        14.0, "days", "ASSUMPTION: a new group can start every fortnight", ge=1, le=365, allow_inf_nan=False
    )
    facilitators: float = count(0.0, "facilitators", "ASSUMPTION: none unless a scenario funds the scheme")
    facilitators_per_group: int = param(2, "facilitators", "ASSUMPTION", ge=1, le=100)
    groups_per_facilitator: int = param(
        3, "groups", "ASSUMPTION: concurrent groups one facilitator can run", ge=1, le=100
    )
    completion_rate: float = share(
        0.85,
        "ASSUMPTION P6: 0.75-0.95; no IIOC figure found (proxies S49, S53); includes failures by reoffending during "
        "the course and follow-up",
    )
    late_prosecution_proceeds: float = share(
        0.90, "ASSUMPTION: share of failed participants whose late prosecution can still proceed"
    )

    @property
    def course_days(self) -> float:
        return self.course_months * 365.25 / 12.0

    @property
    def follow_up_days(self) -> float:
        return self.follow_up_months * 365.25 / 12.0

    @property
    def session_gap_days(self) -> float:
        return self.course_days / (self.sessions - 1) if self.sessions > 1 else 0.0

    @property
    def group_slots(self) -> int:
        """Groups that can run at once with the facilitators available."""
        return int(self.facilitators * self.groups_per_facilitator // self.facilitators_per_group)

    @model_validator(mode="after")
    def _timetable(self) -> Scheme:
        if self.sessions > 1 and self.session_gap_days < 1.0:
            raise ValueError(
                f"timetable cannot fit: {self.sessions} sessions over {self.course_months:g} months leaves "
                f"{self.session_gap_days:.2f} days between sessions; sessions need separate days"
            )
        if self.min_group_size > self.group_size:
            raise ValueError(f"min_group_size ({self.min_group_size}) exceeds group_size ({self.group_size})")
        return self


# ------------------------------------------------------------------------------------------ caution
class Caution(Section):
    """NPCC (2017) conditional caution with a rehabilitation course; simple cautions need no resources."""

    assessors: float = count(5.0, "assessors", "ASSUMPTION: risk assessors for conditional cautions")
    assessor_working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    assessment_days: Duration = param(
        {"dist": "gamma", "mean": 0.5, "sd": 0.25}, "assessor-days", "ASSUMPTION: NOT FOUND"
    )
    wait_limit_days: float = param(
        90.0,
        "days",
        "ASSUMPTION: a referral not assessed within this many days goes back to the ordinary route",
        ge=1,
        le=3650,
        allow_inf_nan=False,
    )
    suitable_share: float = share(0.80, "ASSUMPTION: share of referred cases the risk assessment finds low risk")
    course_hours: Duration = param(
        {"dist": "triangular", "min": 2, "mode": 3, "max": 4}, "hours", "FOUND P8 (S39): 2-4 hour one-to-one courses"
    )
    completion_window_days: float = param(
        112.0, "days", "FOUND P8 (S39): completed within the 16-week caution period", gt=0, le=3650, allow_inf_nan=False
    )
    breach_share: float = share(0.10, "ASSUMPTION: NOT FOUND; breach of conditions leads to prosecution (P7, S13)")


# ------------------------------------------------------------------------------------ self-referral
class SelfReferral(Section):
    """CCPAS (2005) self-referral: never ran, so uptake is a free parameter (P12)."""

    per_month: float = count(
        0.0, "people/month", "NOT FOUND P12 (S37): never operated; Stop It Now contacts (P11) are a loose envelope only"
    )
    displacement_share: float = share(
        0.5,
        "ASSUMPTION: share of self-referrers who would otherwise have been detected later (each removes one later "
        "detection)",
    )
    displacement_within_years: float = param(
        3.0,
        "years",
        "ASSUMPTION: a displaced detection would have come uniformly within this many years",
        gt=0,
        le=20,
        allow_inf_nan=False,
    )
    excluded_if_making: bool = param(
        True,
        "-",
        "ASSUMPTION: an amnesty covers viewing only; the examination of handed-in devices sends making or "
        "distributing to the ordinary route",
    )
    assessors: float = count(5.0, "assessors", "ASSUMPTION: independent assessors")
    assessor_working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    assessment_days: Duration = param({"dist": "gamma", "mean": 1.0, "sd": 0.5}, "assessor-days", "ASSUMPTION")
    wait_limit_days: float = param(
        180.0,
        "days",
        "ASSUMPTION: a self-referral not assessed, or not given a treatment place, within this many days goes to the "
        "ordinary route",
        ge=1,
        le=3650,
        allow_inf_nan=False,
    )
    suitable_share: float = share(0.70, "ASSUMPTION: share found suitable for treatment instead of investigation")
    treatment_places: int = param(
        50,
        "places",
        "ASSUMPTION: concurrent treatment places (whole places: a place is held for the programme)",
        ge=0,
        le=100_000,
    )
    treatment_sessions: int = param(
        11, "sessions", "FOUND P10 (S43): Inform Plus is an 11-session programme", ge=1, le=200
    )
    session_interval_days: float = param(7.0, "days", "ASSUMPTION: weekly sessions", gt=0, le=365, allow_inf_nan=False)
    completion_share: float = share(
        0.80, "ASSUMPTION: those who do not complete go to the ordinary investigation route"
    )
    handover_days: Duration = param(
        {"dist": "uniform", "min": 0, "max": 14}, "days", "ASSUMPTION: device hand-over before assessment"
    )

    @property
    def treatment_days(self) -> float:
        return (self.treatment_sessions - 1) * self.session_interval_days


# -------------------------------------------------------------------------------------------- court
class Background(Section):
    """The rest of a court's caseload, sharing its list: receipts and their hearings, as a flow of cohorts.

    Hearing lengths are mean hours per case and delays mean days; the pre-sentence report and
    relisting delays, the ineffective-trial share and its lost hours are the court's."""

    receipts_per_month: float = count(0.0, "cases/month", "set per level", most=10_000_000)
    schedule: list[ScheduleStep] = param([], "cases/month", "ASSUMPTION: optional change of receipts from a month on")
    first_hearing_days: float = param(28.0, "days", "set per level", ge=0, le=3650, allow_inf_nan=False)
    trial_ready_days: float = param(56.0, "days", "set per level", ge=0, le=3650, allow_inf_nan=False)
    guilty_plea_share: float = share(0.75, "set per level")
    late_guilty_plea_share: float = share(0.41, "set per level")
    conviction_at_trial: float = share(0.60, "ASSUMPTION D8 (as for these cases)")
    psr_share: float = share(0.5, "ASSUMPTION: share of convictions sentenced after a pre-sentence report")
    first_hearing_hours: float = param(0.7, "hours", "set per level", ge=0, le=100, allow_inf_nan=False)
    trial_hours: float = param(14.5, "hours", "set per level", ge=0, le=1000, allow_inf_nan=False)
    cracked_hours: float = param(
        1.0,
        "hours",
        "ASSUMPTION: a trial that cracks on the day takes about an hour",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    sentence_hours: float = param(1.0, "hours", "ASSUMPTION T13: 0.5-1.5 h", ge=0, le=100, allow_inf_nan=False)
    other_hours: float = param(0.0, "hours/case", "set per level", ge=0, le=100, allow_inf_nan=False)
    initial_cases: float = count(0.0, "cases", "set per level", most=10_000_000)
    initial_max_age_days: float = param(
        365.0,
        "days",
        "ASSUMPTION: the open caseload was received up to this long before the start",
        ge=0,
        le=36500,
        allow_inf_nan=False,
    )

    @model_validator(mode="after")
    def _sched(self) -> Background:
        _check_schedule(self.schedule)
        return self


class CourtLevel(Section):
    shared: bool = param(
        True,
        "-",
        "domain brief: these cases share courtrooms with the rest of the caseload; false gives them a dedicated list "
        "of sitting_days_per_month (the textbook queue of the oracles)",
    )
    sitting_days_per_month: float = count(0.0, "sitting days/month", "set per level", most=1_000_000)
    schedule: list[ScheduleStep] = param(
        [],
        "sitting days/month",
        "ASSUMPTION: optional change of capacity from a month on (C4 shows allocations change yearly)",
    )
    hours_per_sitting_day: float = param(
        4.33,
        "hours",
        "FOUND T12 (S83): a sitting day of about 4.33 hours (2003-04)",
        ge=0.5,
        le=24,
        allow_inf_nan=False,
    )
    sitting_days_per_week: int = param(5, "days/week", "ASSUMPTION: weekdays", ge=1, le=7)
    listing: Literal["weighted", "short_first", "fifo"] = param(
        "weighted",
        "-",
        "ASSUMPTION: short hearings (first, plea and sentence hearings) and trials share each day's capacity in "
        "proportion to their waiting work, short work weighted by short_hearing_weight; short_first lists short "
        "hearings ahead; fifo one list (a dedicated list takes short_first or fifo)",
    )
    short_hearing_weight: float = param(
        4.0,
        "x",
        "ASSUMPTION: listing favours short hearings: when trials back up, a short hearing waits about a quarter as "
        "long as a trial",
        ge=1,
        le=1e6,
        allow_inf_nan=False,
    )
    trial_hours: Duration = param({"dist": "triangular", "min": 2, "mode": 3, "max": 6}, "hours", "set per level")
    cracked_hours: Duration = param(
        {"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 2.0},
        "hours",
        "ASSUMPTION: a trial that cracks with a late guilty plea takes about an hour on the day",
    )
    sentence_hours: Duration = param(
        {"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 1.5}, "hours", "ASSUMPTION T13: 0.5-1.5 h (NOT FOUND)"
    )
    background: Background = Background()

    @model_validator(mode="after")
    def _sched(self) -> CourtLevel:
        _check_schedule(self.schedule)
        if not self.shared and self.listing == "weighted":
            raise ValueError(
                'listing = "weighted" needs a shared list: a dedicated list (shared = false) '
                'takes listing = "short_first" or "fifo"'
            )
        return self


class MagistratesBackground(Background):
    first_hearing_days: float = param(
        60.0,
        "days",
        "ASSUMPTION: receipt to the hearing at which the plea is taken, adjournments included; with trial_ready_days "
        "the flow's mean time in court is about 75 days, so that 1.4 million receipts a year hold the published "
        "290,000 outstanding cases (Little's law, DERIVED)",
        ge=0,
        le=3650,
        allow_inf_nan=False,
    )
    trial_ready_days: float = param(
        63.0,
        "days",
        "FOUND (S84, T8): first listing to trial start, mean 63 days (2014)",
        ge=0,
        le=3650,
        allow_inf_nan=False,
    )
    receipts_per_month: float = count(
        118_000.0,
        "cases/month",
        "FOUND-weak (CCSQ via search snippet): magistrates' courts received 1.37 million cases in 2023; about 1.4 "
        "million a year (ASSUMPTION for 2018)",
        most=10_000_000,
    )
    sent_to_crown_share: float = share(
        0.07, "DERIVED: about 100,000 Crown receipts a year of about 1.4 million magistrates' receipts"
    )
    guilty_plea_share: float = share(
        0.85, "ASSUMPTION: most magistrates' cases end at the first hearing on a plea or in absence"
    )
    late_guilty_plea_share: float = share(
        0.40, "ASSUMPTION: about as in the Crown Court (effective trial rate 42%, Q3 2023, T14)"
    )
    psr_share: float = share(0.10, "ASSUMPTION: few magistrates' sentences wait for a report")
    first_hearing_hours: float = param(
        0.2,
        "hours",
        "ASSUMPTION: most magistrates' first hearings take minutes (NOT FOUND)",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    trial_hours: float = param(
        2.5, "hours", "ASSUMPTION: NOT FOUND; summary trials are short", ge=0, le=1000, allow_inf_nan=False
    )
    cracked_hours: float = param(0.5, "hours", "ASSUMPTION", ge=0, le=100, allow_inf_nan=False)
    sentence_hours: float = param(0.5, "hours", "ASSUMPTION T13", ge=0, le=100, allow_inf_nan=False)
    initial_cases: float = count(
        290_500.0,
        "cases",
        "FOUND (CCSQ annual 2017): 296,800 magistrates' cases outstanding at the end of 2017, 290,500 in Q1 2018",
        most=10_000_000,
    )
    initial_max_age_days: float = param(180.0, "days", "ASSUMPTION", ge=0, le=36500, allow_inf_nan=False)


class CrownBackground(Background):
    first_hearing_days: float = param(
        28.0,
        "days",
        "ASSUMPTION: the plea and trial preparation hearing about 28 days after sending, as for these cases",
        ge=0,
        le=3650,
        allow_inf_nan=False,
    )
    trial_ready_days: float = param(
        283.0,
        "days",
        "DERIVED: plea hearing to a trial-ready listing, set so that with no queue the flow holds 33,100 open cases "
        "at 2018 receipts (CCSQ Q4 2018: 33,113, when waits were at their lowest); Little's law gives a mean of 117 "
        "days in court",
        ge=0,
        le=3650,
        allow_inf_nan=False,
    )
    receipts_per_month: float = count(
        8_600.0,
        "cases/month",
        "DERIVED from CCSQ (via Law Gazette): 27,319 Crown receipts in Q3 2019, 1,200 more than in Q3 2018, so about "
        "8,700 a month in 2018; ~100,000 a year (series section 6)",
        most=10_000_000,
    )
    guilty_plea_share: float = share(
        0.75,
        "DERIVED: 14,991 effective trials in 2018 (PQ 116474, series 4d) are 0.147 per receipt; with 41% of trial "
        "listings cracking, 1 - 0.147/0.59 = 0.75 plead guilty at the first hearing (72% at the first opportunity, "
        "all offences, CCSS 2014)",
    )
    late_guilty_plea_share: float = share(
        0.41,
        "DERIVED from CCSQ Q4 2017 (series 4d): 35% of trials cracked, 51% effective, 15% ineffective; 35/(35+51) of "
        "decided trial listings crack",
    )
    first_hearing_hours: float = param(
        0.7,
        "hours",
        "FOUND (CCSQ 2016): guilty-plea cases take about 1.7 hours of hearing time, here 0.7 h at the plea hearing "
        "and 1.0 h at sentence",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    trial_hours: float = param(
        14.5,
        "hours",
        "FOUND (CCSQ Q3 2016, series 4d): not-guilty trials took 14.5 hours (12.5-15 h, 2013-16)",
        ge=0,
        le=1000,
        allow_inf_nan=False,
    )
    other_hours: float = param(
        0.4,
        "hours/case",
        "ASSUMPTION: hearings the flow does not name (mentions, bail, appeals, committals); with the rest, 2018 "
        "demand is about 96% of the sitting days, as the caseload fell by 4,500 cases in 2018 (CCSQ, series 4b)",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    initial_cases: float = count(
        39_600.0,
        "cases",
        "FOUND (CCSQ Q2 2017, series 4b): 39,600 cases outstanding in the Crown Court",
        most=10_000_000,
    )


class Magistrates(CourtLevel):
    sitting_days_per_month: float = count(
        14_200.0,
        "sitting days/month",
        "ASSUMPTION: NOT FOUND; national magistrates' capacity about 4% above the flow's demand (the outstanding "
        "caseload was broadly stable from 2016, CCSQ)",
        most=1_000_000,
    )
    first_hearing_hours: Duration = param(
        {"dist": "triangular", "min": 0.25, "mode": 0.5, "max": 1.0}, "hours", "ASSUMPTION: NOT FOUND"
    )
    trial_hours: Duration = param(
        {"dist": "triangular", "min": 2, "mode": 3, "max": 6},
        "hours",
        "ASSUMPTION: NOT FOUND; summary trials are shorter than Crown trials",
    )
    sentence_hours: Duration = param(
        {"dist": "triangular", "min": 0.25, "mode": 0.5, "max": 1.0}, "hours", "ASSUMPTION T13 (NOT FOUND)"
    )
    background: MagistratesBackground = MagistratesBackground()


class Crown(CourtLevel):
    sitting_days_per_month: float = count(
        8_108.0,
        "sitting days/month",
        "FOUND C4 (PQ 4764, series 4a): 97,293 Crown Court days sat in 2018/19, a twelfth a month (all cases)",
        most=1_000_000,
    )
    ptph_hours: Duration = param(
        {"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 1.5}, "hours", "ASSUMPTION T13: 0.5-1.5 h"
    )
    trial_hours: Duration = param(
        {"dist": "triangular", "min": 7, "mode": 12.5, "max": 15},
        "hours",
        "FOUND (CCSQ 2013-16, series 4d): not-guilty trials took 12.5-15 hours; T12 (S83): about 7 hours in 2003-04",
    )
    background: CrownBackground = CrownBackground()


class Charging(Section):
    lawyers: float = count(
        14.0, "lawyers", "ASSUMPTION: charging lawyers' capacity for these cases, a little above demand"
    )
    working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    effort_days: Duration = param({"dist": "gamma", "mean": 0.5, "sd": 0.25}, "lawyer-days", "ASSUMPTION: NOT FOUND")
    charge_share: float = share(0.85, "ASSUMPTION (evidence section 3): p_charge 0.5-0.9")
    charge_admission_odds_ratio: float = param(
        7.0,
        "odds ratio",
        "ASSUMPTION: odds of a charge for those who admitted over those who denied (7: about 90% against 56%)",
        ge=0.001,
        le=1000,
        allow_inf_nan=False,
    )


class Court(Section):
    charging: Charging = Charging()
    magistrates: Magistrates = Magistrates()
    crown: Crown = Crown()
    first_hearing_delay_days: Duration = param(
        {"dist": "uniform", "min": 14, "max": 28},
        "days",
        "ASSUMPTION: charge to first listing (T8 gives offence-to-completion only)",
    )
    crown_share: float = share(
        0.75, "FOUND-weak D10 (S92): 'vast majority' sent to the Crown Court; ASSUMPTION 0.60-0.85"
    )
    sending_delay_days: Duration = param(
        28.0, "days", "ASSUMPTION: plea and trial preparation hearing about 28 days after sending"
    )
    guilty_plea_share: float = share(
        0.80,
        "ASSUMPTION D9: 0.70-0.90 plead guilty at the first opportunity (NOT FOUND for IIOC; S77 sexual offences "
        "lower)",
    )
    guilty_plea_admission_odds_ratio: float = param(
        8.0,
        "odds ratio",
        "ASSUMPTION D9: odds of an early guilty plea for those who admitted at interview over those who denied (8: "
        "about 92% against 58%)",
        ge=0.001,
        le=1000,
        allow_inf_nan=False,
    )
    late_guilty_plea_share: float = share(
        0.41,
        "DERIVED from CCSQ Q4 2017 (series 4d): 35% of Crown trials cracked against 51% effective; a not-guilty plea "
        "changes to guilty at or near the trial, after waiting in the trial list",
    )
    conviction_at_trial: float = share(0.60, "ASSUMPTION D8: conviction ratio 0.55-0.90 (S101 local 49-62%)")
    trial_ready_days: Duration = param(
        {"dist": "uniform", "min": 28, "max": 84}, "days", "ASSUMPTION: preparation before a trial can be listed"
    )
    ineffective_trial_share: float = share(
        0.20, "FOUND T14 (S74, S67): Crown ineffective trials 13-19% pre-Covid, 25% in 2024"
    )
    ineffective_hours: float = param(
        0.5, "hours", "ASSUMPTION: court time lost to an ineffective listing", ge=0, le=24, allow_inf_nan=False
    )
    relist_delay_days: Duration = param(
        {"dist": "uniform", "min": 28, "max": 84}, "days", "ASSUMPTION: ineffective trial relisted after 4-12 weeks"
    )
    max_relistings: int = param(
        10, "listings", "ASSUMPTION: a case is heard at the latest on this relisting", ge=0, le=100
    )
    psr_share: float = share(0.90, "ASSUMPTION: share of convictions with a pre-sentence report")
    psr_delay_days: Duration = param({"dist": "uniform", "min": 21, "max": 42}, "days", "ASSUMPTION T13: 3-6 weeks")


# ----------------------------------------------------------------------------------------- sentence
class Sentence(Section):
    custody_share: float = share(0.21, "FOUND D1 (S24): 21% immediate custody in 2017 (755/3,609)")
    suspended_share: float = share(0.48, "FOUND-weak D2 (S27): 48% suspended (2023/24)")
    community_share: float = share(
        0.31, "FOUND-weak D3 (S27): 32% community orders (2023/24), rounded so shares sum to 1"
    )
    custody_months: Duration = param(
        {"dist": "triangular", "min": 6, "mode": 12, "max": 36},
        "months",
        "ASSUMPTION D5/D11 (S99): guideline ranges, Crown Court; average length NOT FOUND",
    )
    magistrates_custody_months: Duration = param(
        {"dist": "triangular", "min": 1, "mode": 3, "max": 6},
        "months",
        "FOUND-weak D7 (S100): magistrates' powers of 26 weeks per offence; ASSUMPTION shape",
    )
    release_fraction: float = share(0.5, "ASSUMPTION (evidence section 7): release at the halfway point")
    community_programme_share: float = share(
        0.5,
        "ASSUMPTION: community orders with a treatment programme requirement (probation programme starts, "
        "probation.programme_starts)",
    )

    @model_validator(mode="after")
    def _sum(self) -> Sentence:
        total = self.custody_share + self.suspended_share + self.community_share
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"custody_share + suspended_share + community_share must sum to 1 (got {total:.6g})")
        return self


# -------------------------------------------------------------------------------------- reoffending
REOFFENDING_ROUTES = (
    "deferred_prosecution",
    "conditional_caution",
    "simple_caution",
    "self_referral",
    "custody",
    "suspended",
    "community",
    "acquitted",
    "nfa",
)


class Reoffending(Section):
    """Detected reoffending as a constant hazard over time at risk, the same on every route by default.

    Every case is at risk from detection, whatever route it is on and however long it waits, for
    ``window_years`` of time at liberty (time in custody does not count); ``probability`` is the
    chance of a detected reoffence over that window, which sets the hazard. Route multipliers
    scale the hazard after a case ends on that route (a sensitivity only)."""

    probability: float = share(
        0.04,
        "ASSUMPTION (evidence section 6): 1-5% detected sexual reoffending over 3-5 years (R1-R5); UK charity 5-10% "
        "(R7)",
    )
    window_years: float = param(
        5.0,
        "years",
        "ASSUMPTION: follow-up window of the studies (1.5-6 years), as time at liberty",
        gt=0,
        le=50,
        allow_inf_nan=False,
    )
    multipliers: dict[str, float] = param(
        dict.fromkeys(REOFFENDING_ROUTES, 1.0),
        "x",
        "FOUND R8 (S62, S63): no robust route difference; equal by default, a sensitivity only",
    )
    stationary_start: bool = param(
        True,
        "-",
        "ASSUMPTION: people detected before the start reoffend after it as they would in a steady state, so the "
        "re-entry stream starts at its steady level; re-entries are part of arrivals.per_month, not extra to it",
    )

    @model_validator(mode="after")
    def _routes(self) -> Reoffending:
        for route, mult in self.multipliers.items():
            if route not in REOFFENDING_ROUTES:
                raise ValueError(f"unknown route '{route}' in multipliers (routes: {', '.join(REOFFENDING_ROUTES)})")
            if not (0 <= mult <= 100 and math.isfinite(mult)):
                raise ValueError(f"multiplier for {route} must be a finite number >= 0 (and at most 100)")
        if self.probability >= 1:
            raise ValueError("probability must be below 1 (a hazard cannot make reoffending certain)")
        return self

    def multiplier(self, route: str) -> float:
        return self.multipliers.get(route, 1.0)

    @property
    def hazard_per_day(self) -> float:
        """The hazard that gives ``probability`` over ``window_years`` at risk."""
        return -math.log1p(-self.probability) / (self.window_years * 365.25)


# -------------------------------------------------------------------------------------------- costs
def gbp(default: float, unit: str, source: str) -> Any:
    """A unit cost in pounds (at most a million: no unit here costs more)."""
    return param(default, unit, source, ge=0, le=1_000_000, allow_inf_nan=False)


class Costs(Section):
    """Unit costs, to price the loads the model counts (see :mod:`sim.results.costs`).

    They never change what happens to a case: they turn sitting days, examinations, decisions,
    sessions, assessments, prison time and community orders into pounds, per year and discounted.
    Each default is at its own source's prices (the year is in its source) and none is rebased:
    ``price_year`` is the year the results are labelled with, an ASSUMPTION that the sources'
    years are close enough for an illustrative comparison."""

    price_year: int = param(
        2023,
        "year",
        "ASSUMPTION: results are quoted at about 2023 prices; the defaults are not rebased",
        ge=1990,
        le=2100,
    )
    crown_sitting_day: float = gbp(
        2500.0,
        "GBP/sitting day",
        "ASSUMPTION from K2 (S96): £1,441-1,519 direct cost (judiciary and staff) per Crown case in 2007/08-2010/11, "
        "spread over the sitting time a case takes; excludes CPS, legal aid and police",
    )
    magistrates_sitting_day: float = gbp(
        1200.0,
        "GBP/sitting day",
        "ASSUMPTION from K2 (S96): £154-174 direct cost per magistrates' case in 2007/08-2010/11, spread over the "
        "sitting time a case takes; excludes CPS, legal aid and police",
    )
    forensic_examination: float = gbp(
        1200.0,
        "GBP/examination",
        "ASSUMPTION: NOT FOUND (K6); about four examiner-days at £300 a day (the effort proxy T4); triage "
        "examinations are priced at forensics.triage_effort_days of that",
    )
    charging_decision: float = gbp(250.0, "GBP/decision", "ASSUMPTION: NOT FOUND; a CPS charging decision")
    scheme_session: float = gbp(
        150.0,
        "GBP/participant-session",
        "ASSUMPTION (evidence section 7): £100-200 a contact hour, scaled from commercial courses (P8, S39), so that "
        "a place of five sessions and a follow-up costs about £900 beside its facilitators' time, inside the "
        "evidence's £900-1,800",
    )
    facilitator_hour: float = gbp(40.0, "GBP/hour", "ASSUMPTION: NOT FOUND; a facilitator's hour with on-costs")
    assessment: float = gbp(
        300.0, "GBP/assessment", "ASSUMPTION: NOT FOUND; a risk assessment for a conditional caution or self-referral"
    )
    prison_place_year: float = gbp(
        51724.0, "GBP/place-year", "FOUND K1 (S93): £51,724 per prisoner per year, 2022/23 (open male £27,348)"
    )
    community_order: float = gbp(4000.0, "GBP/order", "ASSUMPTION: NOT FOUND; a community order with supervision")
    discount_rate: float = param(
        0.035,
        "share/year",
        "HM Treasury Green Book: 3.5% a year (social time preference rate, first 30 years); year k of the reported "
        "horizon is divided by 1.035^k",
        ge=0,
        le=0.5,
        allow_inf_nan=False,
    )


# ------------------------------------------------------------------------------------------ initial
class Stock(Section):
    """Cases already waiting at one stage when the run starts."""

    cases: int = param(0, "cases", "ASSUMPTION: calibrated stock", ge=0, le=1_000_000)
    max_age_days: float = param(
        0.0,
        "days",
        "ASSUMPTION: the stock entered its stage uniformly within this many days before the start",
        ge=0,
        le=36500,
        allow_inf_nan=False,
    )


class Initial(Section):
    """Cases already waiting when the run starts, so that a run need not start empty."""

    forensics: Stock = Stock()
    charging: Stock = Stock()
    magistrates: Stock = Stock()
    crown_trial: Stock = Stock()


# ------------------------------------------------------------------------------------------ history
#: inputs that can be given year by year (each also takes a schedule; a key takes one or the other)
HISTORY_KEYS = (
    "arrivals.per_month",
    "forensics.examiners",
    "court.magistrates.sitting_days_per_month",
    "court.crown.sitting_days_per_month",
    "court.magistrates.background.receipts_per_month",
    "court.crown.background.receipts_per_month",
)


class History(Section):
    """Year-by-year inputs: from the first month of each year the input takes that year's value.

    ``year_starts`` says when a year begins: in January (calendar years, as court statistics count
    receipts) or in April (financial years, as sitting days are allocated). A year that began before
    the run starts sets the value from the run's first month."""

    year_starts: Literal["january", "april"] = param("january", "-", "the series' own year: April for financial years")
    inputs: dict[str, dict[str, float]] = param(
        {}, "per key", "scenario file: each input's value by year, with its source in [sources]"
    )

    @model_validator(mode="after")
    def _inputs(self) -> History:
        for key, by_year in self.inputs.items():
            if key not in HISTORY_KEYS:
                raise ValueError(
                    f"history.inputs: '{key}' cannot be given by year (these can: {', '.join(HISTORY_KEYS)})"
                )
            for year, value in by_year.items():
                if not (year.isdigit() and 1900 <= int(year) <= 2200):
                    raise ValueError(f"history.inputs.{key}: '{year}' is not a year")
                if not (math.isfinite(value) and 0 <= value <= 10_000_000):
                    raise ValueError(f"history.inputs.{key}.{year}: {value!r} is not a count from 0 to 10,000,000")
        return self


# ----------------------------------------------------------------------------------------- scenario
class Scenario(Section):
    name: str = param("unnamed", "-", "scenario file")
    description: str = param("", "-", "scenario file")
    run: Run = Run()
    arrivals: Arrivals = Arrivals()
    police: Police = Police()
    forensics: Forensics = Forensics()
    decision: Decision = Decision()
    scheme: Scheme = Scheme()
    caution: Caution = Caution()
    self_referral: SelfReferral = SelfReferral()
    court: Court = Court()
    sentence: Sentence = Sentence()
    reoffending: Reoffending = Reoffending()
    costs: Costs = Costs()
    initial: Initial = Initial()
    history: History = History()
    sources: dict[str, str] = param({}, "-", "scenario file: sources for values the file sets")

    def steps(self, key: str) -> list[tuple[int, float]]:
        """The changes of a scheduled input as (from_month, value): its schedule, or its history by year."""
        by_year = self.history.inputs.get(key)
        if by_year is None:
            node: Any = self
            for part in key.split(".")[:-1]:  # the section that holds the input and its schedule
                node = getattr(node, part)
            schedule = getattr(node, "schedule", [])
            return [(st.from_month, float(getattr(st, "per_month", getattr(st, "value", 0.0)))) for st in schedule]
        first = 1 if self.history.year_starts == "january" else 4
        start = self.run.start_date
        by_month: dict[int, float] = {}
        for year, value in sorted((int(y), v) for y, v in by_year.items()):
            months = (year - start.year) * 12 + (first - start.month)  # months from the start to the year's first month
            by_month[max(months, 0)] = value  # of years begun before the start, the latest holds
        return sorted(by_month.items())

    @model_validator(mode="after")
    def _history_or_schedule(self) -> Scenario:
        for key in self.history.inputs:
            node: Any = self
            for part in key.split(".")[:-1]:
                node = getattr(node, part)
            if getattr(node, "schedule", None):
                raise ValueError(f"history.inputs: {key} has a schedule too; give one or the other")
        return self

    def by_admission(self, overall: float, odds_ratio: float) -> tuple[float, float]:
        """(share if the case admits, share if it denies): their odds differ by ``odds_ratio`` and,
        over the population's admission share, they average to ``overall``."""
        return split_by_odds(overall, odds_ratio, self.arrivals.population.admits)

    @model_validator(mode="after")
    def _completion_possible(self) -> Scenario:
        s = self.scheme
        stays = math.exp(-self.reoffending.hazard_per_day * (s.course_days + s.follow_up_days))
        if s.completion_rate > stays + 1e-12:
            raise ValueError(
                f"scheme.completion_rate ({s.completion_rate:g}) cannot exceed the chance of not reoffending during "
                f"the deferral ({stays:.3g}, from reoffending.probability and window_years): reoffending is a failure"
            )
        return self

    @field_validator("name")
    @classmethod
    def _name_is_a_name(cls, value: str) -> str:
        from sim.inputs.names import check_name  # a name becomes a folder name (see sim.inputs.names)

        return check_name(value)

    @model_validator(mode="after")
    def _size(self) -> Scenario:
        a = self.arrivals
        months = self.run.months
        peak = max([a.per_month, *(v for _, v in self.steps("arrivals.per_month"))]) + self.self_referral.per_month
        stocks = sum(getattr(self.initial, s).cases for s in ("forensics", "charging", "magistrates", "crown_trial"))
        expected = peak * months * max(1.0, (1.0 + a.annual_growth) ** (months / 12)) + stocks
        if expected > MAX_CASES:
            raise ValueError(
                f"the run would see about {expected:,.0f} cases, more than the {MAX_CASES:,} a run "
                "can hold: shorten run.years or lower the arrival rate"
            )
        return self
