"""The Python front door: load, run, compare, sweep, calibrate and check scenarios from a script or a notebook.

Each function does what the command of the same name does, writes the same folder, and returns
an object whose tables are pandas DataFrames::

    import sim  # or: import divertsim
    res = sim.run("status-quo", reps=3, years=2, overrides={"forensics.examiners": 90})
    res.summary              # one row per headline metric: mean and 95% CI
    cmp = sim.compare("status-quo", "justice-2019", reps=3, years=2)
    cmp.differences          # paired differences from the base, with their CIs

The ``divertsim`` command calls these functions and only prints what they return, so the two
cannot drift apart. Scenarios are shipped names or file paths; overrides are a dict of dotted keys
(or the command line's ``KEY=VALUE`` texts, values in TOML).

Replications run on worker processes started so that a plain script needs no
``if __name__ == "__main__":`` guard: from a script file they are forked where the platform can
fork (a spawned worker would run the script again), and run in this process otherwise, with a
warning; a notebook's workers are spawned. ``workers`` takes a number of local processes or a
:class:`Backend` (Dask, a scheduler, a start method). Ctrl-C raises :class:`Interrupted`, naming
the folder that holds what finished. Every result carries :data:`sim.NOTICE`: the model is
illustrative, over aggregate rates.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sim import NOTICE
from sim.errors import ScenarioError
from sim.inputs.names import overrides_tag
from sim.inputs.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.calibrate import Fit
    from sim.experiments.executors import Executor
    from sim.experiments.replications import Decision, StoppingRule
    from sim.experiments.sweepfile import SweepSpec
    from sim.experiments.targets import Check, Targets
    from sim.results.metrics import RepResult

#: ``progress(done, total)``, called as work finishes (a progress bar, say)
Progress = Callable[[int, int], None]
#: overrides: ``{"forensics.examiners": 90}``, or the command line's ``["forensics.examiners=90"]``
Overrides = Mapping[str, Any] | Sequence[str]


# ------------------------------------------------------------------------------ where work runs
@dataclass(frozen=True)
class Backend:
    """Where replications run: local processes (``workers`` of them; one runs in this process) or
    Dask (a local cluster of ``workers``, or the cluster at ``scheduler``). ``start_method`` None
    picks one that a plain script can use without a main guard (see the module); the command line,
    whose entry point is guarded, asks for ``spawn``."""

    kind: Literal["processes", "dask"] = "processes"
    workers: int | None = None
    scheduler: str | None = None
    start_method: str | None = None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: the replications or tasks that finished are saved in ``folder``."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder


@contextlib.contextmanager
def _saving_to(folder: Path) -> Iterator[None]:
    """A Ctrl-C from here on marks the folder ``interrupted`` and says where the finished work is."""
    from sim.results.manifests import mark_interrupted

    try:
        yield
    except KeyboardInterrupt as exc:
        mark_interrupted(folder)
        if isinstance(exc, Interrupted):
            raise
        raise Interrupted(folder) from None


@contextlib.contextmanager
def _executor(workers: int | Backend | Executor | None) -> Iterator[Executor]:
    """The executor ``workers`` asks for, closed at the end; an executor given is the caller's to
    keep open (a long-lived app reuses its warm workers from one comparison to the next)."""
    from sim.experiments.executors import ProcessExecutor, SerialExecutor, default_workers, make_executor

    if not isinstance(workers, (int, Backend)) and workers is not None:
        yield workers
        return
    backend = workers if isinstance(workers, Backend) else Backend(workers=workers)
    n = backend.workers if backend.workers is not None else default_workers()
    ex: Executor
    if backend.kind == "dask":
        try:
            ex = make_executor("dask", n, backend.scheduler)
        except OSError as exc:
            raise ScenarioError("--scheduler", None, f"cannot reach {backend.scheduler} ({exc})") from None
    else:
        method = backend.start_method or _start_method()
        if n > 1 and method is None:
            warnings.warn(
                "divertsim: this platform cannot fork and a spawned worker would run the script "
                "again, so the replications run in this process",
                RuntimeWarning,
                stacklevel=4,
            )
            n = 1
        ex = ProcessExecutor(n, start_method=method or "spawn") if n > 1 else SerialExecutor()
    try:
        yield ex
    finally:
        ex.close()


def _start_method() -> str | None:
    """``spawn`` where the main module is not a file a worker would re-run (a notebook, ``-c``);
    ``fork`` for a script where the platform forks; None where it cannot."""
    if getattr(sys.modules.get("__main__"), "__file__", None) is None:
        return "spawn"
    return "fork" if "fork" in mp.get_all_start_methods() else None


# ------------------------------------------------------------------------------------ scenarios
def load(scenario: str | Path, overrides: Overrides | None = None) -> Scenario:
    """A validated scenario: a shipped name or a file, with dotted-key overrides."""
    from sim.inputs.loading import load_scenario

    return load_scenario(str(scenario), _texts(overrides))


def shipped() -> dict[str, Scenario | ScenarioError]:
    """The shipped scenarios by name, each validated, or the error that says why it is not valid."""
    from sim.inputs.loading import list_shipped, load_raw, validate

    found: dict[str, Scenario | ScenarioError] = {}
    for path in list_shipped():
        try:
            raw = load_raw(path)
            found[path.stem] = validate({**raw, "name": raw.get("name", path.stem)}, str(path))
        except ScenarioError as exc:
            found[path.stem] = exc
    return found


def _resumed(
    out: str | Path | None,
    resume: bool,
    reps: int | Literal["auto"] | None,
    years: float | None,
    seed: int | None,
    precision: float | None,
    max_reps: int | None,
) -> tuple[int | Literal["auto"] | None, float | None, int | None, float | None, int | None]:
    """On a resume, what the folder was asked for fills in every setting not given again.

    A resume continues the same work, so ``--resume --out DIR`` alone (the line a Ctrl-C prints)
    finishes the replications first asked for, over the same years, with the same seed and the same
    ``--reps auto`` rule. A setting given again must match, as before: the folder's own check
    refuses other work. A folder with no readable manifest is left to that check to explain."""
    from sim.results import manifests

    if not resume or out is None:
        return reps, years, seed, precision, max_reps
    try:
        held = manifests.read(Path(out))
    except (manifests.ManifestError, OSError):
        return reps, years, seed, precision, max_reps
    work = held.work
    asked = work.get("replications")
    if reps is None and (asked == "auto" or (isinstance(asked, int) and not isinstance(asked, bool))):
        reps = asked
    if reps == "auto" and work.get("replications") == "auto":
        precision = work.get("precision") if precision is None else precision
        max_reps = work.get("max_reps") if max_reps is None else max_reps
    if years is None and isinstance(work.get("years"), int | float):
        years = float(work["years"])
    return reps, years, held.seed if seed is None else seed, precision, max_reps


def _texts(
    overrides: Overrides | None,
    seed: int | None = None,
    years: float | None = None,
    replications: int | None = None,
) -> list[str]:
    """The overrides as ``KEY=VALUE`` texts, then the run settings given (later ones win)."""
    from sim.inputs.tomltext import value as toml_value

    if isinstance(overrides, str):
        raise TypeError("overrides: a dict of dotted keys, or a list of KEY=VALUE texts (got one text)")
    if isinstance(overrides, Mapping):
        out = [f"{key}={toml_value(value)}" for key, value in overrides.items()]
    else:
        out = list(overrides or ())
    if seed is not None:
        out.append(f"run.seed={int(seed)}")
    if years is not None:  # as Python writes it, so that nan or inf reach the scenario's own check
        out.append(f"run.years={float(years)!r}")
    if replications is not None:
        out.append(f"run.replications={int(replications)}")
    return out


def _rule(precision: float, max_reps: int) -> StoppingRule:
    from sim.experiments.replications import StoppingRule, metric_floor

    try:
        return StoppingRule(precision=precision, max_reps=max_reps, floor=metric_floor)
    except ValueError as exc:
        raise ScenarioError("--precision/--max-reps", None, str(exc)) from None


def _stopping(rule: StoppingRule, decision: Decision) -> dict[str, Any]:
    """What ``reps="auto"`` decided, as the manifest and comparison.json record it."""
    return {
        "method": "confidence interval with Hoad-Robinson-Davies look-ahead",
        "precision": rule.precision,
        "look_ahead": rule.look_ahead,
        "max_reps": rule.max_reps,
        "replications": decision.replications,
        "reason": decision.reason,
        "not_within_precision": decision.imprecise,
    }


# ------------------------------------------------------------------------------------------ run
@dataclass
class RunResult:
    """One scenario's replications: the headline metrics, monthly series and the folder written."""

    scenario: Scenario
    results: list[RepResult]
    folder: Path
    stopping: dict[str, Any] | None = None
    notice: str = NOTICE
    #: the overrides given, as ``KEY=VALUE`` texts (not the run settings: replications, years, seed)
    overrides: list[str] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per headline metric: mean, 95% CI and the number of replications."""
        import pandas as pd

        from sim.results.metrics import HEADLINE
        from sim.results.stats import summarise

        rows = [{"metric": k, **summarise(r.headline[k] for r in self.results)} for k in HEADLINE]
        return pd.DataFrame(rows).set_index("metric")

    @property
    def replications(self) -> pd.DataFrame:
        """One row per replication, one column per headline metric."""
        import pandas as pd

        return pd.DataFrame(
            [r.headline for r in self.results],
            index=pd.Index([r.replication for r in self.results], name="replication"),
        )

    @property
    def monthly(self) -> pd.DataFrame:
        """One row per replication and simulated month (warm-up included and marked)."""
        import pandas as pd

        from sim.engine.calendar import add_months

        frames = []
        start, warm = self.scenario.run.start_date, self.scenario.run.warmup_months
        for r in self.results:
            months = len(next(iter(r.monthly.values()))) if r.monthly else 0
            frame = pd.DataFrame(dict(r.monthly.items()))
            frame.insert(0, "in_warmup", [m < warm for m in range(months)])
            frame.insert(0, "month", [add_months(start, m) for m in range(months)])
            frame.insert(0, "replication", r.replication)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def warnings(self) -> list[str]:
        """Capacities that bind, queues still growing, a warm-up too short and drift (as the console and report say)."""
        from sim.results.diagnostics import warnings as run_warnings

        return run_warnings(self.results, self.scenario)


def run(
    scenario: str | Path,
    reps: int | Literal["auto"] | None = None,
    years: float | None = None,
    seed: int | None = None,
    overrides: Overrides | None = None,
    workers: int | Backend | None = None,
    out: str | Path | None = None,
    *,
    precision: float | None = None,
    max_reps: int | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    waiting: Callable[[str], None] | None = None,
) -> RunResult:
    """Run a scenario's replications into a run folder (as ``divertsim run``). ``reps="auto"`` adds
    replications until every headline metric's 95% CI is within ``precision`` of its mean (or of
    its floor, for a mean near zero; see :mod:`sim.experiments.replications`); before each round
    ``waiting`` hears which metric it is waiting for."""
    from sim.experiments.replications import DEFAULT_MAX_REPS, DEFAULT_PRECISION
    from sim.experiments.runfolder import RunFolder, auto_work, default_folder, run_auto, run_fixed

    reps, years, seed, precision, max_reps = _resumed(out, resume, reps, years, seed, precision, max_reps)
    rule = None
    if reps == "auto":
        rule = _rule(
            DEFAULT_PRECISION if precision is None else precision, DEFAULT_MAX_REPS if max_reps is None else max_reps
        )
    sc = load(scenario, _texts(overrides, seed, years, None if reps == "auto" else reps))
    folder = Path(out) if out is not None else default_folder(sc.name + overrides_tag(_texts(overrides)))
    stopping = None
    with _saving_to(folder), _executor(workers) as ex:
        if rule is None:
            results = run_fixed(sc, folder, ex, resume=resume, progress=progress)
        else:
            with RunFolder(sc, folder, resume, auto_work(rule, sc.run.years)) as rf:
                decision = run_auto([rf], rule, ex, progress=progress, waiting=waiting)
                stopping = _stopping(rule, decision)
                results = rf.finish(decision.replications, {"stopping": stopping})
    return RunResult(sc, results, folder, stopping, overrides=_texts(overrides))


@dataclass(frozen=True)
class EventLog:
    """An event log written beside a run: its file, its rows, and whether ``max_events`` cut it."""

    path: Path
    rows: int
    cut: bool


def event_log(
    result: RunResult, reps: int = 1, fmt: Literal["parquet", "csv"] = "parquet", max_events: int = 2_000_000
) -> EventLog:
    """The event log (HSMA schema) of a run's first ``reps`` replications, written into its folder."""
    from sim.results.eventlog import write

    path, rows, cut = write(result.folder, result.scenario, min(reps, len(result.results)), fmt, max_events)
    return EventLog(path, rows, cut)


# -------------------------------------------------------------------------------------- compare
@dataclass
class CompareResult:
    """Scenarios on common random numbers: each one's run and the paired differences from the base."""

    runs: dict[str, RunResult]
    data: dict[str, Any]
    folder: Path
    notice: str = NOTICE
    #: the overrides given, in every scenario, as ``KEY=VALUE`` texts
    overrides: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.data["base"])

    @property
    def differences(self) -> pd.DataFrame:
        """One row per other scenario and headline metric: the paired mean difference from the base,
        its 95% CI and the share of replications in which the metric is lower."""
        import pandas as pd

        rows = []
        for metric, by_name in self.data["metrics"].items():
            for name in self.data["scenarios"][1:]:
                d = by_name[name]["diff"]
                rows.append(
                    {
                        "scenario": name,
                        "metric": metric,
                        "mean": d["mean"],
                        "ci_low": d["ci_low"],
                        "ci_high": d["ci_high"],
                        "share_lower": d["share_lower"],
                    }
                )
        return pd.DataFrame(rows).set_index(["scenario", "metric"])

    @property
    def summary(self) -> pd.DataFrame:
        """One row per scenario and headline metric: mean and 95% CI."""
        import pandas as pd

        return pd.concat({name: run.summary for name, run in self.runs.items()}, names=["scenario"])

    @property
    def warnings(self) -> dict[str, list[str]]:
        """Each scenario's warnings (capacities that bind, queues still growing, drift)."""
        return dict(self.data["warnings"])


def _common(
    base: str | Path,
    others: Sequence[str | Path],
    reps: int | None,
    years: float | None,
    seed: int | None,
    overrides: Overrides | None,
) -> tuple[list[Scenario], list[str]]:
    """The scenarios of a paired comparison: each with the base's seed and replications (unless given).

    An override applies to every scenario that has its key: a setting of a rule only some of them
    have (the scheme's take-up, say) moves those and leaves the others as they are, rather than
    giving them the rule. A key none of them has goes to all, to be refused with its reason."""
    from sim.experiments.compare import unique_names
    from sim.inputs.loading import has_key, parse_override

    names = (base, *others)
    texts = _texts(overrides)
    keys = [parse_override(t)[0] for t in texts]
    plain = [load(name, _texts(None, seed, years)) for name in names]
    anywhere = {k for k in keys if any(has_key(p, k) for p in plain)}
    own = [[t for t, k in zip(texts, keys) if k not in anywhere or has_key(p, k)] for p in plain]
    first = load(base, own[0] + _texts(None, seed, years))
    n = reps if reps is not None else first.run.replications
    run_texts = _texts(None, first.run.seed if seed is None else seed, years, n)
    scenarios = [load(name, mine + run_texts) for name, mine in zip(names, own)]
    return scenarios, unique_names([sc.name for sc in scenarios])


def compare(
    base: str | Path,
    *others: str | Path,
    reps: int | Literal["auto"] | None = None,
    years: float | None = None,
    seed: int | None = None,
    overrides: Overrides | None = None,
    workers: int | Backend | Executor | None = None,
    out: str | Path | None = None,
    precision: float | None = None,
    max_reps: int | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    waiting: Callable[[str], None] | None = None,
    each: Callable[[int, CompareResult], None] | None = None,
) -> CompareResult:
    """Run the base and the other scenarios on common random numbers (as ``divertsim compare``);
    ``reps="auto"`` as for :func:`run`. ``each(k, partial)`` (fixed replications only) hears the
    comparison of the first ``k`` paired replications each time one more is complete, which is
    what a screen that redraws as they come in needs; raising from it (or from ``progress``) stops
    the work, and the folder resumes later. ``workers`` may also be an open executor, kept open."""
    from sim.engine.calendar import Calendar
    from sim.experiments.compare import comparison, write_comparison, write_monthly_differences
    from sim.experiments.replications import DEFAULT_MAX_REPS, DEFAULT_PRECISION
    from sim.experiments.runfolder import Comparison, auto_work, default_folder, fixed_work, run_auto, run_paired
    from sim.results.diagnostics import warnings as run_warnings

    if not others:
        raise ValueError("compare needs the base and at least one other scenario")
    reps, years, seed, precision, max_reps = _resumed(out, resume, reps, years, seed, precision, max_reps)
    rule = None
    if reps == "auto":
        rule = _rule(
            DEFAULT_PRECISION if precision is None else precision, DEFAULT_MAX_REPS if max_reps is None else max_reps
        )
    scenarios, names = _common(base, others, None if reps == "auto" else reps, years, seed, overrides)
    n = scenarios[0].run.replications
    folder = Path(out) if out is not None else default_folder(f"compare-{names[0]}" + overrides_tag(_texts(overrides)))
    years_all = scenarios[0].run.years
    work = fixed_work(n, years_all) if rule is None else auto_work(rule, years_all)
    stopping = None
    starts = {name: sc.decision.policy_start_month for name, sc in zip(names, scenarios)}
    with _saving_to(folder), _executor(workers) as ex, Comparison(folder, scenarios, names, work, resume) as cmp:
        if rule is None and each is not None:

            def heard(k: int, results: dict[str, list[RepResult]]) -> None:
                data = comparison(names, results, years_all, scenarios[0].run.warmup_months, starts)
                runs = {name: RunResult(sc, results[name], folder / name) for name, sc in zip(names, scenarios)}
                each(k, CompareResult(runs, data, folder, overrides=_texts(overrides)))

            run_paired(cmp.runs, names, n, ex, progress, heard)
            n_used = n
        elif rule is None:
            for rf in cmp.runs:
                rf.run(list(range(n)), ex, progress, total=n)
            n_used = n
        else:
            decision = run_auto(cmp.runs, rule, ex, progress=progress, waiting=waiting)
            n_used, stopping = decision.replications, _stopping(rule, decision)
        results = cmp.finish(n_used, {"stopping": stopping} if stopping else None)
    data = comparison(names, results, years_all, scenarios[0].run.warmup_months, starts)
    if stopping:
        data["stopping"] = stopping
    data["warnings"] = {name: run_warnings(res, sc) for (name, res), sc in zip(results.items(), scenarios)}
    write_comparison(folder, data)
    write_monthly_differences(
        folder, names, results, Calendar(scenarios[0].run.start_date, scenarios[0].run.months).month_labels()
    )
    runs = {name: RunResult(sc, results[name], folder / name) for name, sc in zip(names, scenarios)}
    return CompareResult(runs, data, folder, overrides=_texts(overrides))


# ----------------------------------------------------------------------------------- robustness
@dataclass
class RobustnessResult:
    """A policy difference over the structural factors: its range and where its sign flips."""

    data: dict[str, Any]
    folder: Path
    notice: str = NOTICE

    @property
    def table(self) -> pd.DataFrame:
        """One row per headline difference: the base point's mean and CI, its range, and the flag."""
        import pandas as pd

        rows = [
            {
                "difference": key,
                "base_mean": m["base"]["mean"],
                "base_ci_low": m["base"]["ci_low"],
                "base_ci_high": m["base"]["ci_high"],
                "mean_min": m["mean_min"],
                "mean_max": m["mean_max"],
                "flag": m["flag"],
            }
            for key, m in self.data["metrics"].items()
        ]
        return pd.DataFrame(rows).set_index("difference")

    @property
    def flagged(self) -> list[str]:
        """The headline differences whose sign flips inside the structural ranges."""
        return list(self.data["flagged"])


def robustness(
    base: str | Path,
    other: str | Path,
    factors: Sequence[str] = (),
    corners: bool = False,
    reps: int | None = None,
    years: float | None = None,
    seed: int | None = None,
    overrides: Overrides | None = None,
    workers: int | Backend | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> RobustnessResult:
    """The paired difference at each structural factor's low and high (as ``divertsim robustness``).
    It does not resume: an interrupted run leaves an incomplete folder to run again elsewhere."""
    from sim.experiments import robustness as R
    from sim.experiments.runfolder import default_folder

    chosen = R.parse_factors(list(factors))
    scenarios, names = _common(base, [other], reps, years, seed, overrides)
    n = scenarios[0].run.replications
    if n < 2:
        raise ScenarioError("--reps", None, f"a confidence interval needs at least 2 replications (got {n})")
    plan = R.plan(scenarios, names, chosen, corners)
    folder = Path(out) if out is not None else default_folder(f"robustness-{names[0]}-{names[1]}")
    with _saving_to(folder), _executor(workers) as ex:
        data = R.run(plan, n, corners, folder, ex, progress=progress)
    return RobustnessResult(data, folder)


# ---------------------------------------------------------------------------------------- sweep
@dataclass
class SensitivityResult:
    """Sobol' indices or Morris mu*/sigma of a sweep, ranked by influence, and the tables written."""

    method: str
    rows: list[dict[str, Any]]
    notes: list[str]
    paths: list[Path]
    notice: str = NOTICE

    @property
    def table(self) -> pd.DataFrame:
        """One row per metric and input, in rank order within each metric."""
        import pandas as pd

        return pd.DataFrame(self.rows).set_index(["metric", "factor"]) if self.rows else pd.DataFrame()


def sensitivity(
    folder: str | Path, method: str | None = None, metrics: Sequence[str] | None = None
) -> SensitivityResult:
    """Analyse a finished Saltelli or Morris sweep and write its tables (as ``divertsim sensitivity``)."""
    from sim.experiments.sensitivity import analyze, write_tables
    from sim.experiments.sweep import check_sweep_store
    from sim.results.output import stamp_parquet

    path = Path(folder)
    check_sweep_store(path)
    used, rows, notes = analyze(path, method, list(metrics) if metrics else None)
    paths = write_tables(path, used, rows)
    for p in paths:
        if p.suffix == ".parquet":
            stamp_parquet(p)
    return SensitivityResult(used, rows, notes, paths)


@dataclass
class SweepResult:
    """A parameter sweep: its design's points, every replication's headline metrics, and the folder."""

    spec: SweepSpec
    points: int
    tasks: int
    done: int
    failures: list[dict[str, Any]]
    failed: int
    folder: Path
    sensitivity: SensitivityResult | None = None
    notice: str = NOTICE

    @property
    def summary(self) -> pd.DataFrame:
        """One row per point: its factor values, replications, and each metric's mean and 95% CI."""
        import pandas as pd

        return pd.read_csv(self.folder / "points.csv").drop(columns="notice").set_index("point")

    @property
    def replications(self) -> pd.DataFrame:
        """One row per point and replication, one column per headline metric."""
        import pandas as pd

        tidy = pd.read_parquet(self.folder / "results.parquet")
        wide = tidy.pivot_table(index=["point", "replication"], columns="metric", values="value", observed=True)
        wide.columns = wide.columns.astype(str)
        return wide.rename_axis(columns=None)


def sweep(
    spec: str | Path,
    reps: int | None = None,
    samples: int | None = None,
    analyze: str | None = None,
    workers: int | Backend | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> SweepResult:
    """Run a sweep file's design into a sweep folder (as ``divertsim sweep``); ``reps``, ``samples``
    and ``analyze`` override the file's. With an analysis asked for, its result is attached."""
    from sim.experiments.runfolder import default_folder
    from sim.experiments.sweep import SweepPlan, run_sweep
    from sim.experiments.sweepfile import load_sweep
    from sim.inputs.loading import resolve_in

    path = resolve_in(str(spec), "sweeps")
    spec_ = load_sweep(path, {"reps": reps, "samples": samples, **({"analyze": analyze} if analyze else {})})
    plan = SweepPlan(spec_, path)
    folder = Path(out) if out is not None else default_folder(spec_.name)
    with _saving_to(folder), _executor(workers) as ex:
        done = run_sweep(plan, folder, ex, resume=resume, progress=progress)
    result = SweepResult(
        spec_, len(plan.design.values), done["tasks"], done["done"], done["failures"], done["failed"], folder
    )
    if spec_.analyze:
        result.sensitivity = sensitivity(folder, spec_.analyze)
    return result


# ---------------------------------------------------------------------------------- calibration
@dataclass
class CheckResult:
    """A scenario against a targets file: every target's band beside the model, fit and held out."""

    scenario: Scenario
    targets: Targets
    checks: list[Check]
    replications: int
    folder: Path
    written: Path
    notice: str = NOTICE

    @property
    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([c.as_dict() for c in self.checks]).set_index("target")

    @property
    def fit_met(self) -> bool:
        """Whether every fit target is met (what ``calibrate-check`` exits 0 on)."""
        return all(c.within for c in self.checks if c.target.role == "fit")

    @property
    def all_met(self) -> bool:
        """Whether the held-out targets are met too (what ``calibrate-check --strict`` exits 0 on)."""
        return all(c.within for c in self.checks)


def _targets(
    targets: str | Path, scenario: str | Path, seed: int | None, overrides: Overrides | None
) -> tuple[Path, Targets, Scenario]:
    """The targets file and the scenario over its years, refused before any work if a span of the
    targets falls outside the run."""
    from sim.experiments.targets import check, load_targets
    from sim.inputs.loading import resolve_in

    path = resolve_in(str(targets), "targets")
    tg = load_targets(path)
    sc = load(scenario, _texts(overrides, seed, tg.years))
    check(tg, [], sc.run.start_date, sc.run.months, str(path))
    return path, tg, sc


def calibrate_check(
    scenario: str | Path,
    targets: str | Path,
    reps: int | None = None,
    seed: int | None = None,
    overrides: Overrides | None = None,
    workers: int | Backend | None = None,
    out: str | Path | None = None,
) -> CheckResult:
    """A scenario against a targets file, fit and held-out targets (as ``divertsim calibrate-check``)."""
    from sim.experiments.calibrate import write_checks
    from sim.experiments.executors import replicate
    from sim.experiments.runfolder import default_folder, prepare_folder
    from sim.experiments.targets import check

    path, tg, sc = _targets(targets, scenario, seed, overrides)
    n = reps if reps is not None else tg.replications
    folder = Path(out) if out is not None else default_folder(f"calibrate-check-{sc.name}")
    prepare_folder(folder, resume=False)
    with _saving_to(folder), _executor(workers) as ex:
        results = replicate(sc, n, ex, keep_monthly=tg.needs_monthly)
    checks = check(tg, results, sc.run.start_date, sc.run.months, str(path))
    written = write_checks(folder, sc, path, tg, checks, n)
    return CheckResult(sc, tg, checks, n, folder, written)


@dataclass
class CalibrateResult:
    """A fit of the free parameters to the targets: the values found, every target at them, and
    the calibrated scenario written (``calibrated.toml``, with ``fit.json`` beside it)."""

    scenario: Scenario
    targets: Targets
    fit: Fit
    replications: int
    folder: Path
    written: Path
    notice: str = NOTICE

    @property
    def values(self) -> dict[str, float]:
        return dict(self.fit.values)

    @property
    def table(self) -> pd.DataFrame:
        """Every target at the fitted values, as :attr:`CheckResult.table`."""
        import pandas as pd

        return pd.DataFrame([c.as_dict() for c in self.fit.checks]).set_index("target")

    @property
    def history(self) -> pd.DataFrame:
        """One row per evaluation: the free parameters' values and the objective."""
        import pandas as pd

        rows = [{**h["values"], "objective": h["objective"]} for h in self.fit.history]
        return pd.DataFrame(rows).rename_axis("evaluation")


def calibrate(
    scenario: str | Path,
    targets: str | Path,
    free: Sequence[str],
    reps: int | None = None,
    max_evals: int = 60,
    seed: int | None = None,
    overrides: Overrides | None = None,
    workers: int | Backend | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> CalibrateResult:
    """Fit the ``free`` parameters (``KEY`` or ``KEY=LOW:HIGH``) to the targets' fit figures and
    write the calibrated scenario (as ``divertsim calibrate``)."""
    from sim.experiments.calibrate import fit, parse_free, raw_scenario, write_fit
    from sim.experiments.runfolder import default_folder, prepare_folder
    from sim.inputs.loading import resolve

    source = resolve(str(scenario))
    path, tg, sc = _targets(targets, source, seed, overrides)
    params = [parse_free(f, sc) for f in free]
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ScenarioError("--free", None, f"{next(k for k in keys if keys.count(k) > 1)} is named twice")
    if not any(t.role == "fit" for t in tg.targets.values()):
        raise ScenarioError(str(path), None, 'no target has role = "fit": there is nothing to calibrate to')
    texts = _texts(overrides, seed, tg.years)
    raw = raw_scenario(source, texts)
    n = reps if reps is not None else tg.replications
    folder = Path(out) if out is not None else default_folder(f"calibrate-{sc.name}")
    prepare_folder(folder, resume=False)
    with _saving_to(folder), _executor(workers) as ex:
        found = fit(
            raw,
            str(source),
            tg,
            params,
            n,
            ex,
            max_evals,
            progress=(lambda i, _value: progress(i, max_evals)) if progress else None,
            targets_path=path,
        )
    written = write_fit(folder, raw, source, path, tg, found, n, sc.run.seed)
    return CalibrateResult(sc, tg, found, n, folder, written)


# --------------------------------------------------------------------------------------- report
def report(folder: str | Path, out: str | Path | None = None) -> Path:
    """The HTML report of a finished folder (as ``divertsim report``); returns its path."""
    from sim.reports.report import write

    return write(Path(folder), Path(out) if out is not None else None)


__all__: Sequence[str] = (
    "load",
    "shipped",
    "run",
    "event_log",
    "compare",
    "robustness",
    "sweep",
    "sensitivity",
    "calibrate",
    "calibrate_check",
    "report",
    "Backend",
    "Interrupted",
    "RunResult",
    "EventLog",
    "CompareResult",
    "RobustnessResult",
    "SweepResult",
    "SensitivityResult",
    "CalibrateResult",
    "CheckResult",
    "NOTICE",
)
