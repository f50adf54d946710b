"""Robustness of a policy difference to the structural assumptions that dominate it.

A comparison's confidence interval covers the model's own randomness under one set of
assumptions. A policy conclusion ("JUSTICE shortens the Crown wait") can still hang on structural
inputs that are known only roughly: national capacities to a few percent, the stocks a run starts
from, how long a trial takes, how many not-guilty pleas turn into late guilty pleas, and how much
other work shares the lists. This module runs the paired difference of two scenarios at a base
point and at each structural factor's low and high value, one factor at a time (optionally also
at the joint corners where every capacity is low or every capacity is high), and says for each
headline difference how far it moves and whether its sign changes.

Each factor is applied to both scenarios alike (a capacity or stock is scaled from each
scenario's own value, schedules and year-by-year inputs included; a share is set to the value),
and every point runs the same seed and replication numbers as ``divertsim compare``, so each
point's difference is paired on common random numbers and the base point's differences are
exactly those of ``compare``. ``docs/robustness.md`` describes the factors and the flags.

The capacities a proposal funds (scheme facilitators, caution and self-referral assessors,
treatment places, outside examiners) are not factors here: they are part of the policy, present in
one scenario and not the other, and how the answer moves with them is a lever's question
(``docs/levers.md``, ``divertsim sweep``), not a structural uncertainty shared by both scenarios.

Illustrative policy model over aggregate rates: a factor moves a capacity, stock, duration or
share for a population, never anything about a person.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import NOTICE
from sim.errors import ScenarioError
from sim.experiments.compare import PAIRED_NOTE, freed, paired
from sim.experiments.executors import Executor, Task
from sim.experiments.runfolder import RunFolderError, open_folder
from sim.inputs.loading import effective_dict, scenario_hash, validate
from sim.inputs.scenario import HISTORY_KEYS, Scenario
from sim.results import manifests, output
from sim.results.identity import Identity
from sim.results.manifests import Manifest, PointHashes, RobustnessManifest, Status
from sim.results.metrics import RepResult
from sim.results.stats import summarise

#: what a robustness run ends with: a sign flip, a difference that loses significance, or neither
FLIP, WEAK, ROBUST = "flip", "weak", "robust"

FLIP_NOTE = (
    "A sign flip: at some point the 95% CI of the difference lies wholly on the other side of zero from the base "
    "point's CI (or, where the base CI spans zero, two points' CIs lie wholly on opposite sides of zero): within the "
    "structural ranges the policy's effect on this measure can go either way."
)
WEAK_NOTE = (
    "Weak: the base point's CI excludes zero but at some point the CI spans zero: there the difference cannot be told "
    "from zero (with few replications this can be noise; run more before reading it as a loss of the effect)."
)


@dataclass(frozen=True)
class Factor:
    """A structural uncertainty: the keys it moves, its low and high setting, and what it means.

    ``scale`` factors multiply each scenario's own value of every key (a whole-number value is
    rounded; a duration's distribution is scaled as a whole, which scales its mean); the others set
    every key to the value. ``capacity`` factors make up the joint corners of ``--corners``."""

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    scale: bool
    capacity: bool
    meaning: str
    why: str

    def setting(self, level: str) -> float:
        return self.low if level == "low" else self.high

    def shown(self, level: str) -> str:
        """The setting as a user reads it: ``x0.95`` for a multiplier, ``0.3`` for a value."""
        v = self.setting(level)
        return f"x{v:g}" if self.scale else f"{v:g}"


FACTORS: tuple[Factor, ...] = (
    Factor(
        "examiners",
        ("forensics.examiners",),
        0.95,
        1.05,
        scale=True,
        capacity=True,
        meaning="Digital-forensic examiners for these cases (and any schedule or year-by-year values).",
        why="ASSUMPTION: the examiner capacity is itself an assumption set below demand (forensic waits of 6-12 "
        "months, T2); a few percent either way is the least its uncertainty could be.",
    ),
    Factor(
        "charging-lawyers",
        ("court.charging.lawyers",),
        0.95,
        1.05,
        scale=True,
        capacity=True,
        meaning="Charging lawyers for these cases.",
        why="ASSUMPTION: set a little above demand; +/-5% moves it towards or away from binding.",
    ),
    Factor(
        "magistrates-sitting-days",
        ("court.magistrates.sitting_days_per_month",),
        0.95,
        1.05,
        scale=True,
        capacity=True,
        meaning="National magistrates' sitting days a month (all cases; schedules and year-by-year values too).",
        why="NOT FOUND nationally; the shipped value is about 4% above the list's demand, so +/-5% spans a list "
        "with slack and one that binds.",
    ),
    Factor(
        "crown-sitting-days",
        ("court.crown.sitting_days_per_month",),
        0.95,
        1.05,
        scale=True,
        capacity=True,
        meaning="National Crown Court sitting days a month (all cases; schedules and year-by-year values too).",
        why="FOUND C4 (97,293 days sat in 2018/19); the days sat moved by up to about 5% a year from 2009/10 to "
        "2018/19 and allocations differ from days sat (series 4a): +/-5%.",
    ),
    Factor(
        "initial-stocks",
        (
            "initial.forensics.cases",
            "initial.charging.cases",
            "initial.magistrates.cases",
            "initial.crown_trial.cases",
            "court.magistrates.background.initial_cases",
            "court.crown.background.initial_cases",
        ),
        0.75,
        1.25,
        scale=True,
        capacity=False,
        meaning="Cases waiting when the run starts: these cases at each stage and each court's open caseload.",
        why="The forensic and Crown-trial stocks are calibrated, not read, and published caseloads differ by "
        "basis and vintage (series 4b and 8); a quarter either way covers them.",
    ),
    Factor(
        "crown-trial-length",
        ("court.crown.trial_hours", "court.crown.background.trial_hours"),
        0.8,
        1.2,
        scale=True,
        capacity=False,
        meaning="Hours of a Crown Court trial, these cases' and the rest of the list's (sitting days per trial).",
        why="FOUND 12.5-15 hours (CCSQ 2013-16, series 4d) and about 7 hours in 2003-04 (T12): +/-20% spans the "
        "published range around the shipped values.",
    ),
    Factor(
        "late-pleas",
        ("court.late_guilty_plea_share",),
        0.30,
        0.50,
        scale=False,
        capacity=False,
        meaning="Share of these cases' not-guilty pleas that change to guilty at the trial date (a cracked trial).",
        why="DERIVED 0.41 from CCSQ Q4 2017 (35% cracked, 51% effective, series 4d); the 2023-24 rates (41% "
        "effective, about 25% ineffective) give about 0.45; NOT FOUND for these offences: 0.30-0.50.",
    ),
    Factor(
        "background-load",
        ("court.magistrates.background.receipts_per_month", "court.crown.background.receipts_per_month"),
        0.95,
        1.05,
        scale=True,
        capacity=False,
        meaning="Receipts of the rest of each court's caseload, sharing its list (schedules and year-by-year values "
        "too).",
        why="DERIVED and FOUND-weak national receipts (about 1.4 million and 100,000 a year); Crown receipts rose "
        "about 5% from Q3 2018 to Q3 2019 (CCSQ via Law Gazette): +/-5%.",
    ),
)
BY_NAME = {f.name: f for f in FACTORS}
#: the joint corner of every capacity factor (``--corners``)
CORNER = "capacity"

#: the headline differences: those ``divertsim compare`` prints, every Crown wait (these cases and the whole
#: list), sitting days used at each level and the days freed a year; (key, label)
DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("court.receipts_per_year", "court receipts a year"),
    ("court.crown.receipts", "Crown Court receipts"),
    ("court.disposals", "court disposals"),
    ("court.backlog_end", "these cases in court at the end"),
    ("court.crown.backlog_end", "these cases in the Crown Court at the end"),
    ("court.wait_days_mean", "days from charge to disposal (mean)"),
    ("court.crown.wait_weeks_mean", "Crown wait to main hearing, weeks (mean)"),
    ("court.crown.wait_weeks_median", "Crown wait to main hearing, weeks (median)"),
    ("court.crown.wait_weeks_p90", "Crown wait to main hearing, weeks (90th percentile)"),
    ("court.crown.list.backlog_end", "Crown open caseload at the end, all cases"),
    ("court.crown.list.wait_weeks_mean", "Crown wait, all cases, weeks (mean)"),
    ("court.crown.list.wait_weeks_median", "Crown wait, all cases, weeks (median)"),
    ("court.crown.list.wait_weeks_p90", "Crown wait, all cases, weeks (90th percentile)"),
    ("court.sitting_days_used", "sitting days used by these cases"),
    ("court.crown.sitting_days_used", "Crown sitting days used by these cases"),
    ("court.magistrates.sitting_days_used", "magistrates' sitting days used by these cases"),
    ("court.crown.sitting_days_freed_per_year", "Crown sitting days freed a year"),
    ("court.magistrates.sitting_days_freed_per_year", "magistrates' sitting days freed a year"),
    ("forensics.wait_days_mean", "forensic wait, days (mean)"),
    ("forensics.backlog_end", "cases waiting for examination at the end"),
    ("scheme.referred", "referred to deferred prosecution"),
    ("scheme.completed", "completed the scheme"),
    ("scheme.failed", "failed the scheme"),
    ("scheme.prosecuted_after_failure", "prosecuted after failing the scheme"),
    ("caution.issued", "cautions issued"),
    ("sentence.custody_share", "custody share of sentences"),
    ("prison.population_end", "prison population at the end"),
    ("cases.arrived", "cases arrived"),
    ("cases.closed", "cases closed"),
    ("cases.open_at_end", "cases open at the end"),
)
#: differences read as the base minus the other scenario (days freed); the rest are the other minus the base
FREED = ("court.crown.sitting_days_freed_per_year", "court.magistrates.sitting_days_freed_per_year")
#: the differences the report's figure always draws (a flagged one is added to them)
KEY_DIFFERENCES = (
    "court.receipts_per_year",
    "court.crown.sitting_days_freed_per_year",
    "court.magistrates.sitting_days_freed_per_year",
    "court.backlog_end",
    "court.crown.wait_weeks_mean",
    "court.crown.list.wait_weeks_mean",
    "court.crown.list.backlog_end",
    "forensics.wait_days_mean",
)


def parse_factors(texts: Sequence[str]) -> list[Factor]:
    """``--factor NAME`` or ``NAME=LOW:HIGH`` (repeatable); none names every factor.

    LOW:HIGH are multipliers for a scaled factor (above zero) and values for a share (0 to 1), with
    LOW below HIGH; a factor named twice is refused, so a command line never says two things."""
    if not texts:
        return list(FACTORS)
    out: list[Factor] = []
    for text in texts:
        name, has_range, bounds = text.partition("=")
        name = name.strip()
        factor = BY_NAME.get(name)
        if factor is None:
            raise ScenarioError("--factor", name or text, f"unknown factor (factors: {', '.join(BY_NAME)})")
        if any(f.name == name for f in out):
            raise ScenarioError("--factor", name, "is named twice")
        if has_range:
            try:
                low, high = (float(b) for b in bounds.split(":"))
            except ValueError:
                raise ScenarioError(
                    "--factor",
                    name,
                    f"the range must be LOW:HIGH, e.g. {factor.low:g}:{factor.high:g} (got {bounds!r})",
                ) from None
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ScenarioError("--factor", name, f"needs LOW < HIGH (got {bounds!r})")
            if factor.scale and low <= 0:
                raise ScenarioError("--factor", name, f"multipliers must be above 0 (got {low:g})")
            if not factor.scale and not (low >= 0 and high <= 1):
                raise ScenarioError("--factor", name, f"a share's values must lie from 0 to 1 (got {bounds!r})")
            factor = dataclasses.replace(factor, low=low, high=high)
        out.append(factor)
    return out


@dataclass(frozen=True)
class Point:
    """One point of the design: every named factor at its level, the rest at the base."""

    factor: str  # "base", a factor's name, or CORNER
    level: str  # "base", "low" or "high"
    settings: tuple[tuple[Factor, str], ...]  # (factor, level) applied at this point

    @property
    def label(self) -> str:
        return "base" if self.factor == "base" else f"{self.factor}={self.level}"

    def value(self) -> Any:
        """The setting of a single factor (a multiplier or a value), or every setting of a corner."""
        if self.factor == "base":
            return None
        if self.factor == CORNER:
            return {f.name: f.setting(level) for f, level in self.settings}
        return self.settings[0][0].setting(self.level)


def design(factors: Sequence[Factor], corners: bool) -> list[Point]:
    """The base point, each factor at its low and then its high setting, and the capacity corners if asked."""
    points = [Point("base", "base", ())]
    for f in factors:
        points += [Point(f.name, level, ((f, level),)) for level in ("low", "high")]
    if corners:
        caps = [f for f in factors if f.capacity]
        if not caps:
            raise ScenarioError(
                "--corners",
                None,
                "needs at least one capacity factor (" + ", ".join(f.name for f in FACTORS if f.capacity) + ")",
            )
        points += [Point(CORNER, level, tuple((f, level) for f in caps)) for level in ("low", "high")]
    return points


def _scaled(value: Any, by: float) -> Any:
    """``value`` times ``by``: a whole number stays whole, a distribution scales every parameter (its mean and
    spread)."""
    if isinstance(value, dict):
        return {k: (v if k == "dist" else v * by) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool):
        return int(round(value * by))
    return value * by


def apply(raw: dict[str, Any], point: Point) -> dict[str, Any]:
    """The effective scenario data ``raw`` with the point's factors applied (``raw`` is left as it is).

    A scaled key that the model reads through :meth:`~sim.inputs.scenario.Scenario.steps` (a schedule, or
    year-by-year ``[history]`` values) has every step scaled too, so that the factor holds over the
    whole run and not only until the first step."""
    out = copy.deepcopy(raw)
    for factor, level in point.settings:
        by = factor.setting(level)
        for key in factor.keys:
            *path, leaf = key.split(".")
            node = out
            for part in path:
                node = node[part]
            node[leaf] = _scaled(node[leaf], by) if factor.scale else by
            if factor.scale and key in HISTORY_KEYS:
                for step in node.get("schedule", []):
                    for field, v in step.items():
                        if field != "from_month":
                            step[field] = v * by
                by_year = out["history"]["inputs"].get(key, {})
                for year in by_year:
                    by_year[year] = by_year[year] * by
    return out


@dataclass
class Plan:
    """Every point's two scenarios, validated before anything runs or any folder is made."""

    names: list[str]
    factors: list[Factor]
    points: list[Point]
    scenarios: list[list[Scenario]]  # per point: [base, other]
    texts: list[list[str]] = field(init=False)  # the same as the JSON a task carries
    #: the distinct scenarios to run (a factor whose keys are all zero in a scenario changes nothing there)
    unique: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.texts = [[sc.model_dump_json(by_alias=True) for sc in pair] for pair in self.scenarios]
        self.unique = list(dict.fromkeys(text for pair in self.texts for text in pair))


def plan(scenarios: Sequence[Scenario], names: Sequence[str], factors: Sequence[Factor], corners: bool) -> Plan:
    """The design for ``scenarios`` (base first), each point checked as a whole scenario.

    A setting that makes an invalid scenario (a stock scaled beyond its bound, say) is refused here,
    naming the factor, the key and the problem."""
    points = design(factors, corners)
    raws = [effective_dict(sc) for sc in scenarios]
    pairs: list[list[Scenario]] = [list(scenarios)]
    for point in points[1:]:
        pair = []
        for name, raw in zip(names, raws):
            shown = ", ".join(f"{f.name}={f.shown(level)}" for f, level in point.settings)
            pair.append(validate(apply(raw, point), f"--factor {shown} ({name})"))
        pairs.append(pair)
    return Plan(list(names), list(factors), points, pairs)


Progress = Callable[[int, int], None]


def simulate_plan(
    p: Plan, reps: int, executor: Executor, progress: Progress | None = None
) -> list[list[list[RepResult]]]:
    """Replications 0..reps-1 of every distinct scenario of the plan, on the plan's common seed, as
    ``results[point][scenario]``. All tasks go to the executor as one stream, so no worker waits
    for a point to finish."""
    index = {text: i for i, text in enumerate(p.unique)}
    seeds = {index[text]: sc.run.seed for pair, texts in zip(p.scenarios, p.texts) for sc, text in zip(pair, texts)}
    got: dict[tuple[int, int], RepResult] = {}
    failed: dict[tuple[int, int], str] = {}
    total = len(p.unique) * reps

    def done(task: Task, result: RepResult) -> None:
        got[task.point, task.rep] = result
        if progress:
            progress(len(got), total)

    executor.run(
        (Task(i, r, seeds[i], text, keep_monthly=False) for i, text in enumerate(p.unique) for r in range(reps)),
        done,
        lambda task, message: failed.__setitem__((task.point, task.rep), message),
    )
    if failed:
        (i, rep), message = min(failed.items())
        which = next(
            f"{pt.label} ({p.names[j]})"
            for pt, texts in zip(p.points, p.texts)
            for j, text in enumerate(texts)
            if index[text] == i
        )
        raise RunFolderError(f"point {which}: replication {rep} failed: {message}")
    return [[[got[index[text], r] for r in range(reps)] for text in texts] for texts in p.texts]


def _ci(s: dict[str, Any]) -> dict[str, Any]:
    return {"mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"]}


def differences(base: list[RepResult], other: list[RepResult], years: float) -> dict[str, dict[str, Any]]:
    """Each headline difference at one point: paired mean and 95% CI (days freed: base minus other, a year)."""
    days = freed(base, other, years)
    out: dict[str, dict[str, Any]] = {}
    for key, _ in DIFFERENCES:
        if key in FREED:
            s = days[key]
            out[key] = {"mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"], "n": s["n"]}
        else:
            d = paired([r.headline[key] for r in base], [r.headline[key] for r in other])
            out[key] = {k: d[k] for k in ("mean", "ci_low", "ci_high", "n")}
    return out


def side(d: dict[str, Any]) -> int:
    """+1 if the CI lies wholly above zero, -1 if wholly below, 0 if it spans or touches zero (or is missing)."""
    lo, hi = d.get("ci_low"), d.get("ci_high")
    if lo is None or hi is None:
        return 0
    return 1 if lo > 0 else -1 if hi < 0 else 0


def verdict(base: dict[str, Any], points: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Range of one difference over the points, and whether its sign changes (see FLIP_NOTE, WEAK_NOTE).

    ``base`` is the base point's difference; ``points`` the others as (label, difference)."""
    s0 = side(base)
    sides = [(label, side(d)) for label, d in points]
    if s0:
        flips = [label for label, s in sides if s == -s0]
        weak = [label for label, s in sides if s == 0]
    else:
        up, down = [label for label, s in sides if s > 0], [label for label, s in sides if s < 0]
        flips, weak = (up + down if up and down else []), []
    every = [base, *(d for _, d in points)]
    means = [d["mean"] for d in every if d.get("mean") is not None]
    lows = [d["ci_low"] for d in every if d.get("ci_low") is not None]
    highs = [d["ci_high"] for d in every if d.get("ci_high") is not None]
    m0 = base.get("mean")
    return {
        "flag": FLIP if flips else WEAK if weak else ROBUST,
        "base_side": s0,
        "flips": flips,
        "weak": weak,
        "mean_min": min(means, default=None),
        "mean_max": max(means, default=None),
        "ci_low_min": min(lows, default=None),
        "ci_high_max": max(highs, default=None),
        "mean_sign_changes": bool(m0) and any(m * m0 < 0 for m in means),
    }


def analyse(p: Plan, results: list[list[list[RepResult]]], years: float) -> dict[str, Any]:
    """Every point's differences and each scenario's means, and each difference's range and flag."""
    base_name, other_name = p.names
    points = []
    for point, (base, other) in zip(p.points, results):
        diffs = differences(base, other, years)
        means = {
            name: {key: _ci(summarise(r.headline[key] for r in res)) for key, _ in DIFFERENCES if key not in FREED}
            for name, res in ((base_name, base), (other_name, other))
        }
        points.append(
            {
                "label": point.label,
                "factor": point.factor,
                "level": point.level,
                "value": point.value(),
                "differences": diffs,
                "scenarios": means,
            }
        )
    metrics = {}
    for key, label in DIFFERENCES:
        v = verdict(points[0]["differences"][key], [(pt["label"], pt["differences"][key]) for pt in points[1:]])
        metrics[key] = {
            "label": label,
            "difference": "base - other" if key in FREED else "other - base",
            "base": points[0]["differences"][key],
            **v,
        }
    return {
        "notice": NOTICE,
        "kind": "robustness",
        "base": base_name,
        "other": other_name,
        "scenarios": p.names,
        "replications": len(results[0][0]),
        "years": years,
        "paired_differences": PAIRED_NOTE,
        "flip_definition": FLIP_NOTE,
        "weak_definition": WEAK_NOTE,
        "factors": [
            {
                "name": f.name,
                "keys": list(f.keys),
                "low": f.low,
                "high": f.high,
                "applied": "multiplies each scenario's own value" if f.scale else "sets the value",
                "capacity": f.capacity,
                "meaning": f.meaning,
                "why": f.why,
            }
            for f in p.factors
        ],
        "points": points,
        "metrics": metrics,
        "flagged": [k for k, m in metrics.items() if m["flag"] == FLIP],
        "weak": [k for k, m in metrics.items() if m["flag"] == WEAK],
    }


CSV_COLUMNS = (
    "point",
    "factor",
    "level",
    "value",
    "metric",
    "difference",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_n",
    "diff_side",
    "base_mean",
    "base_ci_low",
    "base_ci_high",
    "other_mean",
    "other_ci_low",
    "other_ci_high",
)


def csv_text(data: dict[str, Any]) -> str:
    """robustness.csv: one row per point and headline difference, with both scenarios' means (tidy)."""
    rows = []
    for pt in data["points"]:
        value = pt["value"] if not isinstance(pt["value"], dict) else json.dumps(pt["value"], sort_keys=True)
        for key, d in pt["differences"].items():
            b = pt["scenarios"][data["base"]].get(key, {})
            o = pt["scenarios"][data["other"]].get(key, {})
            rows.append(
                [
                    pt["label"],
                    pt["factor"],
                    pt["level"],
                    value if value is not None else "",
                    key,
                    data["metrics"][key]["difference"],
                    d["mean"],
                    d["ci_low"],
                    d["ci_high"],
                    d["n"],
                    side(d),
                    b.get("mean"),
                    b.get("ci_low"),
                    b.get("ci_high"),
                    o.get("mean"),
                    o.get("ci_low"),
                    o.get("ci_high"),
                ]
            )
    return output.csv_text(CSV_COLUMNS, ([("" if v is None else v) for v in row] for row in rows))


def _identity(p: Plan, reps: int, corners: bool) -> Identity:
    hashes = [[scenario_hash(sc) for sc in pair] for pair in p.scenarios]
    digest = hashlib.sha256(json.dumps([p.names, hashes]).encode()).hexdigest()[:16]
    work = {
        "replications": reps,
        "years": p.scenarios[0][0].run.years,
        "corners": corners,
        "factors": {f.name: [f.low, f.high] for f in p.factors},
    }
    return Identity("robustness", digest, p.scenarios[0][0].run.seed, work)


def _manifest(
    p: Plan, identity: Identity, status: Status, runtime: float | None, cpu: float | None
) -> RobustnessManifest:
    return RobustnessManifest(
        status=status,
        **Manifest.of(identity),
        scenarios=p.names,
        scenario_hashes={name: scenario_hash(sc) for name, sc in zip(p.names, p.scenarios[0])},
        points=[
            PointHashes(label=pt.label, scenario_hashes={name: scenario_hash(sc) for name, sc in zip(p.names, pair)})
            for pt, pair in zip(p.points, p.scenarios)
        ],
        replications=identity.work["replications"],
        runtime_s=runtime,
        cpu_seconds_in_replications=cpu,
        effective_scenarios={name: effective_dict(sc) for name, sc in zip(p.names, p.scenarios[0])},
    )


def run(
    p: Plan, reps: int, corners: bool, folder: Path, executor: Executor, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the plan into ``folder`` (refused if it holds anything) and write robustness.json, robustness.csv
    and the manifest, each whole or not at all; the manifest says ``running`` until the end."""
    identity = _identity(p, reps, corners)
    opened = open_folder(folder, identity, False, _manifest(p, identity, "running", None, None))
    try:
        t0 = time.perf_counter()
        results = simulate_plan(p, reps, executor, progress)
        data = analyse(p, results, p.scenarios[0][0].run.years)
        output.write_json(folder / "robustness.json", data)
        output.atomic_write(folder / "robustness.csv", csv_text(data))
        cpu = sum(r.runtime_s for point in results for res in point for r in res)
        manifests.write(folder, _manifest(p, identity, "complete", round(time.perf_counter() - t0, 3), round(cpu, 3)))
    finally:
        opened.close()
    return data


def _points(labels: Sequence[str]) -> str:
    """Point labels with each factor named once: ``examiners=low/high, late-pleas=low``."""
    levels: dict[str, list[str]] = {}
    for label in labels:
        factor, _, level = label.partition("=")
        levels.setdefault(factor, []).append(level)
    return ", ".join(f"{factor}={'/'.join(lv)}" for factor, lv in levels.items())


def where(m: dict[str, Any]) -> str:
    """The points at which a difference flips or loses significance, as one phrase."""
    if m["flag"] == FLIP:
        return "sign flips under " + _points(m["flips"])
    if m["flag"] == WEAK:
        return "not distinguishable from zero under " + _points(m["weak"])
    return ""


def detail(data: dict[str, Any], key: str) -> str:
    """A flagged difference at the base point and at each point where it flips, with 95% CIs."""
    at = {pt["label"]: pt["differences"][key] for pt in data["points"]}
    m = data["metrics"][key]
    return f"base {with_ci(m['base'])}; " + "; ".join(f"{label} {with_ci(at[label])}" for label in m["flips"])


def conclusion(data: dict[str, Any]) -> str:
    """The last line of the console and the report's headline: the flagged conclusions, or that none flips."""
    if not data["flagged"]:
        return "no headline difference changes sign across the structural ranges"
    return "sign flips: " + "; ".join(
        f"{k} ({where(data['metrics'][k]).removeprefix('sign flips ')})" for k in data["flagged"]
    )


# ------------------------------------------------------------------------------------------ report
def number(x: float | None) -> str:
    """A difference as the console and the report show it: three significant figures below 10, so that a
    difference of a few hours in a wait measured in weeks does not read as zero."""
    if x is None or not math.isfinite(x):
        return "-"
    ax = abs(x)
    return f"{x:,.0f}" if ax >= 1000 else f"{x:.1f}" if ax >= 10 else f"{x:.3g}"


def with_ci(d: dict[str, Any]) -> str:
    ci = "" if d.get("ci_low") is None else f" ({number(d['ci_low'])} to {number(d['ci_high'])})"
    return f"{number(d.get('mean'))}{ci}"


def factor_table() -> str:
    """The factors as a Markdown table, as docs/robustness.md carries it (a test keeps the two in step)."""
    lines = ["| factor | keys | low / high | what it moves | range from |", "|---|---|---|---|---|"]
    for f in FACTORS:
        shown = f"{f.shown('low')} / {f.shown('high')}"
        lines.append(f"| `{f.name}` | {', '.join(f'`{k}`' for k in f.keys)} | {shown} | {f.meaning} | {f.why} |")
    return "\n".join(lines) + "\n"
