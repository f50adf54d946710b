"""The embedded results store: one SQLite file per run or sweep folder, one committed row per task.

Only the coordinating process writes. Each finished (point, replication) is committed on its own,
so a run killed at any moment loses at most the tasks still in flight, and ``--resume`` runs only
what is missing. A store that is not a store of ours, was written by another version, or fails
SQLite's integrity check is reported, never read as if whole.
"""

from __future__ import annotations

import base64
import json
import math
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from sim.results.manifests import StoreMeta
from sim.results.metrics import MONTHLY, RepResult

SCHEMA_VERSION = 3
STORE_NAME = "store.sqlite"


class StoreError(Exception):
    """The store cannot be used: corrupt, foreign, or for a different run."""


class StoreDamaged(StoreError):
    """The store opens but its rows are not what divertsim wrote: a user's problem to see, not a
    failure to write (the CLI exits 2 for this, 1 for a disk that refuses a write)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"cannot store {type(value).__name__}")


def _numbers(d: dict[str, Any]) -> dict[str, float]:
    """Stored headline metrics back as floats (a stored null is NaN); anything else is damage."""
    out = {}
    for k, v in d.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, type(None))):
            raise ValueError(f"metric {k} is not a number")
        out[k] = math.nan if v is None else float(v)
    return out


def _clean(d: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in d.items()}


class Store:
    """One folder's store. ``readonly`` opens an existing store without writing a byte of it, to
    check what it holds before a resume or to read it for a report."""

    def __init__(self, path: Path, readonly: bool = False, meta: StoreMeta | None = None) -> None:
        """Open ``path``, creating the store with ``meta`` in its first transaction if it holds no
        tables yet (a store killed while it was being created holds none, and starts again)."""
        self.path = Path(path)
        try:
            if readonly:
                # without a write-ahead log everything is in the file itself: read it as immutable,
                # so that not even an empty log is left beside it; with one, read through it
                wal = Path(f"{self.path}-wal").exists()
                self.db = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro{'' if wal else '&immutable=1'}",
                    uri=True,
                    timeout=30.0,
                    isolation_level=None,
                )
            else:
                self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
            self.fresh = not self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if not self.fresh:
                self._check()
            elif not readonly:
                self._create(meta.rows() if meta is not None else {})
        except sqlite3.DatabaseError as exc:
            raise StoreDamaged(f"{self.path}: not a readable results store ({exc})") from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One committed transaction; a failure to write (disk full, read-only) is a StoreError."""
        try:
            with self.db:
                self.db.execute("BEGIN")
                yield
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the results store ({exc})") from None

    def _create(self, meta: dict[str, str]) -> None:
        with self._transaction():
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.execute(
                "CREATE TABLE tasks (point INTEGER NOT NULL, rep INTEGER NOT NULL, status TEXT NOT NULL "
                "CHECK (status IN ('done', 'failed')), headline TEXT, open_by_stage TEXT, checks TEXT, "
                "monthly BLOB, runtime REAL, error TEXT, extra TEXT, PRIMARY KEY (point, rep))"
            )
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.db.execute("INSERT INTO meta VALUES ('monthly_columns', ?)", (json.dumps(MONTHLY),))
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))

    def _check(self) -> None:
        ok = self.db.execute("PRAGMA quick_check").fetchone()
        if not ok or ok[0] != "ok":
            raise StoreDamaged(f"{self.path}: results store is corrupt ({ok[0] if ok else 'no answer'})")
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "tasks"} <= tables:
            raise StoreDamaged(f"{self.path}: not a divertsim results store")
        version = self.get_meta().get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreDamaged(f"{self.path}: store schema version {version}, this version reads {SCHEMA_VERSION}")
        if self.get_meta().get("monthly_columns") != json.dumps(MONTHLY):
            raise StoreDamaged(f"{self.path}: store was written by a version with other monthly columns")

    # ------------------------------------------------------------------------------------ meta
    def get_meta(self) -> dict[str, str]:
        rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        if any(not isinstance(k, str) or not isinstance(v, str) for k, v in rows):
            raise StoreDamaged(f"{self.path}: the store's meta table holds values that are not text")
        return dict(rows)

    def meta(self) -> StoreMeta:
        """The meta table as its model (a store killed before its first commit has none to read)."""
        return StoreMeta.from_rows(self.get_meta(), self.path)

    # ----------------------------------------------------------------------------------- tasks
    def put(self, point: int, result: RepResult) -> None:
        monthly = (
            np.stack([np.asarray(result.monthly[k], dtype="<f8") for k in MONTHLY]).tobytes()
            if result.monthly
            else None
        )
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO tasks VALUES (?, ?, 'done', ?, ?, ?, ?, ?, NULL, ?)",
                (
                    point,
                    result.replication,
                    json.dumps(_clean(result.headline), default=_json_default),
                    json.dumps(result.open_by_stage),
                    json.dumps(result.checks),
                    monthly,
                    result.runtime_s,
                    json.dumps(
                        {
                            "outcomes": result.outcomes,
                            "court_wait_hist": result.court_wait_hist,
                            "reoffending_by_route": result.reoffending_by_route,
                            "fates": base64.b64encode(result.fates).decode("ascii"),
                        }
                    ),
                ),
            )

    def put_failure(self, point: int, rep: int, error: str) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO tasks (point, rep, status, error) VALUES (?, ?, 'failed', ?)",
                (point, rep, error),
            )

    def done(self) -> set[tuple[int, int]]:
        return {(p, r) for p, r in self.db.execute("SELECT point, rep FROM tasks WHERE status = 'done'")}

    def failures(self) -> list[tuple[int, int, str]]:
        return list(self.db.execute("SELECT point, rep, error FROM tasks WHERE status = 'failed' ORDER BY point, rep"))

    def damage(self, expected: Callable[[int, int], bool], months: int | None = None) -> str | None:
        """What is wrong with the rows, or None: every row must be a task ``expected(point, rep)``
        accepts, and every finished row whole (valid JSON objects, a number for its run time, a
        monthly series of ``months`` months when one is kept). One scan in SQLite, so it is quick
        even for a million rows; a store that fails it is never half used."""
        bad = self.db.execute(
            "SELECT point, rep, CASE "
            "WHEN typeof(point) != 'integer' OR typeof(rep) != 'integer' THEN 'its point or replication is not a "
            "whole number' "
            "WHEN status = 'failed' AND typeof(error) != 'text' THEN 'a failed task without its error' "
            "WHEN status != 'done' THEN NULL "
            "WHEN typeof(headline) != 'text' OR NOT json_valid(headline) THEN 'its headline metrics are not JSON' "
            "WHEN json_type(headline) != 'object' THEN 'its headline metrics are not a JSON object' "
            "WHEN EXISTS (SELECT 1 FROM json_each(headline) WHERE type NOT IN ('integer', 'real', 'null')) "
            "  THEN 'a headline metric is not a number' "
            "WHEN typeof(open_by_stage) != 'text' OR NOT json_valid(open_by_stage) THEN 'its open cases are not JSON' "
            "WHEN json_type(open_by_stage) != 'object' THEN 'its open cases by stage are not a JSON object' "
            "WHEN typeof(checks) != 'text' OR NOT json_valid(checks) THEN 'its checks are not JSON' "
            "WHEN extra IS NOT NULL AND (typeof(extra) != 'text' OR NOT json_valid(extra)) THEN 'its outcomes are not "
            "JSON' "
            "WHEN typeof(runtime) NOT IN ('real', 'integer') THEN 'its run time is not a number' "
            "WHEN monthly IS NOT NULL AND (typeof(monthly) != 'blob' OR length(monthly) % ? != 0 "
            "  OR (? IS NOT NULL AND length(monthly) != ?)) THEN 'its monthly series is truncated' "
            "END AS problem FROM tasks WHERE problem IS NOT NULL LIMIT 1",
            (8 * len(MONTHLY), months, None if months is None else 8 * len(MONTHLY) * months),
        ).fetchone()
        if bad:
            return f"the row for point {bad[0]!r}, replication {bad[1]!r} is damaged: {bad[2]}"
        for point, rep in self.db.execute("SELECT point, rep FROM tasks ORDER BY point, rep"):
            if not expected(point, rep):
                return f"it holds a row for point {point}, replication {rep}, which this folder never asked for"
        return None

    def results(self, point: int = 0) -> Iterator[RepResult]:
        """Finished replications of ``point`` in replication order (monthly series if kept)."""
        rows = self.db.execute(
            "SELECT rep, headline, open_by_stage, checks, monthly, runtime, extra FROM tasks "
            "WHERE point = ? AND status = 'done' ORDER BY rep",
            (point,),
        )
        for rep, headline, open_by_stage, checks, monthly, runtime, extra in rows:
            try:
                more = json.loads(extra) if extra else {}
                arr = np.frombuffer(monthly, dtype="<f8").reshape(len(MONTHLY), -1) if monthly is not None else None
                result = RepResult(
                    rep,
                    _numbers(json.loads(headline)),
                    json.loads(open_by_stage),
                    {k: arr[i] for i, k in enumerate(MONTHLY)} if arr is not None else {},
                    json.loads(checks),
                    float(runtime),
                    more.get("outcomes", {}),
                    more.get("court_wait_hist", []),
                    more.get("reoffending_by_route", {}),
                    base64.b64decode(more.get("fates", "")),
                )
            except (TypeError, ValueError, AttributeError) as exc:
                raise StoreDamaged(
                    f"{self.path}: the row for point {point}, replication {rep} is damaged ({type(exc).__name__})"
                ) from None
            yield result

    def headlines(self, batch: int = 500) -> Iterator[tuple[int, int, dict[str, float]]]:
        """(point, replication, headline metrics) of every finished task, in that order, read in batches."""
        cur = self.db.execute("SELECT point, rep, headline FROM tasks WHERE status = 'done' ORDER BY point, rep")
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            for p, r, h in rows:
                try:
                    values = _numbers(json.loads(h))
                except (TypeError, ValueError, AttributeError) as exc:
                    raise StoreDamaged(
                        f"{self.path}: the row for point {p}, replication {r} is damaged ({type(exc).__name__})"
                    ) from None
                yield p, r, values

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
