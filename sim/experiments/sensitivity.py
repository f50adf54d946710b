"""Global sensitivity analysis of a finished sweep: Sobol' indices or Morris elementary effects.

SALib does the estimation. The replication is one of the inputs (see :mod:`sim.experiments.designs`), so
the model's own noise appears as the ``replication`` row: a factor whose index is smaller than the
replication's cannot be told apart from chance at this sample size. Indices come with bootstrap
95% confidence intervals, and each metric's factors are ranked by influence (total-order index
for Sobol', mu* for Morris). Tables are written as CSV and Parquet.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.sweep import load_design, spec_of
from sim.results.output import CsvTable, atomic_write
from sim.results.store import STORE_NAME, Store, StoreError

NUM_RESAMPLES = 200
#: below these sample sizes the bootstrap intervals are too wide, or too unreliable, to rank inputs by:
#: Saltelli base samples (Sobol'), Morris trajectories
SMALL_SAMPLE = {"sobol": 64, "morris": 10}


class SensitivityError(Exception):
    """The folder cannot be analysed as asked."""


def sobol_indices(problem: dict, y: np.ndarray, seed: int) -> list[dict[str, Any]]:
    """First- and total-order indices with 95% bootstrap intervals, one row per input."""
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=NUM_RESAMPLES, conf_level=0.95, seed=seed)
    rows = []
    for i, name in enumerate(problem["names"]):
        s1, s1c, st, stc = (float(res[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
        rows.append(
            {
                "factor": name,
                "S1": s1,
                "S1_ci_low": s1 - s1c,
                "S1_ci_high": s1 + s1c,
                "ST": st,
                "ST_ci_low": st - stc,
                "ST_ci_high": st + stc,
            }
        )
    return _ranked(rows, "ST")


def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int) -> list[dict[str, Any]]:
    """mu* (with a 95% bootstrap interval), mu and sigma of the elementary effects, one row per input."""
    from SALib.analyze import morris

    res = morris.analyze(problem, x, y, num_resamples=NUM_RESAMPLES, conf_level=0.95, num_levels=levels, seed=seed)
    rows = []
    for i, name in enumerate(problem["names"]):
        ms, msc = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
        rows.append(
            {
                "factor": name,
                "mu_star": ms,
                "mu_star_ci_low": ms - msc,
                "mu_star_ci_high": ms + msc,
                "mu": float(res["mu"][i]),
                "sigma": float(res["sigma"][i]),
            }
        )
    return _ranked(rows, "mu_star")


def _ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda r: -r[key] if math.isfinite(r[key]) else math.inf)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def analyze(
    folder: Path, method: str | None = None, metrics: list[str] | None = None
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Analyse a sweep folder; return the method, the table rows and notes on skipped metrics."""
    if not (folder / STORE_NAME).exists():
        raise SensitivityError(f"{folder}: not a sweep folder (no {STORE_NAME})")
    try:
        store = Store(folder / STORE_NAME)
    except StoreError as exc:
        raise SensitivityError(str(exc)) from None
    with store:
        kind = store.get_meta().get("kind")
        if kind != "sweep":
            raise SensitivityError(f"{folder}: not a sweep folder (it holds a {kind or 'unknown'})")
        spec = spec_of(store)
        design = load_design(store)
        wanted = {"saltelli": "sobol", "morris": "morris"}.get(spec.design)
        method = method or spec.analyze or wanted
        if wanted is None or method != wanted:
            need = {"sobol": "'saltelli'", "morris": "'morris'"}.get(method or "", "'saltelli' (Sobol') or 'morris'")
            raise SensitivityError(
                f"{folder}: {method or 'a sensitivity analysis'} needs a sweep with design = "
                f"{need} (this one is '{spec.design}')"
            )
        recorded = spec.metric_names
        for m in metrics or ():
            if m not in recorded:
                raise SensitivityError(
                    f"{folder}: '{m}' is an effect, and this sweep has no against scenario to measure it from"
                )
        y_all: dict[str, list[float]] = {m: [math.nan] * len(design.values) for m in (metrics or spec.metrics)}
        seen = 0
        for point, _, headline in store.headlines():
            seen += 1
            for m in y_all:
                y_all[m][point] = headline.get(m, math.nan)
    missing = len(design.values) - seen
    if missing:
        raise SensitivityError(
            f"{folder}: {missing} of {len(design.values)} design rows have no result "
            "(failed or not run); finish the sweep with --resume first"
        )
    assert design.problem is not None and design.inputs is not None
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    small = small_sample(method, spec.samples)
    if small:
        notes.append(small)
    for metric, values in y_all.items():
        y = np.asarray(values, dtype=float)
        if not np.all(np.isfinite(y)):
            notes.append(f"{metric}: not analysed ({int(np.sum(~np.isfinite(y)))} rows have no value)")
            continue
        if np.ptp(y) == 0:
            notes.append(f"{metric}: not analysed (the same value in every row)")
            continue
        if method == "sobol":
            table = sobol_indices(design.problem, y, spec.seed)
        else:
            table = morris_indices(design.problem, design.inputs, y, spec.morris_levels, spec.seed)
        rows += [{"metric": metric, **r} for r in table]
    return method, rows, notes


def small_sample(method: str, samples: int) -> str | None:
    """A warning when ``samples`` (Saltelli base samples, or Morris trajectories) is too few for the
    intervals to mean anything, else None."""
    least = SMALL_SAMPLE.get(method)
    if least is None or samples >= least:
        return None
    what = "base samples" if method == "sobol" else "trajectories"
    return (
        f"warning: {samples} {what} is a small sample for {method}: the 95% intervals are wide and the ranking "
        f"can change from seed to seed; use at least {least} (samples = {least} in the sweep file)"
    )


def write_tables(folder: Path, method: str, rows: list[dict[str, Any]]) -> list[Path]:
    """sensitivity_<method>.csv and .parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        return []
    columns = list(rows[0])
    buf = io.StringIO()
    table = CsvTable(buf, columns)
    for r in rows:
        table.row([f"{v:.6g}" if isinstance(v, float) else v for v in (r[c] for c in columns)])
    csv_path, pq_path = folder / f"sensitivity_{method}.csv", folder / f"sensitivity_{method}.parquet"
    atomic_write(csv_path, buf.getvalue())
    tmp = folder / f".sensitivity_{method}.parquet.tmp"
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    tmp.replace(pq_path)
    return [csv_path, pq_path]
