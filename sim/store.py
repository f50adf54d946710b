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
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .metrics import MONTHLY, RepResult

SCHEMA_VERSION = 2
STORE_NAME = "store.sqlite"


class StoreError(Exception):
    """The store cannot be used: corrupt, foreign, or for a different run."""


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"cannot store {type(value).__name__}")


def _clean(d: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in d.items()}


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        existed = self.path.exists()
        try:
            self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if existed:
                self._check()
            else:
                self._create()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a readable results store ({exc})") from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One committed transaction; a failure to write (disk full, read-only) is a StoreError."""
        try:
            with self.db:
                self.db.execute("BEGIN")
                yield
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the results store ({exc})") from None

    def _create(self) -> None:
        with self._transaction():
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.execute(
                "CREATE TABLE tasks (point INTEGER NOT NULL, rep INTEGER NOT NULL, status TEXT NOT NULL "
                "CHECK (status IN ('done', 'failed')), headline TEXT, open_by_stage TEXT, checks TEXT, "
                "monthly BLOB, runtime REAL, error TEXT, extra TEXT, PRIMARY KEY (point, rep))")
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.db.execute("INSERT INTO meta VALUES ('monthly_columns', ?)", (json.dumps(MONTHLY),))

    def _check(self) -> None:
        ok = self.db.execute("PRAGMA quick_check").fetchone()
        if not ok or ok[0] != "ok":
            raise StoreError(f"{self.path}: results store is corrupt ({ok[0] if ok else 'no answer'})")
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "tasks"} <= tables:
            raise StoreError(f"{self.path}: not a divertsim results store")
        version = self.get_meta().get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreError(f"{self.path}: store schema version {version}, this version reads {SCHEMA_VERSION}")
        if json.loads(self.get_meta().get("monthly_columns", "[]")) != list(MONTHLY):
            raise StoreError(f"{self.path}: store was written by a version with other monthly columns")

    # ------------------------------------------------------------------------------------ meta
    def get_meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, items: dict[str, str]) -> None:
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(items.items()))

    # ----------------------------------------------------------------------------------- tasks
    def put(self, point: int, result: RepResult) -> None:
        monthly = (np.stack([np.asarray(result.monthly[k], dtype="<f8") for k in MONTHLY]).tobytes()
                   if result.monthly else None)
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO tasks VALUES (?, ?, 'done', ?, ?, ?, ?, ?, NULL, ?)",
                (point, result.replication, json.dumps(_clean(result.headline), default=_json_default),
                 json.dumps(result.open_by_stage), json.dumps(result.checks), monthly, result.runtime_s,
                 json.dumps({"outcomes": result.outcomes, "court_wait_hist": result.court_wait_hist,
                             "reoffending_by_route": result.reoffending_by_route,
                             "fates": base64.b64encode(result.fates).decode("ascii")})))

    def put_failure(self, point: int, rep: int, error: str) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO tasks (point, rep, status, error) VALUES (?, ?, 'failed', ?)",
                (point, rep, error))

    def done(self) -> set[tuple[int, int]]:
        return {(p, r) for p, r in self.db.execute("SELECT point, rep FROM tasks WHERE status = 'done'")}

    def failures(self) -> list[tuple[int, int, str]]:
        return list(self.db.execute("SELECT point, rep, error FROM tasks WHERE status = 'failed' ORDER BY point, rep"))

    def results(self, point: int = 0) -> Iterator[RepResult]:
        """Finished replications of ``point`` in replication order (monthly series if kept)."""
        rows = self.db.execute(
            "SELECT rep, headline, open_by_stage, checks, monthly, runtime, extra FROM tasks "
            "WHERE point = ? AND status = 'done' ORDER BY rep", (point,))
        for rep, headline, open_by_stage, checks, monthly, runtime, extra in rows:
            more = json.loads(extra) if extra else {}
            arr = np.frombuffer(monthly, dtype="<f8").reshape(len(MONTHLY), -1) if monthly is not None else None
            yield RepResult(
                rep,
                {k: (math.nan if v is None else float(v)) for k, v in json.loads(headline).items()},
                json.loads(open_by_stage),
                {k: arr[i] for i, k in enumerate(MONTHLY)} if arr is not None else {},
                json.loads(checks),
                float(runtime),
                more.get("outcomes", {}),
                more.get("court_wait_hist", []),
                more.get("reoffending_by_route", {}),
                base64.b64decode(more.get("fates", "")),
            )

    def headlines(self, batch: int = 500) -> Iterator[tuple[int, int, dict[str, float]]]:
        """(point, replication, headline metrics) of every finished task, in that order, read in batches."""
        cur = self.db.execute("SELECT point, rep, headline FROM tasks WHERE status = 'done' ORDER BY point, rep")
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            for p, r, h in rows:
                yield p, r, {k: (math.nan if v is None else float(v)) for k, v in json.loads(h).items()}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
