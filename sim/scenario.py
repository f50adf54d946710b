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

from .distributions import DistSpec, coerce_number

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
    start_date: dt.date = param(dt.date(2018, 1, 1), "date", "ASSUMPTION: calibration year 2018 (evidence caveat 3: keep to one year)",
                                strict=False)
    years: float = param(10.0, "years", "ASSUMPTION: policy horizon reported, after any warm-up", gt=0, le=100, allow_inf_nan=False)
    warmup_months: int = param(0, "months", "ASSUMPTION: months simulated before the reported horizon and excluded from statistics", ge=0, le=240)
    replications: int = param(10, "replications", "ASSUMPTION", ge=1, le=100_000)
    seed: int = param(20190610, "seed", "ASSUMPTION: arbitrary master seed", ge=0, lt=2**63)

    @property
    def months(self) -> int:
        """Months simulated: the warm-up plus the reported horizon (at least one month)."""
        return self.warmup_months + max(1, round(self.years * 12))

    @model_validator(mode="after")
    def _dates(self) -> "Run":
        if not 1900 <= self.start_date.year <= 2200:
            raise ValueError(f"start_date {self.start_date} is outside 1900-2200")
        return self


# ---------------------------------------------------------------------------------------- arrivals
class Population(Section):
    """Shares of synthetic case flags among first-time-detected cases (drawn independently)."""

    prior_sexual_violent: float = share(0.08, "FOUND-weak V16 (S31, S15): 7-10% of arrestees already known sex offenders")
    making_distributing: float = share(0.40, "ASSUMPTION P5: 0.3-0.7 of cases are viewing only and not 'more serious'")
    admits: float = share(0.65, "ASSUMPTION P5: 0.5-0.8 admit the offence")
    contact_with_children: float = share(0.20, "ASSUMPTION: NOT FOUND; share assessed as having contact with children")
    category_a: float = share(0.20, "ASSUMPTION: NOT FOUND; share whose most serious images are category A")
    category_b: float = share(0.20, "ASSUMPTION: NOT FOUND; category B")
    category_c: float = share(0.60, "ASSUMPTION: NOT FOUND; category C")

    @model_validator(mode="after")
    def _categories_sum(self) -> "Population":
        total = self.category_a + self.category_b + self.category_c
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"category_a + category_b + category_c must sum to 1 (got {total:.6g})")
        return self


class ArrivalStep(Section):
    from_month: int = Field(ge=0)
    per_month: float = Field(ge=0, allow_inf_nan=False)


class Arrivals(Section):
    per_month: float = count(650.0, "cases/month", "ASSUMPTION from V1/V2 (S15, S102): ~400-450 arrests a month plus voluntary interviews, within ~1,000 investigations a month")
    process: Literal["poisson", "deterministic"] = param("poisson", "-", "ASSUMPTION: independent detections; 'deterministic' spaces arrivals evenly (oracles)")
    annual_growth: float = param(0.0, "share/year", "ASSUMPTION: flat; V4/V6 show growth in referrals, a sensitivity", ge=-0.9, le=1.0, allow_inf_nan=False)
    schedule: list[ArrivalStep] = param([], "cases/month", "ASSUMPTION: optional piecewise rate from a month on")
    arrested_share: float = share(0.65, "ASSUMPTION: share arrested rather than interviewed voluntarily (S92); gives ~420 arrests/month (V2)")
    population: Population = Population()

    @model_validator(mode="after")
    def _schedule(self) -> "Arrivals":
        months = [s.from_month for s in self.schedule]
        if len(set(months)) != len(months):
            raise ValueError("schedule has two steps for the same from_month")
        return self


# ------------------------------------------------------------------------------------------ police
class Police(Section):
    investigation_delay_days: Duration = param(
        {"dist": "triangular", "min": 1, "mode": 14, "max": 120}, "days",
        "FOUND T1 (S16, S17): 1 day (very high risk) to 30 days recommended, often missed; ASSUMPTION shape")
    nfa_share: float = share(0.20, "ASSUMPTION: NOT FOUND at person level; evidential no-further-action after examination (S29, S82 show low charge rates at crime level)")


class Forensics(Section):
    examiners: float = count(90.0, "examiners", "ASSUMPTION: examiner capacity for these cases, set so the status-quo backlog is steady (T2 waits 6-12 months)")
    schedule: list[ScheduleStep] = param([], "examiners", "ASSUMPTION: optional change of capacity from a month on")
    working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    effort_days: Duration = param(
        {"dist": "gamma", "mean": 3.0, "sd": 1.5}, "examiner-days",
        "FOUND-weak T4 (S89): 'up to 3 days' per machine; ASSUMPTION per case")

    @model_validator(mode="after")
    def _sched(self) -> "Forensics":
        _check_schedule(self.schedule)
        return self


# ---------------------------------------------------------------------------------------- decision


class Rule(Section):
    """A declarative eligibility rule: cases whose flags match ``when`` take ``route`` with ``take_up``.

    ``when`` maps flag names to a required boolean (``admits = true``) or, for ``category``, a list
    of allowed categories (``category = ["B", "C"]``). At each decision point rules are tried by
    ``order`` (lower first; equal orders in file order, a base file's rules before those a file
    that extends it adds); the first that matches and is taken decides. Cases no rule takes are
    charged.
    """

    route: Literal["deferred_prosecution", "conditional_caution", "simple_caution", "nfa"]
    point: Literal["interview", "after_forensics"] | None = None
    when: dict[str, Any] = {}
    take_up: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    order: int = Field(100, ge=0, le=10_000)

    @model_validator(mode="after")
    def _flags(self) -> "Rule":
        for name, value in self.when.items():
            if name not in FLAG_NAMES:
                raise ValueError(f"unknown flag '{name}' in when (flags: {', '.join(FLAG_NAMES)})")
            if name == "category":
                if not isinstance(value, list) or not value or any(c not in CATEGORIES for c in value):
                    raise ValueError("when.category must be a non-empty list of A, B and C, such as [\"B\", \"C\"]"
                                     f" (got {value!r})")
            elif not isinstance(value, bool):
                raise ValueError(f"when.{name} must be true or false (got {value!r})")
        return self


class Decision(Section):
    point: Literal["interview", "after_forensics"] = param(
        "after_forensics", "-", "FOUND T7/P2 (S12, S2): decisions can be taken at interview on admission, or after examination")
    rules: dict[str, Rule] = param({}, "-", "scenario policy")

    @model_validator(mode="after")
    def _interview_needs_admission(self) -> "Decision":
        for name, rule in self.rules.items():
            point = rule.point or self.point
            if point == "interview" and rule.route != "nfa" and rule.when.get("admits") is not True:
                raise ValueError(
                    f"rule '{name}' decides at interview, which needs an admission: add admits = true to its when")
        return self

    def ordered_rules(self) -> list[Rule]:
        """Rules in the order they are tried."""
        return sorted(self.rules.values(), key=lambda r: r.order)  # stable: file order among equals


# ------------------------------------------------------------------------------------------ scheme
class Scheme(Section):
    """JUSTICE (2019) deferred prosecution: group sessions, then a follow-up session."""

    sessions: int = param(5, "sessions", "FOUND P1 (S3, S2, S7, S9): five educational sessions", ge=1, le=52)
    session_minutes: float = param(90.0, "minutes", "FOUND P1 (S3): sessions of up to 90 minutes", gt=0, le=480, allow_inf_nan=False)
    course_months: float = param(4.0, "months", "FOUND P1 (S3): over four months", ge=0, le=60, allow_inf_nan=False)
    follow_up_months: float = param(8.0, "months", "FOUND P1 (S3): one follow-up session eight months later", ge=0, le=120, allow_inf_nan=False)
    min_session_gap_days: float = param(7.0, "days", "ASSUMPTION: sessions at least a week apart", ge=0, le=365, allow_inf_nan=False)
    group_size: int = param(10, "places/group", "ASSUMPTION: NOT FOUND", ge=1, le=1000)
    min_group_size: int = param(6, "people", "ASSUMPTION: a group starts once this many are waiting", ge=1, le=1000)
    max_wait_days: float = param(56.0, "days", "ASSUMPTION: a smaller group starts once the longest waiter has waited this long", ge=0, le=3650, allow_inf_nan=False)
    group_start_interval_days: float = param(14.0, "days", "ASSUMPTION: a new group can start every fortnight", ge=1, le=365, allow_inf_nan=False)
    facilitators: float = count(0.0, "facilitators", "ASSUMPTION: none unless a scenario funds the scheme")
    facilitators_per_group: int = param(2, "facilitators", "ASSUMPTION", ge=1, le=100)
    groups_per_facilitator: int = param(3, "groups", "ASSUMPTION: concurrent groups one facilitator can run", ge=1, le=100)
    completion_rate: float = share(0.85, "ASSUMPTION P6: 0.75-0.95; no IIOC figure found (proxies S49, S53)")
    reoffend_during_deferral: float = share(0.01, "ASSUMPTION: the base reoffending rate (about 4% in 5 years) over the 12-month deferral; P6 proxies for general offenders (S49, S53: ~5% in 3-4 months) are an upper bound")
    late_prosecution_proceeds: float = share(0.90, "ASSUMPTION: share of failed participants whose late prosecution can still proceed")

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
    def _timetable(self) -> "Scheme":
        if self.sessions > 1 and self.session_gap_days < self.min_session_gap_days:
            raise ValueError(
                f"timetable cannot fit: {self.sessions} sessions over {self.course_months:g} months leaves "
                f"{self.session_gap_days:.1f} days between sessions, below min_session_gap_days ({self.min_session_gap_days:g})")
        if self.min_group_size > self.group_size:
            raise ValueError(f"min_group_size ({self.min_group_size}) exceeds group_size ({self.group_size})")
        if self.completion_rate > 1.0 - self.reoffend_during_deferral + 1e-12:
            raise ValueError(
                f"completion_rate ({self.completion_rate:g}) cannot exceed 1 - reoffend_during_deferral "
                f"({1 - self.reoffend_during_deferral:g}): reoffending during the deferral is a failure")
        return self


# ------------------------------------------------------------------------------------------ caution
class Caution(Section):
    """NPCC (2017) conditional caution with a rehabilitation course; simple cautions need no resources."""

    assessors: float = count(5.0, "assessors", "ASSUMPTION: risk assessors for conditional cautions")
    assessor_working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    assessment_days: Duration = param({"dist": "gamma", "mean": 0.5, "sd": 0.25}, "assessor-days", "ASSUMPTION: NOT FOUND")
    suitable_share: float = share(0.80, "ASSUMPTION: share of referred cases the risk assessment finds low risk")
    course_hours: Duration = param({"dist": "triangular", "min": 2, "mode": 3, "max": 4}, "hours", "FOUND P8 (S39): 2-4 hour one-to-one courses")
    completion_window_days: float = param(112.0, "days", "FOUND P8 (S39): completed within the 16-week caution period", gt=0, le=3650, allow_inf_nan=False)
    breach_share: float = share(0.10, "ASSUMPTION: NOT FOUND; breach of conditions leads to prosecution (P7, S13)")


# ------------------------------------------------------------------------------------ self-referral
class SelfReferral(Section):
    """CCPAS (2005) self-referral: never ran, so uptake is a free parameter (P12)."""

    per_month: float = count(0.0, "people/month", "NOT FOUND P12 (S37): never operated; Stop It Now contacts (P11) are a loose envelope only")
    assessors: float = count(5.0, "assessors", "ASSUMPTION: independent assessors")
    assessment_days: Duration = param({"dist": "gamma", "mean": 1.0, "sd": 0.5}, "assessor-days", "ASSUMPTION")
    suitable_share: float = share(0.70, "ASSUMPTION: share found suitable for treatment instead of investigation")
    treatment_places: int = param(50, "places", "ASSUMPTION: concurrent treatment places (whole places: a place is held for the programme)", ge=0, le=100_000)
    treatment_sessions: int = param(11, "sessions", "FOUND P10 (S43): Inform Plus is an 11-session programme", ge=1, le=200)
    session_interval_days: float = param(7.0, "days", "ASSUMPTION: weekly sessions", gt=0, le=365, allow_inf_nan=False)
    completion_share: float = share(0.80, "ASSUMPTION: those who do not complete go to the ordinary investigation route")
    handover_days: Duration = param({"dist": "uniform", "min": 0, "max": 14}, "days", "ASSUMPTION: device hand-over before assessment")

    @property
    def treatment_days(self) -> float:
        return (self.treatment_sessions - 1) * self.session_interval_days


# -------------------------------------------------------------------------------------------- court
class CourtLevel(Section):
    sitting_days_per_month: float = count(0.0, "sitting days/month", "set per level", most=1_000_000)
    schedule: list[ScheduleStep] = param([], "sitting days/month", "ASSUMPTION: optional change of capacity from a month on (C4 shows allocations change yearly)")
    hours_per_sitting_day: float = param(4.33, "hours", "FOUND T12 (S83): a sitting day of about 4.33 hours (2003-04)", ge=0.5, le=24, allow_inf_nan=False)
    sitting_days_per_week: int = param(5, "days/week", "ASSUMPTION: weekdays", ge=1, le=7)
    listing: Literal["short_first", "fifo"] = param("short_first", "-", "ASSUMPTION: short hearings (pleas, sentences) are listed ahead of trials")
    trial_hours: Duration = param({"dist": "triangular", "min": 2, "mode": 3, "max": 6}, "hours", "set per level")
    sentence_hours: Duration = param({"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 1.5}, "hours", "ASSUMPTION T13: 0.5-1.5 h (NOT FOUND)")

    @model_validator(mode="after")
    def _sched(self) -> "CourtLevel":
        _check_schedule(self.schedule)
        return self


class Magistrates(CourtLevel):
    sitting_days_per_month: float = count(80.0, "sitting days/month", "ASSUMPTION: magistrates' capacity for these cases, a little above demand", most=1_000_000)
    first_hearing_hours: Duration = param({"dist": "triangular", "min": 0.25, "mode": 0.5, "max": 1.0}, "hours", "ASSUMPTION: NOT FOUND")
    trial_hours: Duration = param({"dist": "triangular", "min": 2, "mode": 3, "max": 6}, "hours", "ASSUMPTION: NOT FOUND; summary trials are shorter than Crown trials")
    sentence_hours: Duration = param({"dist": "triangular", "min": 0.25, "mode": 0.5, "max": 1.0}, "hours", "ASSUMPTION T13 (NOT FOUND)")


class Crown(CourtLevel):
    sitting_days_per_month: float = count(290.0, "sitting days/month", "ASSUMPTION: share of Crown sitting days (C4: 85-111k a year in all) used by these cases, set near demand", most=1_000_000)
    ptph_hours: Duration = param({"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 1.5}, "hours", "ASSUMPTION T13: 0.5-1.5 h")
    trial_hours: Duration = param({"dist": "triangular", "min": 7, "mode": 10, "max": 21}, "hours", "FOUND T12 (S83): ~7 h per not-guilty trial; ASSUMPTION sexual trials longer (7-14 h)")


class Charging(Section):
    lawyers: float = count(14.0, "lawyers", "ASSUMPTION: charging lawyers' capacity for these cases")
    working_days_per_week: int = param(5, "days/week", "ASSUMPTION", ge=1, le=7)
    effort_days: Duration = param({"dist": "gamma", "mean": 0.5, "sd": 0.25}, "lawyer-days", "ASSUMPTION: NOT FOUND")
    charge_share: float = share(0.80, "ASSUMPTION (evidence section 3): p_charge 0.5-0.9")


class Court(Section):
    charging: Charging = Charging()
    magistrates: Magistrates = Magistrates()
    crown: Crown = Crown()
    first_hearing_delay_days: Duration = param({"dist": "uniform", "min": 14, "max": 28}, "days", "ASSUMPTION: charge to first listing (T8 gives offence-to-completion only)")
    crown_share: float = share(0.75, "FOUND-weak D10 (S92): 'vast majority' sent to the Crown Court; ASSUMPTION 0.60-0.85")
    sending_delay_days: Duration = param(28.0, "days", "ASSUMPTION: plea and trial preparation hearing about 28 days after sending")
    guilty_plea_share: float = share(0.80, "ASSUMPTION D9: 0.70-0.90 (NOT FOUND for IIOC; S77 sexual offences lower)")
    conviction_at_trial: float = share(0.60, "ASSUMPTION D8: conviction ratio 0.55-0.90 (S101 local 49-62%)")
    trial_ready_days: Duration = param({"dist": "uniform", "min": 28, "max": 84}, "days", "ASSUMPTION: preparation before a trial can be listed")
    ineffective_trial_share: float = share(0.20, "FOUND T14 (S74, S67): Crown ineffective trials 13-19% pre-Covid, 25% in 2024")
    ineffective_hours: float = param(0.5, "hours", "ASSUMPTION: court time lost to an ineffective listing", ge=0, le=24, allow_inf_nan=False)
    relist_delay_days: Duration = param({"dist": "uniform", "min": 28, "max": 84}, "days", "ASSUMPTION: ineffective trial relisted after 4-12 weeks")
    max_relistings: int = param(10, "listings", "ASSUMPTION: a case is heard at the latest on this relisting", ge=0, le=100)
    psr_share: float = share(0.90, "ASSUMPTION: share of convictions with a pre-sentence report")
    psr_delay_days: Duration = param({"dist": "uniform", "min": 21, "max": 42}, "days", "ASSUMPTION T13: 3-6 weeks")


# ----------------------------------------------------------------------------------------- sentence
class Sentence(Section):
    custody_share: float = share(0.21, "FOUND D1 (S24): 21% immediate custody in 2017 (755/3,609)")
    suspended_share: float = share(0.48, "FOUND-weak D2 (S27): 48% suspended (2023/24)")
    community_share: float = share(0.31, "FOUND-weak D3 (S27): 32% community orders (2023/24), rounded so shares sum to 1")
    custody_months: Duration = param({"dist": "triangular", "min": 6, "mode": 12, "max": 36}, "months", "ASSUMPTION D5/D11 (S99): guideline ranges; average length NOT FOUND")
    release_fraction: float = share(0.5, "ASSUMPTION (evidence section 7): release at the halfway point")
    community_programme_share: float = share(0.5, "ASSUMPTION: community orders with a treatment programme requirement")

    @model_validator(mode="after")
    def _sum(self) -> "Sentence":
        total = self.custody_share + self.suspended_share + self.community_share
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"custody_share + suspended_share + community_share must sum to 1 (got {total:.6g})")
        return self


# -------------------------------------------------------------------------------------- reoffending
REOFFENDING_ROUTES = (
    "deferred_prosecution", "conditional_caution", "simple_caution", "self_referral",
    "custody", "suspended", "community", "acquitted", "nfa",
)


class Reoffending(Section):
    probability: float = share(0.04, "ASSUMPTION (evidence section 6): 1-5% detected sexual reoffending over 3-5 years (R1-R5); UK charity 5-10% (R7)")
    window_years: float = param(5.0, "years", "ASSUMPTION: follow-up window of the studies (1.5-6 years)", gt=0, le=50, allow_inf_nan=False)
    multipliers: dict[str, float] = param(
        {r: 1.0 for r in REOFFENDING_ROUTES}, "x",
        "FOUND R8 (S62, S63): no robust route difference; equal by default, a sensitivity only")

    @model_validator(mode="after")
    def _routes(self) -> "Reoffending":
        for route, mult in self.multipliers.items():
            if route not in REOFFENDING_ROUTES:
                raise ValueError(f"unknown route '{route}' in multipliers (routes: {', '.join(REOFFENDING_ROUTES)})")
            if not (0 <= mult and math.isfinite(mult)):
                raise ValueError(f"multiplier for {route} must be a finite number >= 0")
            if self.probability * mult > 1:
                raise ValueError(f"probability x multiplier for {route} exceeds 1")
        return self

    def multiplier(self, route: str) -> float:
        return self.multipliers.get(route, 1.0)


# ------------------------------------------------------------------------------------------ initial
class Stock(Section):
    """Cases already waiting at one stage when the run starts."""

    cases: int = param(0, "cases", "ASSUMPTION: calibrated stock", ge=0, le=1_000_000)
    max_age_days: float = param(0.0, "days", "ASSUMPTION: the stock entered its stage uniformly within this many days before the start", ge=0, le=36500, allow_inf_nan=False)


class Initial(Section):
    """Cases already waiting when the run starts, so that a run need not start empty."""

    forensics: Stock = Stock()
    charging: Stock = Stock()
    magistrates: Stock = Stock()
    crown_trial: Stock = Stock()


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
    initial: Initial = Initial()
    sources: dict[str, str] = param({}, "-", "scenario file: sources for values the file sets")

    @field_validator("name")
    @classmethod
    def _name_is_a_name(cls, value: str) -> str:
        from .names import check_name  # a name becomes a folder name (see sim.names)

        return check_name(value)

    @model_validator(mode="after")
    def _size(self) -> "Scenario":
        a = self.arrivals
        months = self.run.months
        peak = max([a.per_month, *(s.per_month for s in a.schedule)]) + self.self_referral.per_month
        stocks = sum(getattr(self.initial, s).cases for s in ("forensics", "charging", "magistrates", "crown_trial"))
        expected = peak * months * max(1.0, (1.0 + a.annual_growth) ** (months / 12)) + stocks
        if expected > MAX_CASES:
            raise ValueError(f"the run would see about {expected:,.0f} cases, more than the {MAX_CASES:,} a run "
                             "can hold: shorten run.years or lower the arrival rate")
        return self
