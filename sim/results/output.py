"""The run folder: manifest, summary and tables, each file written whole or not at all.

Every file is written to a temporary name in the same folder, flushed to disk and renamed over
its final name, so a killed run never leaves a half-written file that looks complete. The
manifest (:mod:`sim.results.manifests`) says ``"status": "running"`` until the last table is written.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import platform
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import NOTICE, __version__
from sim.engine.calendar import Calendar
from sim.results.metrics import HEADLINE, MONTHLY, STAGES, RepResult
from sim.results.stats import summarise


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path = Path(path)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")  # text is written as UTF-8, newlines as given
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def notice_metadata() -> dict[bytes, bytes]:
    """Parquet file metadata carrying :data:`~sim.NOTICE` (Parquet has no comment lines)."""
    return {b"divertsim.notice": NOTICE.encode()}


def stamp_parquet(path: Path) -> None:
    """Add the notice to the metadata of a Parquet file written without it, whole or not at all."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    tmp = path.parent / f".{path.name}.tmp"
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **notice_metadata()}), tmp)
    tmp.replace(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: flush the folder's entry (a power cut, not only a kill)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(_finite(data), indent=2, sort_keys=False) + "\n")


class CsvTable:
    """A CSV writer that carries the notice in a last column, ``notice``: the text on the first row,
    empty on the rest. Every table keeps the notice in its own file, and a plain ``pandas.read_csv``
    or ``csv.DictReader`` reads it as it is (a comment line would break both); filling only the
    first row keeps a long table from carrying the text a million times."""

    def __init__(self, fh: Any, header: Sequence[str]) -> None:
        self._w = csv.writer(fh, lineterminator="\n")
        self._w.writerow([*header, "notice"])
        self._first = True

    def row(self, cells: Sequence[Any]) -> None:
        self._w.writerow([*cells, NOTICE if self._first else ""])
        self._first = False


def csv_cell(v: Any) -> Any:
    """A value as a CSV cell: floats to 10 significant figures, non-finite and None empty."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v:.10g}" if isinstance(v, float) else v


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV table (see :class:`CsvTable`)."""
    buf = io.StringIO()
    table = CsvTable(buf, header)
    for row in rows:
        table.row([csv_cell(v) for v in row])
    return buf.getvalue()


def package_versions() -> dict[str, str]:
    out = {"divertsim": __version__, "python": platform.python_version()}
    for name in ("simpy", "numpy", "scipy", "pydantic", "typer"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[name] = "unknown"
    return out


def summary(results: list[RepResult]) -> dict[str, Any]:
    """Per headline metric ``{mean, ci_low, ci_high, sd, n}``, plus open cases by stage."""
    metrics = {k: summarise(r.headline[k] for r in results) for k in HEADLINE}
    by_stage = {s: summarise(float(r.open_by_stage.get(s, 0)) for r in results) for s in STAGES}
    return {"notice": NOTICE, "replications": len(results), "metrics": metrics, "open_at_end_by_stage": by_stage}


def replications_table(results: list[RepResult]) -> tuple[list[str], list[list[Any]]]:
    """One row per replication: its headline metrics and the cases open at the end by stage."""
    header = ["replication", *HEADLINE, *(f"open_at_end.{s}" for s in STAGES)]
    rows = [
        [r.replication, *(r.headline[k] for k in HEADLINE), *(r.open_by_stage.get(s, 0) for s in STAGES)]
        for r in results
    ]
    return header, rows


def monthly_table(results: list[RepResult], cal: Calendar, warmup_months: int) -> tuple[list[str], list[list[Any]]]:
    """One row per replication and month (warm-up months flagged) with every monthly series."""
    labels = cal.month_labels()
    header = ["replication", "month", "label", "in_warmup", *MONTHLY]
    rows = [
        [r.replication, m, labels[m], int(m < warmup_months), *(float(r.monthly[k][m]) for k in MONTHLY)]
        for r in results
        for m in range(cal.months)
    ]
    return header, rows


def write_parquet(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``rows`` as a Parquet table with the notice in its metadata, written whole or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    table = pa.table(columns).replace_schema_metadata(notice_metadata())
    tmp = path.parent / f".{path.name}.tmp"
    pq.write_table(table, tmp)
    tmp.replace(path)


def write_tables(folder: Path, results: list[RepResult], cal: Calendar, warmup_months: int) -> None:
    """The replications and monthly tables as CSV and as Parquet, then summary.json.

    The summary goes last, just before the manifest that marks the run complete (see
    :meth:`sim.experiments.runfolder.RunFolder.finish`), so that a run killed while its tables are
    written is not left with a summary under a manifest that says it is still running."""
    for name, (header, rows) in (
        ("replications", replications_table(results)),
        ("monthly", monthly_table(results, cal, warmup_months)),
    ):
        atomic_write(folder / f"{name}.csv", csv_text(header, rows))
        write_parquet(folder / f"{name}.parquet", header, rows)
    write_json(folder / "summary.json", summary(results))
