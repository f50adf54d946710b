"""Warm-up and stability: when a run's key series settle, whether the warm-up covers it, and how
fast they drift after it.

A run starts from stocks set to the state the evidence describes, and the first
``run.warmup_months`` months are left out of its statistics. Whether that is enough is a
question for the output, not the input: a stock the run remembers makes every average depend on
the warm-up and the horizon. This module answers it for the series a reader quotes.

**Truncation point: MSER-5** (White 1997; Hoad, Robinson and Davies 2010 found it the most
reliable of the automatic warm-up rules). The replication-mean monthly series, warm-up included,
is cut into batches of five months; the truncation ``d`` (in batches) minimises the marginal
standard error of the batch means ``Z_j`` that remain, ``sum((Z_j - mean)^2) / (b - d)^2``, over
the first half of the ``b`` batches. A minimum on the last truncation searched is the rule's usual
caveat: the series is still moving, so no truncation point is found and none is reported.

**Bias.** MSER-5 finds the start-up, not whether it matters: a list of 290,000 cases that sheds
1,000 in its first year "settles" after 20 months, and its averages are 0.03% off. What a reader
needs is how far the reported window's mean is from the settled level (the mean after the
truncation point): that is what a too-short warm-up does to a result.

**Drift** is the least-squares slope per year of each replication's series over the reported
months after the truncation point (after the warm-up where the series has not settled), with a
95% t-interval across replications, also as a share of the series' mean over the same months.
A scenario whose inputs change during the run (year-by-year history, a schedule, growing
arrivals) drifts by design; its drift is reported as the path those inputs drive.

Thresholds (``BIAS_WARN``, ``DRIFT_WARN``) were set on the shipped scenarios; ``docs/warmup.md``
gives what each scenario gives and why the thresholds are where they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.inputs.scenario import HISTORY_KEYS
from sim.results.stats import summarise

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario
    from sim.results.metrics import RepResult

BATCH = 5

#: The stocks and waits a reader quotes and that the starting state sets: the forensic queue
#: (``initial.forensics``), both courts' whole lists (``background.initial_cases``), the Crown
#: list's waiting time (what the list's start-up does to waits), these cases in court
#: (``initial.crown_trial``) and each diversion route's own queue where the scenario has it.
#: Flows (receipts, disposals) are left out: they follow the stocks, and add noise, not news.
#: Each with its unit and the least change worth a warning (ten cases, as for a queue still
#: growing, or a week), so that a queue of a few cases is not named for a large share of nothing.
SERIES = (
    ("forensic_queue_end", "the forensic queue (cases waiting for examination)", "cases", 10.0),
    ("crown_list_backlog_end", "the Crown Court's whole open caseload", "cases", 10.0),
    ("magistrates_list_backlog_end", "the magistrates' whole open caseload", "cases", 10.0),
    ("crown_list_wait_weeks_mean", "the Crown Court's waiting time, all cases", "weeks", 1.0),
    ("court_backlog_end", "these cases' court backlog", "cases", 10.0),
    ("scheme_waiting_end", "the scheme's waiting list", "cases", 10.0),
    ("open_caution_end", "the conditional-caution caseload", "cases", 10.0),
    ("open_self_referral_end", "the self-referral caseload", "cases", 10.0),
)

#: The reported window's mean may be this far from the settled level before the warm-up is called
#: too short: the relative precision ``--reps auto`` asks of every headline metric by default, so a
#: smaller bias is lost in the precision the run is read at.
BIAS_WARN = 0.05
#: Drift (share of the mean a year) named in the warnings, when its whole 95% interval is beyond
#: it: over a ten-year horizon 2% a year is a fifth between the first and last reported years. The
#: shipped scenarios' settled series drift by less than 1% a year.
DRIFT_WARN = 0.02
#: Truncations whose statistic is within this share of the largest of the minimum are ties: the
#: earliest is taken, so rounding never moves the answer.
TIE = 1e-9


@dataclass(frozen=True)
class Mser:
    """The MSER statistic for each truncation searched and the rule's answer."""

    statistic: np.ndarray  # for d = 0, 1, ... batches truncated (at most half of them)
    batch: int
    best: int  # the truncation (batches) with the least statistic

    @property
    def settled(self) -> bool:
        """False when the minimum is on the last truncation searched: the series is still moving."""
        return self.best < len(self.statistic) - 1

    @property
    def truncation(self) -> int | None:
        """The truncation point in months, or None: no truncation point found, the series has not settled."""
        return self.best * self.batch if self.settled else None

    @property
    def searched_months(self) -> int:
        """The last truncation searched, in months (half the series)."""
        return (len(self.statistic) - 1) * self.batch


def mser(series: Sequence[float] | np.ndarray, batch: int = BATCH) -> Mser:
    """MSER-``batch`` of a series (White 1997): batch means of ``batch`` points (a last, partial
    batch is left out), the statistic for each truncation over the first half of the batches.

    A series of fewer than four batches is too short to tell a start-up from noise: nothing is
    truncated and it counts as settled."""
    y = np.asarray(series, dtype=float)
    b = len(y) // batch
    if b < 4:
        return Mser(np.zeros(2), batch, 0)
    z = y[: b * batch].reshape(b, batch).mean(axis=1)
    z = z - z.mean()  # the statistic ignores a shift; removing it first keeps the rounding small
    limit = b // 2
    stat = np.empty(limit + 1)
    for d in range(limit + 1):
        rest = z[d:]
        stat[d] = float(((rest - rest.mean()) ** 2).sum()) / (b - d) ** 2
    best = int(np.flatnonzero(stat <= stat.min() + TIE * stat.max())[0])
    return Mser(stat, batch, best)


def changing_inputs(sc: Scenario) -> list[str]:
    """The inputs the scenario changes during the run: a history or schedule step after the first
    month, or arrivals that grow. Drift is then what the scenario asks for."""
    out = [key for key in HISTORY_KEYS if any(0 < month < sc.run.months for month, _ in sc.steps(key))]
    if sc.arrivals.annual_growth:
        out.append("arrivals.annual_growth")
    return out


@dataclass(frozen=True)
class Stability:
    """One series' warm-up diagnostic."""

    series: str
    label: str
    unit: str
    floor: float  # the least change worth a warning, in the unit
    rule: Mser
    warmup_months: int
    bias: float | None  # reported-window mean over the settled mean, less one
    shift: float | None  # reported-window mean less the settled mean, in the unit
    drift_per_year: float | None
    drift_ci: tuple[float | None, float | None]
    drift_share: float | None  # drift a year over the series' mean in the same months
    drift_share_ci: tuple[float | None, float | None]
    drift_from: int  # the first month of the drift's window
    drift_months: int  # the drift window's length
    intended: tuple[str, ...]  # the inputs the scenario changes during the run

    @property
    def truncation_months(self) -> int | None:
        return self.rule.truncation

    @property
    def too_short(self) -> bool:
        """Settles after the warm-up, and the reported mean is off its settled level by more than BIAS_WARN."""
        t = self.truncation_months
        return (
            t is not None
            and t > self.warmup_months
            and self.bias is not None
            and abs(self.bias) > BIAS_WARN
            and self.shift is not None
            and abs(self.shift) >= self.floor
        )

    @property
    def drifting(self) -> bool:
        """Drift whose 95% interval lies wholly beyond DRIFT_WARN a year (one replication: its
        estimate), and that moves the series by at least its floor over the window."""
        s, (lo, hi) = self.drift_share, self.drift_share_ci
        if s is None or self.drift_per_year is None or abs(self.drift_per_year) * self.drift_months / 12 < self.floor:
            return False
        if lo is None or hi is None:
            return abs(s) > DRIFT_WARN
        return lo > DRIFT_WARN or hi < -DRIFT_WARN

    @property
    def verdict(self) -> str:
        """One line for the report's table: where the series settles against the warm-up, and its drift."""
        t, bias = self.truncation_months, signed_share(self.bias or 0.0)
        if t is None:
            head = (
                f"no truncation point found: the series has not settled in the first {self.rule.searched_months} months"
            )
        elif t <= self.warmup_months:
            head = "settles within the warm-up"
        elif self.too_short:
            head = f"warm-up too short: the reported mean is {bias} off the settled level"
        else:
            head = f"settles after the warm-up; the reported mean is {bias} off the settled level"
        if self.drifting:
            why = " as the scenario's inputs change" if self.intended else ""
            return f"{head}; drifts beyond {DRIFT_WARN:.0%} a year{why}"
        return head + (f"; drift within {DRIFT_WARN:.0%} a year" if self.drift_share is not None else "")

    def as_dict(self) -> dict[str, object]:
        """The row of the manifest's ``warmup`` table."""
        return {
            "series": self.series,
            "label": self.label,
            "unit": self.unit,
            "truncation_months": self.truncation_months,
            "searched_months": self.rule.searched_months,
            "warmup_months": self.warmup_months,
            "bias": self.bias,
            "shift": self.shift,
            "drift_from_month": self.drift_from,
            "drift_months": self.drift_months,
            "drift_per_year": self.drift_per_year,
            "drift_ci_low": self.drift_ci[0],
            "drift_ci_high": self.drift_ci[1],
            "drift_share": self.drift_share,
            "drift_share_ci_low": self.drift_share_ci[0],
            "drift_share_ci_high": self.drift_share_ci[1],
            "too_short": self.too_short,
            "drifting": self.drifting,
            "verdict": self.verdict,
        }


def signed_share(x: float) -> str:
    """A share with its sign, as the warnings and the report print it ("0.0%", never "-0.0%")."""
    return f"{x:+.1%}" if round(abs(x), 3) else "0.0%"


def _share(x: float | None, level: float) -> float | None:
    return x / level if x is not None and level and math.isfinite(level) else None


def stability(results: list[RepResult], warmup_months: int, intended: Sequence[str] = ()) -> list[Stability]:
    """MSER-5 truncation, bias and drift of each key series the run has (a route's queue that is
    empty throughout, as in a scenario without that route, is left out)."""
    out: list[Stability] = []
    if not results or not all(r.monthly for r in results):
        return out
    for key, label, unit, floor in SERIES:
        runs = np.array([r.monthly[key] for r in results], dtype=float)
        if not np.isfinite(runs).all() or not runs.any():
            continue  # a month without a value (no hearing at all) has no mean to batch
        mean = runs.mean(axis=0)
        rule = mser(mean)
        cut = rule.truncation
        bias = shift = None
        if cut is not None:
            settled = float(mean[max(cut, warmup_months) :].mean())
            shift = float(mean[warmup_months:].mean()) - settled
            bias = _share(shift, settled)
        start = max(cut, warmup_months) if cut is not None else warmup_months
        slope: dict[str, Any] = {"mean": None, "ci_low": None, "ci_high": None}
        level = float("nan")
        if runs.shape[1] - start >= 12:
            x = np.arange(start, runs.shape[1]) / 12.0
            x -= x.mean()
            tail = runs[:, start:]
            slope = summarise((tail - tail.mean(axis=1, keepdims=True)) @ x / float(x @ x))
            level = float(tail.mean())
        out.append(
            Stability(
                key,
                label,
                unit,
                floor,
                rule,
                warmup_months,
                bias,
                shift,
                slope["mean"],
                (slope["ci_low"], slope["ci_high"]),
                _share(slope["mean"], level),
                (_share(slope["ci_low"], level), _share(slope["ci_high"], level)),
                start,
                runs.shape[1] - start,
                tuple(intended),
            )
        )
    return out


def of_scenario(results: list[RepResult], sc: Scenario) -> list[Stability]:
    """:func:`stability` with the scenario's warm-up and the inputs it changes during the run."""
    return stability(results, sc.run.warmup_months, changing_inputs(sc))


def _pct(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f" (95% CI {signed_share(lo)} to {signed_share(hi)})"


def warnings(rows: list[Stability], skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """A warm-up too short for a series whose start-up moves its reported mean, and drift beyond
    DRIFT_WARN a year; series in ``skip`` (already warned of as still growing) are not repeated.

    One line per kind, naming every series of that kind: the series of one list (its caseload, its
    wait, these cases in it) move together, and one cause is one warning. Drift that the scenario's
    changing inputs drive is said to be by design."""
    short = [
        f"{s.label} settles after {s.truncation_months} months (reported mean {signed_share(s.bias or 0.0)} off "
        "its settled level)"
        for s in rows
        if s.too_short
    ]
    moving = [s for s in rows if s.drifting and s.series not in skip]

    def drifts(group: list[Stability], detail: bool = True) -> str:
        """Each series' drift; with ``detail`` its interval, and where it has not settled, that too."""
        return "; ".join(
            f"{s.label} drifts by {signed_share(s.drift_share or 0.0)} a year"
            + (_pct(*s.drift_share_ci) if detail else "")
            + (
                f" and has not settled (no MSER-5 truncation point in the first {s.rule.searched_months} months)"
                if detail and s.truncation_months is None
                else ""
            )
            for s in group
        )

    out = []
    if short:
        out.append(f"warm-up too short: {'; '.join(short)} (MSER-5), but run.warmup_months is {rows[0].warmup_months}")
    faults = [s for s in moving if not s.intended]
    intended = [s for s in moving if s.intended]
    if faults:
        out.append(f"drift: after warm-up, {drifts(faults)}: averages over the run depend on its horizon")
    if intended:
        out.append(
            f"drift by design: after warm-up, {drifts(intended, detail=False)}, as the scenario changes "
            f"{', '.join(intended[0].intended)} during the run: read it as the path those inputs drive"
        )
    return out


def summary(rows: list[Stability]) -> dict[str, object]:
    """The manifest's ``warmup`` field: the method, the thresholds and one row per series."""
    return {
        "method": f"MSER-{BATCH} (White 1997) on the replication-mean monthly series over the first half of the run; "
        "drift: least-squares slope per year after the truncation point (after the warm-up where none "
        "is found), 95% t-interval across replications",
        "bias_warn": BIAS_WARN,
        "drift_warn_per_year": DRIFT_WARN,
        "series": [s.as_dict() for s in rows],
    }
