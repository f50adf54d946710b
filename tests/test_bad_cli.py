"""The corpus of bad command lines (tests/data/bad/cli.txt): each is refused with exit status 2
and one line, with no traceback, and nothing in the workspace changes: not the finished run,
comparison and sweep folders that some of them try to resume, not the files they name, and no
new folder appears."""

from __future__ import annotations

import hashlib
import os
import shlex
from pathlib import Path

import pytest
from small import small_args, small_set
from test_bad_inputs import CASES as FILE_CASES

from sim.cli import main

BAD = Path(__file__).parent / "data" / "bad"
SMALL = shlex.join(small_args())
SWEEP = f'base = "status-quo"\nreps = 1\n{small_set()}[factors]\n"scheme.completion_rate" = [0.6, 0.9]\n'
TARGETS = ('name = "t"\nyears = 1\nreplications = 2\n[targets.receipts]\nmetric = "court.receipts_per_year"\n'
           'low = 1\nhigh = 2\nunit = "cases/year"\nsource = "made up for the test"\n')


def cli_cases() -> list[tuple[str, str]]:
    out = []
    for line in (BAD / "cli.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            args, _, words = line.rpartition(" | ")
            out.append((args.strip(), words.strip()))
    return out


CASES = cli_cases()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Finished folders of each kind, a named pipe, a folder, a plain file and an oversized file."""
    ws = tmp_path_factory.mktemp("ws")
    (ws / "sweep.toml").write_text(SWEEP)
    (ws / "targets.toml").write_text(TARGETS)
    os.mkfifo(ws / "pipe.toml")
    (ws / "empty").mkdir()
    (ws / "plain.txt").write_text("a plain file\n")
    (ws / "big.toml").write_bytes(b"# padding\n" * 110_000)
    small = shlex.split(SMALL)
    assert main(["run", "status-quo", *small, "--reps", "1", "--workers", "1", "--out", str(ws / "run")]) == 0
    assert main(["compare", "status-quo", "justice-2019", *small, "--reps", "1", "--workers", "1",
                 "--out", str(ws / "compare")]) == 0
    assert main(["sweep", str(ws / "sweep.toml"), "--workers", "1", "--out", str(ws / "sweep")]) == 0
    return ws


def expand(args: str, ws: Path) -> list[str]:
    values = {
        "out": ws / "new-folder", "run": ws / "run", "compare": ws / "compare", "sweep": ws / "sweep",
        "sweepfile": ws / "sweep.toml", "targets": ws / "targets.toml", "fifo": ws / "pipe.toml", "dir": ws / "empty",
        "file": ws / "plain.txt", "big": ws / "big.toml", "small": SMALL, "digits": "9" * 5000, "hex": "f" * 9000,
        "deep": "[" * 3000 + "1" + "]" * 3000, "deepinline": "{a=" * 2000 + "1" + "}" * 2000, "long": "x" * 20000,
    }
    text = args
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value) if key != "small" else "\x00small\x00")
    out: list[str] = []
    for part in shlex.split(text):
        out += shlex.split(SMALL) if part == "\x00small\x00" else [part]
    return out


def snapshot(ws: Path) -> dict[str, str]:
    """Every entry of the workspace and the bytes of every regular file (SQLite's shared-memory
    index, rebuilt by any reader, aside)."""
    out = {}
    for path in sorted(ws.rglob("*")):
        rel = str(path.relative_to(ws))
        if path.is_fifo() or path.is_dir():
            out[rel] = "fifo" if path.is_fifo() else "dir"
        elif not path.name.endswith("-shm"):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_the_corpus_has_three_hundred_cases_across_files_and_command_lines():
    assert len(CASES) >= 150
    assert len(CASES) + len(FILE_CASES) >= 300
    commands = {shlex.split(args.replace("{", "").replace("}", ""))[0] for args, _ in CASES}
    assert {"run", "compare", "sweep", "calibrate", "calibrate-check", "report", "sensitivity"} <= commands


@pytest.mark.parametrize("args, words", CASES, ids=[f"{i:03d} {a[:60]}" for i, (a, _) in enumerate(CASES)])
def test_bad_command_line_is_refused_with_one_line(args, words, workspace, capsys, monkeypatch):
    monkeypatch.chdir(workspace)
    before = snapshot(workspace)
    code = main(expand(args, workspace))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert len(err) < 2100, "an error line shows back at most a short part of what it was given"
    assert words in err, err
    assert snapshot(workspace) == before, "the workspace changed"
