"""Damaged folders: a store that SQLite opens but whose rows or records are not what divertsim
wrote, or a damaged manifest. ``--resume`` and ``report`` name what is damaged, exit 2 and change
nothing; nothing is half used. Each damage is made by hand on a finished folder."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from small import small_args, small_set

from sim.cli import main
from sim.results.metrics import MONTHLY

SMALL = small_args()
RUN = ["run", "status-quo", *SMALL, "--reps", "2", "--workers", "1"]
ROW = 8 * len(MONTHLY)

# (name, SQL run on the store or a manifest.json text, words, commands it is checked with)
DAMAGE = [
    ("headline malformed", "UPDATE tasks SET headline = '{\"a\":' WHERE rep = 0", "headline metrics are not JSON", "rr"),
    ("headline null", "UPDATE tasks SET headline = NULL WHERE rep = 1", "headline metrics are not JSON", "rr"),
    ("headline a list", "UPDATE tasks SET headline = '[1, 2]' WHERE rep = 0", "not a JSON object", "rr"),
    ("headline a string metric", "UPDATE tasks SET headline = json_set(headline, '$.\"court.receipts\"', 'many')",
     "a headline metric is not a number", "rr"),
    ("headline a blob", "UPDATE tasks SET headline = x'7b7d' WHERE rep = 0", "headline metrics are not JSON", "rr"),
    ("open cases null", "UPDATE tasks SET open_by_stage = NULL WHERE rep = 0", "open cases", "rr"),
    ("open cases a number", "UPDATE tasks SET open_by_stage = '3' WHERE rep = 0", "open cases by stage", "rr"),
    ("checks malformed", "UPDATE tasks SET checks = 'not json' WHERE rep = 1", "checks are not JSON", "rr"),
    ("outcomes malformed", "UPDATE tasks SET extra = '{' WHERE rep = 1", "outcomes are not JSON", "rr"),
    ("runtime null", "UPDATE tasks SET runtime = NULL WHERE rep = 0", "run time is not a number", "rr"),
    ("runtime text", "UPDATE tasks SET runtime = 'slow' WHERE rep = 0", "run time is not a number", "rr"),
    ("monthly truncated", "UPDATE tasks SET monthly = substr(monthly, 1, 100) WHERE rep = 1", "monthly series is truncated", "rr"),
    ("monthly a month short", f"UPDATE tasks SET monthly = substr(monthly, 1, length(monthly) - {ROW}) WHERE rep = 0",
     "monthly series is truncated", "rr"),
    ("monthly text", "UPDATE tasks SET monthly = 'abc' WHERE rep = 0", "monthly series is truncated", "rr"),
    ("a replication never asked for", "INSERT INTO tasks SELECT point, 99, status, headline, open_by_stage, checks, "
     "monthly, runtime, error, extra FROM tasks WHERE rep = 0", "replication 99, which this folder never asked for", "rr"),
    ("a negative replication", "INSERT INTO tasks SELECT point, -1, status, headline, open_by_stage, checks, "
     "monthly, runtime, error, extra FROM tasks WHERE rep = 0", "replication -1, which this folder never asked for", "rr"),
    ("a sweep point in a run", "INSERT INTO tasks SELECT 5, rep, status, headline, open_by_stage, checks, "
     "monthly, runtime, error, extra FROM tasks WHERE rep = 0", "point 5, replication 0", "rr"),
    ("a replication that is text", "UPDATE tasks SET rep = 'one' WHERE rep = 1", "not a whole number", "rr"),
    ("a failure without its error", "INSERT INTO tasks (point, rep, status) VALUES (0, 1.5, 'failed')",
     "not a whole number", "r"),
    ("kind changed", "UPDATE meta SET value = 'sweep' WHERE key = 'kind'", "holds a sweep, not a run", "r"),
    ("kind unknown", "UPDATE meta SET value = 'banana' WHERE key = 'kind'", "records no kind of run", "r"),
    ("kind missing", "DELETE FROM meta WHERE key = 'kind'", "records no kind of run", "r"),
    ("seed not a number", "UPDATE meta SET value = 'abc' WHERE key = 'seed'", "record of its run is damaged", "r"),
    ("work malformed", "UPDATE meta SET value = '{' WHERE key = 'work'", "record of its run is damaged", "r"),
    ("meta value a blob", "UPDATE meta SET value = x'00' WHERE key = 'seed'", "not text", "rr"),
    ("schema version", "UPDATE meta SET value = '99' WHERE key = 'schema_version'", "schema version 99", "rr"),
    ("tasks table gone", "DROP TABLE tasks", "not a divertsim results store", "rr"),
    ("manifest malformed", "manifest:{\"status\": ", "manifest.json: damaged", "rr"),
    ("manifest a list", "manifest:[1, 2, 3]", "manifest.json: damaged", "rr"),
    ("manifest of another kind", "manifest-kind:sweep", "holds a sweep, not a run", "r"),
    ("manifest with more replications than stored", "manifest-reps:5", "holds 2 of the 5 replications", "p"),
    ("manifest with nonsense replications", "manifest-reps:-3", "damaged (replications -3)", "p"),
]


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith("-shm")}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished") / "run"
    assert main([*RUN, "--out", str(folder)]) == 0
    return folder


def damage(folder: Path, how: str) -> None:
    import json

    if how.startswith("manifest"):
        path = folder / "manifest.json"
        kind, _, value = how.partition(":")
        if kind == "manifest":
            path.write_text(value)
        else:
            data = json.loads(path.read_text())
            data["kind" if kind == "manifest-kind" else "replications"] = value if kind == "manifest-kind" else int(value)
            path.write_text(json.dumps(data))
        return
    with sqlite3.connect(folder / "store.sqlite") as db:
        db.execute(how)
    db.close()


@pytest.mark.parametrize("name, how, words, commands", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_folder_is_named_and_left_as_it_is(name, how, words, commands, finished, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(finished, folder)
    damage(folder, how)
    before = files(folder)
    argv = {"r": [*RUN, "--resume", "--out", str(folder)], "p": ["report", str(folder)]}
    for command in sorted(set(commands.replace("rr", "rp"))):
        assert main(argv[command]) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert words in err, err
        assert files(folder) == before, f"{command} changed the folder"


def test_damage_in_a_sweep_and_in_a_comparison_is_refused(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "status-quo"\nreps = 1\n{small_set()}[factors]\n"scheme.completion_rate" = [0.6, 0.9]\n')
    sweep = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(sweep)]) == 0
    damage(sweep, "INSERT INTO tasks SELECT 7, rep, status, headline, open_by_stage, checks, monthly, runtime, "
                  "error, extra FROM tasks WHERE point = 0")
    before = files(sweep)
    assert main(["sweep", str(spec), "--workers", "1", "--resume", "--out", str(sweep)]) == 2
    assert "point 7, replication 0, which this folder never asked for" in capsys.readouterr().err
    assert files(sweep) == before
    for how, words in (("UPDATE meta SET value = '{' WHERE key = 'spec'", "record of its sweep file is damaged"),
                       ("UPDATE meta SET value = '[]' WHERE key = 'design'", "design is damaged"),
                       ("UPDATE tasks SET headline = 'x' WHERE point = 1", "headline metrics are not JSON")):
        damage(sweep, how)
        before = files(sweep)
        assert main(["sensitivity", str(sweep)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
        assert files(sweep) == before

    compare = ["compare", "status-quo", "justice-2019", *SMALL, "--reps", "1", "--workers", "1"]
    cmp = tmp_path / "cmp"
    assert main([*compare, "--out", str(cmp)]) == 0
    capsys.readouterr()
    damage(cmp / "justice-2019", "UPDATE tasks SET headline = NULL")
    before = files(cmp)
    for argv in ([*compare, "--resume", "--out", str(cmp)], ["report", str(cmp)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "headline metrics are not JSON" in err and "justice-2019" in err, err
        assert files(cmp) == before
