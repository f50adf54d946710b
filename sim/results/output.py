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


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    buf.write(f"# {NOTICE}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(
            [
                "" if isinstance(v, float) and not math.isfinite(v) else (f"{v:.10g}" if isinstance(v, float) else v)
                for v in row
            ]
        )
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


def replications_csv(results: list[RepResult]) -> str:
    header = ["replication", *HEADLINE, *(f"open_at_end.{s}" for s in STAGES)]
    rows = (
        [r.replication, *(r.headline[k] for k in HEADLINE), *(r.open_by_stage.get(s, 0) for s in STAGES)]
        for r in results
    )
    return _csv_text(header, rows)


def monthly_csv(results: list[RepResult], cal: Calendar, warmup_months: int) -> str:
    labels = cal.month_labels()
    header = ["replication", "month", "label", "in_warmup", *MONTHLY]
    rows = (
        [r.replication, m, labels[m], int(m < warmup_months), *(float(r.monthly[k][m]) for k in MONTHLY)]
        for r in results
        for m in range(cal.months)
    )
    return _csv_text(header, rows)


def write_tables(folder: Path, results: list[RepResult], cal: Calendar, warmup_months: int) -> None:
    write_json(folder / "summary.json", summary(results))
    atomic_write(folder / "replications.csv", replications_csv(results))
    atomic_write(folder / "monthly.csv", monthly_csv(results, cal, warmup_months))
