"""A sweep from sweep file to finished folder: points, tasks, store, exports; resumable.

Each (point, replication) is a task whose random numbers depend on (sweep seed, replication) and,
only when ``common_random_numbers = false``, on the point: points therefore share common random
numbers by default, and results are bit-identical serially, on any number of processes and on
Dask. Each finished task is one committed row of the folder's SQLite store, written by this
(coordinating) process; ``--resume`` runs only what is missing. A task that raises is recorded
with its error and the sweep goes on. Exports are written from the store at the end, streamed in
batches so that memory does not grow with the number of tasks.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.experiments.designs import Design, build
from sim.experiments.executors import Executor, Task
from sim.experiments.runfolder import check_store, open_folder
from sim.experiments.sweepfile import SweepSpec
from sim.inputs.loading import deep_merge, effective_dict, has_key, is_file, load_raw, resolve, set_dotted, validate
from sim.inputs.scenario import Scenario
from sim.results import manifests
from sim.results.identity import Identity
from sim.results.manifests import Failure, Manifest, Status, StoreMeta, SweepManifest, SweepSummary
from sim.results.output import CsvTable, atomic_write, notice_metadata
from sim.results.stats import summarise
from sim.results.store import STORE_NAME, Store, StoreDamaged

BATCH = 500
#: what a sweep file says about the amount of work, not about what the results depend on
WORK_KEYS = ("seed", "reps", "samples", "replication_pool", "morris_levels", "design")


def base_path(spec: SweepSpec, spec_path: Path, key: str = "base") -> Path:
    """The base (or ``against``) scenario: a file relative to the sweep file, or a shipped name."""
    name = getattr(spec, key)
    candidate = spec_path.parent / name
    if is_file(candidate):
        return candidate
    try:
        return resolve(name)
    except ScenarioError:
        raise ScenarioError(
            str(spec_path), key, f"'{name}' is neither a file beside the sweep file nor a shipped scenario"
        ) from None


def _with_set(spec: SweepSpec, spec_path: Path, path: Path) -> tuple[dict[str, Any], Scenario]:
    """A scenario file's raw data with the sweep's [set] applied, and its validated scenario."""
    raw = load_raw(path)
    raw.setdefault("name", path.stem)
    validate(raw, str(path))  # a bad base file is named as such
    for key, value in spec.set.items():
        set_dotted(raw, key, value, source=f"{spec_path}: set")
    try:
        return raw, validate(raw, str(spec_path))
    except ScenarioError as exc:
        raise ScenarioError(str(spec_path), f"set.{exc.key}" if exc.key else "set", exc.problem) from None


def point_seed(spec: SweepSpec, point: int) -> int:
    """The master seed of a point's replications."""
    if spec.common_random_numbers:
        return spec.seed
    return int(np.random.SeedSequence([spec.seed, point]).generate_state(1, np.uint64)[0] >> 1)


class SweepPlan:
    """A sweep file expanded: its design and the validated scenario of every point."""

    def __init__(self, spec: SweepSpec, spec_path: Path) -> None:
        self.spec = spec
        self.spec_path = spec_path
        self.base = base_path(spec, spec_path)
        self._raw, self.base_scenario = _with_set(spec, spec_path, self.base)
        #: the scenario each point is compared with, and the factors that apply to it
        self.against: Path | None = None
        self.against_scenario: Scenario | None = None
        self._against_raw: dict[str, Any] = {}
        self._shared: tuple[str, ...] = ()
        if spec.against is not None:
            self.against = base_path(spec, spec_path, "against")
            self._against_raw, self.against_scenario = _with_set(spec, spec_path, self.against)
            self._shared = tuple(k for k in spec.factors if has_key(self.against_scenario, k))
        self._integer = {key: self._number_at(key, spec_path) for key in spec.factors}
        self.design: Design = build(spec)
        self._rep_sets: dict[int, frozenset[int]] = {}
        self._refuse_rounded_duplicates(spec_path)
        for point in range(len(self.design.values)):  # every point is checked before anything runs
            self._point_json(point)
            if self.against is not None:
                self._point_json(point, against=True)

    def _number_at(self, key: str, spec_path: Path) -> bool:
        """Check that a factor names a number in the scenario; say whether it is a whole number."""
        node: Any = self.base_scenario
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if isinstance(node, bool) or not isinstance(node, (int, float)):
            what = "a table" if node is not None and not isinstance(node, (str, bool)) else "no number"
            raise ScenarioError(
                str(spec_path), f"factors.{key}", f"names {what} in the scenario; a factor must be a number"
            )
        return isinstance(node, int)

    def _refuse_rounded_duplicates(self, spec_path: Path) -> None:
        """A grid's levels of a whole-number parameter must stay distinct once rounded, or the
        same point would run twice under two names."""
        if self.spec.design != "grid":
            return
        for key, factor in self.spec.factors.items():
            if not self._integer[key]:
                continue
            levels = factor.grid_values()
            rounded = [int(round(v)) for v in levels]
            if len(set(rounded)) != len(rounded):
                shown = ", ".join(f"{v:g}" for v in levels[:8]) + (", ..." if len(levels) > 8 else "")
                raise ScenarioError(
                    str(spec_path),
                    f"factors.{key}",
                    f"a whole number: the levels ({shown}) round to duplicates "
                    f"({', '.join(map(str, rounded[:8]))}{', ...' if len(rounded) > 8 else ''})",
                )

    def _point_json(self, point: int, against: bool = False) -> str:
        """The validated scenario of a point as JSON, or (``against``) of its comparison scenario
        with the point's values of the factors that scenario has."""
        values = self.design.values[point]
        patch: dict[str, Any] = {}
        for key, value in zip(self.design.factors, values):
            if against and key not in self._shared:
                continue
            set_dotted(patch, key, int(round(value)) if self._integer[key] else value, source=str(self.spec_path))
        raw = deep_merge(self._against_raw if against else self._raw, patch)
        raw.setdefault("run", {})["seed"] = point_seed(self.spec, point)
        shown = ", ".join(f"{k}={v:g}" for k, v in zip(self.design.factors, values))
        try:
            sc = validate(raw, str(self.spec_path))
        except ScenarioError as exc:
            which = f"against {self.spec.against!r} at point" if against else "point"
            raise ScenarioError(
                str(self.spec_path),
                "factors",
                f"{which} {point} ({shown}) is not a valid scenario: {exc.key or ''}: {exc.problem}",
            ) from None
        return sc.model_dump_json(by_alias=True)

    def scenario(self, point: int) -> Scenario:
        return Scenario.model_validate_json(self._point_json(point))

    def tasks(self, skip: set[tuple[int, int]] = frozenset()) -> Iterator[Task]:  # type: ignore[assignment]
        """The tasks not in ``skip``, point by point; a point's scenario is built when it is reached,
        so memory does not grow with the number of points."""
        for point, reps in enumerate(self.design.reps):
            todo = [rep for rep in reps if (point, rep) not in skip]
            if not todo:
                continue
            seed = point_seed(self.spec, point)
            text = self._point_json(point)
            against = self._point_json(point, against=True) if self.against is not None else ""
            for rep in todo:
                yield Task(point, rep, seed, text, self.spec.keep_monthly, against)

    @property
    def identity(self) -> Identity:
        """What the sweep's folder holds: the hash of what its results depend on (the base scenario
        and the factors, not names, notes, the seed or the amount of work), the seed, and the work."""
        spec = self.spec.model_dump(mode="json")
        work = {
            "design": spec["design"],
            "reps": spec["reps"],
            "samples": spec["samples"],
            "replication_pool": spec["replication_pool"],
            "morris_levels": spec["morris_levels"],
            "tasks": self.design.tasks,
        }
        for key in (*WORK_KEYS, "name", "description", "analyze", "metrics"):
            spec.pop(key, None)
        what: dict[str, Any] = {"spec": spec, "base": effective_dict(self.base_scenario)}
        if self.against_scenario is None:
            spec.pop("against")  # a sweep without one keeps the identity it had before there were any
        else:
            spec["against"] = effective_dict(self.against_scenario)  # what it is, not what it is called
        blob = json.dumps(what, sort_keys=True).encode()
        return Identity("sweep", hashlib.sha256(blob).hexdigest()[:16], self.spec.seed, work)

    def asked(self, point: int, rep: int) -> bool:
        """Whether (point, rep) is a task of this sweep's design."""
        return 0 <= point < len(self.design.reps) and rep in self._reps_of(point)

    def _reps_of(self, point: int) -> frozenset[int]:
        if point not in self._rep_sets:
            if len(self._rep_sets) > 4096:
                self._rep_sets.clear()
            self._rep_sets[point] = frozenset(self.design.reps[point])
        return self._rep_sets[point]


Progress = Callable[[int, int], None]


def run_sweep(
    plan: SweepPlan, folder: Path, executor: Executor, resume: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every task of the plan into ``folder`` and write its exports; return the summary."""
    identity = plan.identity
    opened = open_folder(
        folder,
        identity,
        resume,
        _manifest(plan, identity, "running", None, 0),
        lambda: check_store(folder, identity, plan.asked, None),
        StoreMeta.of(identity, spec=plan.spec.model_dump(mode="json"), design=_design_record(plan.design)),
    )
    try:
        store = opened.results_store()
        t0 = time.perf_counter()
        done = store.done()
        failed_before = {(p, r) for p, r, _ in store.failures()}
        total = plan.design.tasks
        finished = len(done)
        if progress:
            progress(finished, total)

        def keep(task: Task, result) -> None:
            nonlocal finished
            store.put(task.point, result)
            finished += 1
            if progress:
                progress(finished, total)

        def failed(task: Task, message: str) -> None:
            nonlocal finished
            store.put_failure(task.point, task.rep, message)
            finished += 1
            if progress:
                progress(finished, total)

        executor.run(plan.tasks(skip=done), keep, failed)
        failures = store.failures()
        write_exports(folder, store, plan)
        summary = SweepSummary(
            tasks=total,
            done=len(store.done()),
            failed=len(failures),
            failures=[Failure(point=p, replication=r, error=e) for p, r, e in failures[:100]],
            retried_failures=len(failed_before),
        )
        manifests.write(
            folder,
            _manifest(plan, identity, "complete", round(time.perf_counter() - t0, 3), len(failures), summary),
        )
        return summary.as_json()
    finally:
        opened.close()


def _design_record(design: Design) -> dict[str, Any]:
    """The design as the store's meta table keeps it, so that an analysis reads the same points."""
    return {
        "factors": design.factors,
        "values": [list(v) for v in design.values],
        "reps": design.reps,
        "inputs": design.inputs.tolist() if design.inputs is not None else None,
        "problem": design.problem,
    }


def load_design(store: Store) -> Design:
    """The design a sweep's store records; a record that does not read back is damage."""
    data = store.meta().design
    try:
        if data is None:
            raise KeyError("design")
        inputs = np.asarray(data["inputs"]) if data["inputs"] is not None else None
        return Design(data["factors"], [tuple(v) for v in data["values"]], data["reps"], inputs, data["problem"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreDamaged(f"{store.path}: the sweep's design is damaged ({type(exc).__name__})") from None


def check_sweep_store(folder: Path) -> None:
    """Before a sweep's store is analysed: if it is a sweep's, its rows and its record of the
    sweep file and design must read back whole (anything else is for the analysis to refuse)."""
    if not (folder / STORE_NAME).is_file():
        return
    with Store(folder / STORE_NAME, readonly=True) as store:
        if store.fresh or store.get_meta().get("kind") != "sweep":
            return
        problem = store.damage(lambda point, rep: point >= 0 and rep >= 0)
        if problem:
            raise StoreDamaged(f"{store.path}: {problem}")
        load_design(store)
        spec_of(store)


def spec_of(store: Store) -> SweepSpec:
    """The sweep file a sweep's store records; a record that does not read back is damage."""
    try:
        return SweepSpec.model_validate(store.meta().spec)
    except ValueError:
        raise StoreDamaged(f"{store.path}: the sweep's record of its sweep file is damaged") from None


def _manifest(
    plan: SweepPlan,
    identity: Identity,
    status: Status,
    runtime: float | None,
    failed: int,
    summary: SweepSummary | None = None,
) -> SweepManifest:
    base = effective_dict(plan.base_scenario)
    return SweepManifest(
        status=status,
        **Manifest.of(identity),
        scenario_name=base.get("name"),
        runtime_s=runtime,
        sweep=plan.spec.model_dump(mode="json"),
        sweep_file=str(plan.spec_path),
        base_file=str(plan.base),
        against_file=str(plan.against) if plan.against is not None else None,
        points=len(plan.design.values),
        tasks=plan.design.tasks,
        failed_tasks=failed,
        summary=summary,
        scenario=base,
        against=effective_dict(plan.against_scenario) if plan.against_scenario is not None else None,
    )


# ------------------------------------------------------------------------------------------ exports
def _batches(store: Store) -> Iterator[list[tuple[int, int, dict[str, float]]]]:
    batch: list[tuple[int, int, dict[str, float]]] = []
    for row in store.headlines(BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_exports(folder: Path, store: Store, plan: SweepPlan | None = None) -> None:
    """results.csv and results.parquet (tidy), points.csv (one row per point), from the store."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    design = plan.design if plan is not None else load_design(store)
    names = (plan.spec if plan is not None else spec_of(store)).metric_names
    metric_type = pa.dictionary(pa.int16(), pa.string())
    schema = pa.schema(
        [("point", pa.int32()), ("replication", pa.int32()), ("metric", metric_type), ("value", pa.float64())],
        metadata=notice_metadata(),
    )
    tmp_parquet = folder / ".results.parquet.tmp"
    tmp_csv = folder / ".results.csv.tmp"
    with pq.ParquetWriter(tmp_parquet, schema) as pw, tmp_csv.open("w", newline="") as fh:
        w = CsvTable(fh, ["point", "replication", "metric", "value"])
        for batch in _batches(store):
            points, reps, metrics, values = [], [], [], []
            for p, r, h in batch:
                for k in names:
                    v = h.get(k, math.nan)
                    points.append(p)
                    reps.append(r)
                    metrics.append(k)
                    values.append(v)
                    w.row([p, r, k, "" if not math.isfinite(v) else f"{v:.10g}"])
            pw.write_table(
                pa.table(
                    {
                        "point": pa.array(points, pa.int32()),
                        "replication": pa.array(reps, pa.int32()),
                        "metric": pa.array(metrics).dictionary_encode().cast(metric_type),
                        "value": pa.array(values, pa.float64()),
                    },
                    schema=schema,
                )
            )
    tmp_parquet.replace(folder / "results.parquet")
    tmp_csv.replace(folder / "results.csv")
    atomic_write(folder / "points.csv", _points_csv(store, design, names))


def _points_csv(store: Store, design: Design, names: tuple[str, ...]) -> str:
    import io

    buf = io.StringIO()
    w = CsvTable(
        buf,
        [
            "point",
            *design.factors,
            "replications",
            *(f"{m}.{s}" for m in names for s in ("mean", "ci_low", "ci_high")),
        ],
    )
    current: int | None = None
    rows: list[dict[str, float]] = []

    def flush() -> None:
        if current is None:
            return
        cells = [current, *(f"{v:.10g}" for v in design.values[current]), len(rows)]
        for m in names:
            s = summarise(r.get(m, math.nan) for r in rows)
            cells += ["" if s[k] is None else f"{s[k]:.10g}" for k in ("mean", "ci_low", "ci_high")]
        w.row(cells)

    for p, _, h in store.headlines(BATCH):
        if p != current:
            flush()
            current, rows = p, []
        rows.append(h)
    flush()
    return buf.getvalue()
