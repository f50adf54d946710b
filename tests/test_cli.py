"""The command line end to end: run, validate, explain, list, and one-line errors with exit 2."""

import csv
import io
import json
import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from small import small_args

from sim import NOTICE
from sim.cli import main
from sim.results.metrics import HEADLINE, MONTHLY

SMALL = small_args({"scheme.facilitators": 5, "initial.forensics.cases": 400, "initial.crown_trial.cases": 15})


def test_run_writes_a_complete_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "justice-2019", "--reps", "3", "--seed", "11", "--workers", "1", "--out", str(out), *SMALL])
    assert code == 0
    printed = capsys.readouterr().out
    assert "court.receipts_per_year" in printed and "Illustrative" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 11 and manifest["replications"] == 3
    assert manifest["notice"] == NOTICE
    assert manifest["scenario"]["arrivals"]["per_month"] == 60
    assert manifest["scenario"]["scheme"]["sessions"] == 5  # defaults filled in
    assert len(manifest["scenario_hash"]) == 16 and "numpy" in manifest["versions"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["notice"] == NOTICE
    for key in HEADLINE:
        assert set(summary["metrics"][key]) == {"mean", "ci_low", "ci_high", "sd", "n"}
    rows = list(csv.DictReader(line for line in (out / "replications.csv").open() if not line.startswith("#")))
    assert len(rows) == 3
    for row in rows:
        assert float(row["cases.arrived"]) == float(row["cases.closed"]) + float(row["cases.open_at_end"])
        stages = sum(float(v) for k, v in row.items() if k.startswith("open_at_end."))
        assert stages == float(row["cases.open_at_end"])
    monthly = list(csv.DictReader(line for line in (out / "monthly.csv").open() if not line.startswith("#")))
    assert len(monthly) == 3 * 18  # 6 warm-up months + 12
    assert set(MONTHLY) <= set(monthly[0])
    assert monthly[0]["notice"] == NOTICE and monthly[1]["notice"] == ""
    import pandas as pd

    for name in ("replications", "monthly"):  # the same tables as Parquet, with the notice in their metadata
        frame, table = pd.read_parquet(out / f"{name}.parquet"), pd.read_csv(out / f"{name}.csv")
        pd.testing.assert_frame_equal(frame, table.drop(columns="notice"), check_dtype=False)
        assert pq.read_schema(out / f"{name}.parquet").metadata[b"divertsim.notice"] == NOTICE.encode()


def test_same_seed_same_files_any_workers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", "status-quo", "--reps", "2", "--workers", "1", "--out", str(a), *SMALL]) == 0
    assert main(["run", "status-quo", "--reps", "2", "--workers", "2", "--out", str(b), *SMALL]) == 0
    for name in ("summary.json", "replications.csv", "monthly.csv"):
        assert (a / name).read_text() == (b / name).read_text()


@pytest.mark.parametrize("args, words", [
    (["run", "no-such-scenario"], "no such scenario"),
    (["run", "status-quo", "--reps", "-2"], "--reps: must be at least 1"),
    (["run", "status-quo", "--reps", "lots"], "whole number or 'auto'"),
    (["run", "status-quo", "--reps", "auto", "--precision", "2"], "precision"),
    (["compare", "status-quo", "nope"], "no such scenario"),
    (["run", "status-quo", "--executor", "cloud"], "--executor"),
    (["run", "status-quo", "--reps", "abc"], "--reps"),
    (["run", "status-quo", "--set", "court.crown.sitting_days_per_month"], "KEY=VALUE"),
    (["run", "status-quo", "--set", "court.crown.sitting_dayz=3"], "unknown parameter"),
    (["run", "status-quo", "--set", "scheme.completion_rate=2"], "scheme.completion_rate"),
    (["run", "status-quo", "--years", "0"], "run.years"),
    (["run", "status-quo", "--workers", "0"], "--workers"),
    (["run", "status-quo", "--bogus"], "No such option"),
    (["run", "status-quo", "--resume"], "--resume needs --out"),
    (["explain", "nope"], "no such scenario"),
    (["frobnicate"], "No such command"),
])
def test_bad_arguments_one_line_exit_2(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and words in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_validate_explain_list(capsys, tmp_path):
    assert main(["validate", "status-quo", "justice-2019"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[police]\nnfa_share = 3\n")
    assert main(["validate", "status-quo", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "police.nfa_share" in err
    assert main(["explain", "justice-2019"]) == 0
    out = capsys.readouterr().out
    assert "scheme.session_minutes" in out and "S3" in out
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "justice-2019" in out and "status-quo" in out


def test_installed_command_runs_in_a_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "run", "status-quo", "--set", "court.crown.sitting_days_per_month=-1"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "court.crown.sitting_days_per_month" in proc.stderr
    assert proc.stdout == ""


def test_compare_writes_paired_differences(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "status-quo", "justice-2019", "--reps", "3", "--workers", "1", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "paired" in printed and "difference ± CI" in printed and "scenario - base" in printed
    table = printed.split("sitting days freed")[0].splitlines()
    assert len(table) > 20 and max(len(line) for line in table) <= 80  # the table fits 80 columns
    data = json.loads((out / "comparison.json").read_text())
    assert data["base"] == "status-quo" and data["scenarios"] == ["status-quo", "justice-2019"]
    m = data["metrics"]["court.receipts"]
    assert set(m["status-quo"]) == {"mean", "ci_low", "ci_high"}
    assert {"mean", "ci_low", "ci_high", "share_lower"} <= set(m["justice-2019"]["diff"])
    for name in ("status-quo", "justice-2019"):
        assert json.loads((out / name / "manifest.json").read_text())["status"] == "complete"
    # the difference equals the difference of the two run folders, replication by replication
    def column(name):
        rows = [line for line in (out / name / "replications.csv").open() if not line.startswith("#")]
        return [float(r["court.receipts"]) for r in csv.DictReader(rows)]
    diffs = [b - a for a, b in zip(column("status-quo"), column("justice-2019"))]
    assert m["justice-2019"]["diff"]["mean"] == pytest.approx(sum(diffs) / len(diffs))


def test_format_json_and_csv_put_only_the_data_on_standard_output(tmp_path, capsys):
    args = ["run", "status-quo", "--reps", "2", "--workers", "1", *SMALL, "--metrics", "court.crown.*,cases.arrived"]
    assert main([*args, "--out", str(tmp_path / "j"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["notice"] == NOTICE and doc["rows"][0]["metric"] == "cases.arrived"
    assert all(r["metric"] == "cases.arrived" or r["metric"].startswith("court.crown.") for r in doc["rows"])
    assert "results:" in captured.err and NOTICE in captured.err
    assert main([*args, "--out", str(tmp_path / "c"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["metric"] for r in rows] == [r["metric"] for r in doc["rows"]] and rows[0]["notice"] == NOTICE


@pytest.mark.parametrize(
    ("flags", "says"),
    [(["--format", "xml"], "--format: must be one of table, csv, json"), (["--metrics", "court.wiat*"], "did you mean")],
)
def test_a_bad_format_or_metric_pattern_is_one_line_and_creates_nothing(tmp_path, capsys, flags, says):
    out = tmp_path / "never"
    assert main(["compare", "status-quo", "justice-2019", "--reps", "2", "--out", str(out), *SMALL, *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and not out.exists()


def test_reps_auto_records_why_it_stopped(tmp_path, capsys):
    out = tmp_path / "auto"
    assert main(["run", "status-quo", "--reps", "auto", "--precision", "0.2", "--max-reps", "12", "--workers", "1",
                 "--out", str(out), *SMALL]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    stop = manifest["stopping"]
    assert 3 <= stop["replications"] <= 12 and stop["reason"]
    assert manifest["replications"] == stop["replications"]
    captured = capsys.readouterr()
    assert "replications:" in captured.out
    if stop["replications"] > 8:  # more than one round: it said what it was waiting for, on standard error
        said = re.search(r"after (\d+) replications, waiting for (\S+?)(?: and \d+ more)?: its 95% CI is", captured.err)
        assert said and said.group(2) in HEADLINE, captured.err


# ------------------------------------------------------------------ the command line's own shape
SHARED = ("--reps", "--seed", "--years", "--set", "--workers", "--executor", "--scheduler", "--out", "--resume",
          "--report", "--precision", "--max-reps", "--metrics", "--format")


def test_every_shared_option_is_declared_once_and_used_by_every_command_that_takes_it():
    import inspect
    import typing
    from pathlib import Path

    import sim.cli
    from sim.cli import entry, options

    source = "".join(p.read_text() for p in Path(sim.cli.__file__).parent.glob("*.py"))
    for flag in SHARED:
        assert len(re.findall(rf'Option\(\s*"{flag}"', source)) == 1, flag
    def flag_of(hint):  # in Annotated, typer.Option's first argument is the flag
        return typing.get_args(hint)[1].default if typing.get_origin(hint) is typing.Annotated else None

    aliases = [value for value in vars(options).values() if typing.get_origin(value) is typing.Annotated]
    by_flag = {flag_of(a): a for a in aliases}
    assert set(by_flag) == set(SHARED)
    used = 0
    for command in entry.COMMANDS:
        hints = typing.get_type_hints(command, include_extras=True)
        for name in inspect.signature(command).parameters:
            flag = flag_of(hints[name])
            if flag in by_flag:
                assert hints[name] is by_flag[flag] or hints[name] == by_flag[flag], (command.__name__, flag)
                used += 1
    assert used >= 40  # run, compare, robustness, sweep, calibrate, calibrate-check and report share them


LONG = [
    ("run", ["run", "status-quo"], "finished replications are saved in {out}; continue with "
     "divertsim run status-quo --workers 1 --resume --out {out}"),
    ("compare", ["compare", "status-quo", "justice-2019"], "finished replications are saved in {out}; continue with "
     "divertsim compare status-quo justice-2019 --workers 1 --resume --out {out}"),
    ("robustness", ["robustness", "status-quo", "justice-2019"],
     "a robustness run does not resume; {out} is incomplete"),
    ("sweep", ["sweep", "s.toml"], "finished tasks are saved in {out}; continue with "
     "divertsim sweep s.toml --workers 1 --resume --out {out}"),
    ("calibrate", ["calibrate", "status-quo", "t.toml", "--free", "police.nfa_share"], ""),
    ("calibrate_check", ["calibrate-check", "status-quo", "t.toml"], ""),
]


@pytest.mark.parametrize("function, args, said", LONG, ids=[c[0] for c in LONG])
def test_ctrl_c_in_any_long_command_is_one_line_and_exit_130(function, args, said, tmp_path, monkeypatch, capsys):
    """Every long command meets Ctrl-C in the same handler: where the work is, and how to go on."""
    from sim import api

    out = tmp_path / "out"

    def interrupted(*a, **k):
        raise api.Interrupted(out)

    monkeypatch.setattr(api, function, interrupted)
    assert main([*args, "--workers", "1", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err == ("interrupted: " + said.format(out=out) if said else "interrupted") + "\n"
