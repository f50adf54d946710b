"""An event log of chosen replications in the HSMA schema, for animation (vidigi) and inspection.

One row per case event: ``entity_id, event_type, event, time, run, resource_id, pathway``.

* ``arrival_departure``: ``arrival`` when a case enters (detection, self-referral, a reoffender's
  new case, or the initial stock, whose arrival is before day 0) and ``depart`` when it closes;
* ``queue``: the case enters a state, named after it (``investigation``, ``forensics``,
  ``crown_for_trial``...): waiting for, or in, that step;
* ``resource_use`` / ``resource_use_end``: a job starts or ends on a finite resource
  (``forensics_begins`` ... ``forensics_ends``, ``crown_begins``...), with ``resource_id`` the
  server (examiner, lawyer, courtroom: 1, 2, ...).

``time`` is in days from the scenario's start date; ``run`` is the replication; ``pathway`` is how
the case ended (``custody``, ``scheme_completed``... or ``open``). The log is built by running the
replication again with job tracing on, which changes no random number, so it describes exactly
the stored replication. A national 10-year replication has about 1.2 million events (roughly 14
per case, some 20 MB as Parquet); the log is cut at ``max_events`` rows, the latest events
dropped first, and says so. Like every output, the log carries the notice that the model is
illustrative: a last column ``notice`` in CSV (the text on the first row), file metadata in Parquet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim import NOTICE
from sim.engine.model import Model
from sim.engine.record import STATE_BITS
from sim.engine.states import CLOSED_STATES, State
from sim.inputs.scenario import Scenario

COLUMNS = ("entity_id", "event_type", "event", "time", "run", "resource_id", "pathway")
DEFAULT_MAX_EVENTS = 2_000_000


def events(scenario: Scenario, replication: int) -> Any:
    """The event log of one replication as a pandas DataFrame, sorted by time."""
    import pandas as pd

    model = Model(scenario, replication, trace=True)
    model.run()
    key = model.rec.log.key
    time = model.rec.log.time
    case = key >> STATE_BITS
    state = (key & ((1 << STATE_BITS) - 1)).astype(int)
    names = {int(s): s.name.lower() for s in State}
    closed = np.isin(state, [int(s) for s in CLOSED_STATES])

    order = np.argsort(case, kind="stable")
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[order][1:] != case[order][:-1]
    first_idx = order[first]

    pathway = {int(c): "open" for c in np.unique(case)}
    for c, s in zip(case[closed].tolist(), state[closed].tolist()):
        pathway[c] = names[s].removeprefix("closed_")

    parts = [
        pd.DataFrame(
            {
                "entity_id": case[first_idx],
                "event_type": "arrival_departure",
                "event": "arrival",
                "time": time[first_idx],
                "resource_id": pd.NA,
            }
        ),
        pd.DataFrame(
            {
                "entity_id": case[~closed],
                "event_type": "queue",
                "event": [names[s] for s in state[~closed].tolist()],
                "time": time[~closed],
                "resource_id": pd.NA,
            }
        ),
        pd.DataFrame(
            {
                "entity_id": case[closed],
                "event_type": "arrival_departure",
                "event": "depart",
                "time": time[closed],
                "resource_id": pd.NA,
            }
        ),
    ]
    for name, pool in model.pool_objects().items():
        if not pool.trace:
            continue
        ids = np.array([item.id for item, *_ in pool.trace], dtype=np.int64)
        server = np.array([r + 1 for _, r, *_ in pool.trace], dtype=np.int64)
        start = np.array([t for *_, t, _ in pool.trace])
        end = np.array([e for *_, e in pool.trace])
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": ids,
                    "event_type": "resource_use",
                    "event": f"{name}_begins",
                    "time": start,
                    "resource_id": server,
                }
            )
        )
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": ids,
                    "event_type": "resource_use_end",
                    "event": f"{name}_ends",
                    "time": end,
                    "resource_id": server,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df = df[df["time"] < model.horizon]
    df["run"] = replication
    df["pathway"] = df["entity_id"].map(pathway)
    df["resource_id"] = df["resource_id"].astype("Int64")
    model.dispose()
    return df.sort_values(["time", "entity_id"], kind="stable")[list(COLUMNS)].reset_index(drop=True)


def write(
    folder: Path, scenario: Scenario, replications: int = 1, fmt: str = "parquet", max_events: int = DEFAULT_MAX_EVENTS
) -> tuple[Path, int, bool]:
    """Write ``event_log.<fmt>`` for replications 0..n-1; return its path, its rows and whether it was cut."""
    import pandas as pd

    from sim.results.output import atomic_write, notice_metadata

    frames = [events(scenario, r) for r in range(replications)]
    df = pd.concat(frames, ignore_index=True).sort_values(["time", "run", "entity_id"], kind="stable")
    cut = len(df) > max_events
    if cut:
        df = df.iloc[:max_events]
    path = folder / f"event_log.{fmt}"
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        tmp = folder / ".event_log.parquet.tmp"
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **notice_metadata()}), tmp)
        tmp.replace(path)
    else:
        noticed = df.assign(notice="")  # as every CSV table: the notice on the first row (see CsvTable)
        if len(noticed):
            noticed.iloc[0, -1] = NOTICE
        atomic_write(path, noticed.to_csv(index=False))
    return path, len(df), cut
