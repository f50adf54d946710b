"""The Python front door: load, run, compare and check scenarios from a script or a notebook.

Each function does what the command of the same name does, writes the same folder, and returns
an object whose tables are pandas DataFrames::

    import divertsim  # or: from sim import api
    res = divertsim.run("status-quo", reps=3, years=2, overrides={"forensics.examiners": 90})
    res.summary              # one row per headline metric: mean and 95% CI
    cmp = divertsim.compare("status-quo", "justice-2019", reps=3, years=2)
    cmp.differences          # paired differences from the base, with their CIs

Scenarios are shipped names or file paths; overrides are a dict of dotted keys. Replications run
on worker processes started so that a plain script needs no ``if __name__ == "__main__":`` guard:
from a script file they are forked where the platform can fork (a spawned worker would run the
script again), and run in this process otherwise, with a warning; a notebook's workers are
spawned. Every result carries :data:`sim.NOTICE`: the model is illustrative, over aggregate rates.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import NOTICE
from sim.inputs.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.executors import Executor
    from sim.experiments.targets import Check
    from sim.results.metrics import RepResult


def load(scenario: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A validated scenario: a shipped name or a file, with dotted-key overrides."""
    from sim.inputs.loading import load_scenario

    return load_scenario(str(scenario), _overrides(overrides))


@dataclass
class RunResult:
    """One scenario's replications: the headline metrics, monthly series and the folder written."""

    scenario: Scenario
    results: list[RepResult]
    folder: Path
    notice: str = NOTICE

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


@dataclass
class CompareResult:
    """Scenarios on common random numbers: each one's run and the paired differences from the base."""

    runs: dict[str, RunResult]
    data: dict[str, Any]
    folder: Path
    notice: str = NOTICE

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


@dataclass
class CheckResult:
    """A scenario against a targets file: every target's band beside the model, fit and held out."""

    scenario: Scenario
    checks: list[Check]
    folder: Path
    notice: str = NOTICE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([c.as_dict() for c in self.checks]).set_index("target")

    @property
    def fit_met(self) -> bool:
        """Whether every fit target is met (what ``calibrate-check`` exits 0 on)."""
        return all(c.within for c in self.checks if c.target.role == "fit")


def run(
    scenario: str | Path,
    reps: int | None = None,
    years: float | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
) -> RunResult:
    """Run a scenario's replications into a run folder (as ``divertsim run``)."""
    from sim.experiments.runfolder import default_folder, run_fixed

    sc = load(scenario, _with_run(overrides, reps, years, seed))
    folder = Path(out) if out is not None else default_folder(sc.name)
    with _executor(workers) as ex:
        results = run_fixed(sc, folder, ex)
    return RunResult(sc, results, folder)


def compare(
    base: str | Path,
    *others: str | Path,
    reps: int | None = None,
    years: float | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
) -> CompareResult:
    """Run the base and the other scenarios on common random numbers (as ``divertsim compare``)."""
    from sim.experiments.compare import comparison, unique_names, write_comparison
    from sim.experiments.runfolder import Comparison, default_folder, fixed_work
    from sim.results.diagnostics import warnings as run_warnings

    if not others:
        raise ValueError("compare needs the base and at least one other scenario")
    first = load(base, _with_run(overrides, reps, years, seed))
    n = first.run.replications
    common = {**(overrides or {}), "run.seed": first.run.seed, "run.replications": n}
    if years is not None:
        common["run.years"] = years
    scenarios = [load(name, common) for name in (base, *others)]
    names = unique_names([sc.name for sc in scenarios])
    folder = Path(out) if out is not None else default_folder(f"compare-{names[0]}")
    with _executor(workers) as ex, Comparison(folder, scenarios, names, fixed_work(n, scenarios[0].run.years)) as cmp:
        for rf in cmp.runs:
            rf.run(list(range(n)), ex, None, total=n)
        results = cmp.finish(n, None)
    data = comparison(names, results, scenarios[0].run.years)
    data["warnings"] = {name: run_warnings(res, sc) for (name, res), sc in zip(results.items(), scenarios)}
    write_comparison(folder, data)
    runs = {name: RunResult(sc, results[name], folder / name) for name, sc in zip(names, scenarios)}
    return CompareResult(runs, data, folder)


def calibrate_check(
    scenario: str | Path,
    targets: str | Path,
    reps: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
) -> CheckResult:
    """A scenario against a targets file, fit and held-out targets (as ``divertsim calibrate-check``)."""
    from sim.experiments.calibrate import write_checks
    from sim.experiments.executors import replicate
    from sim.experiments.runfolder import default_folder, prepare_folder
    from sim.experiments.targets import check, load_targets

    path = Path(targets)
    tg = load_targets(path)
    sc = load(scenario, _with_run(overrides, None, tg.years, seed))
    check(tg, [], sc.run.start_date, sc.run.months, str(path))
    folder = Path(out) if out is not None else default_folder(f"calibrate-check-{sc.name}")
    prepare_folder(folder, resume=False)
    with _executor(workers) as ex:
        results = replicate(sc, reps if reps is not None else tg.replications, ex, keep_monthly=tg.needs_monthly)
    checks = check(tg, results, sc.run.start_date, sc.run.months, str(path))
    write_checks(folder, sc, path, tg, checks, len(results))
    return CheckResult(sc, checks, folder)


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
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
) -> RobustnessResult:
    """The paired difference at each structural factor's low and high (as ``divertsim robustness``)."""
    from sim.experiments import robustness as R
    from sim.experiments.compare import unique_names
    from sim.experiments.runfolder import default_folder

    chosen = R.parse_factors(list(factors))
    first = load(base, _with_run(overrides, reps, years, seed))
    n = first.run.replications
    if n < 2:
        raise ValueError(f"a confidence interval needs at least 2 replications (got {n})")
    common = {**(overrides or {}), "run.seed": first.run.seed, "run.replications": n}
    if years is not None:
        common["run.years"] = years
    scenarios = [load(name, common) for name in (base, other)]
    names = unique_names([sc.name for sc in scenarios])
    plan = R.plan(scenarios, names, chosen, corners)
    folder = Path(out) if out is not None else default_folder(f"robustness-{names[0]}-{names[1]}")
    with _executor(workers) as ex:
        data = R.run(plan, n, corners, folder, ex)
    return RobustnessResult(data, folder)


def report(folder: str | Path, out: str | Path | None = None) -> Path:
    """The HTML report of a finished folder (as ``divertsim report``); returns its path."""
    from sim.reports.report import write

    return write(Path(folder), Path(out) if out is not None else None)


# ----------------------------------------------------------------------------------- helpers
def _overrides(values: Mapping[str, Any] | None) -> list[str]:
    """``{"a.b": 1}`` as the command line's ``a.b=1`` (values written as TOML)."""
    from sim.inputs.tomltext import value as toml_value

    return [f"{key}={toml_value(value)}" for key, value in (values or {}).items()]


def _with_run(
    values: Mapping[str, Any] | None, reps: int | None, years: float | None, seed: int | None
) -> dict[str, Any]:
    out = dict(values or {})
    for key, value in (("run.replications", reps), ("run.years", years), ("run.seed", seed)):
        if value is not None:
            out[key] = value
    return out


class _executor:
    """Worker processes that a plain script can start without a main guard (see the module)."""

    def __init__(self, workers: int | None) -> None:
        from sim.experiments.executors import ProcessExecutor, SerialExecutor, default_workers

        n = workers if workers is not None else default_workers()
        method = _start_method()
        if n > 1 and method is None:
            warnings.warn(
                "divertsim: this platform cannot fork and a spawned worker would run the script "
                "again, so the replications run in this process",
                RuntimeWarning,
                stacklevel=3,
            )
            n = 1
        self.ex: Executor = ProcessExecutor(n, start_method=method or "spawn") if n > 1 else SerialExecutor()

    def __enter__(self) -> Executor:
        return self.ex

    def __exit__(self, *exc: object) -> None:
        self.ex.close()


def _start_method() -> str | None:
    """``spawn`` where the main module is not a file a worker would re-run (a notebook, ``-c``);
    ``fork`` for a script where the platform forks; None where it cannot."""
    if getattr(sys.modules.get("__main__"), "__file__", None) is None:
        return "spawn"
    return "fork" if "fork" in mp.get_all_start_methods() else None


__all__: Sequence[str] = (
    "load",
    "run",
    "compare",
    "calibrate_check",
    "robustness",
    "report",
    "RunResult",
    "CompareResult",
    "CheckResult",
    "RobustnessResult",
    "NOTICE",
)
