"""Every output carries the notice that the model is illustrative and not a tool for assessing
individuals: CSV files in a last ``notice`` column (the text on the first row, so that a plain
``pandas.read_csv`` reads them), TOML files in a first comment line, JSON files in a ``notice``
field, Parquet files in their metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from small import small_args, small_set

from sim import NOTICE
from sim.experiments.calibrate import Fit, Free, write_fit
from sim.cli import main
from sim.inputs.loading import load_raw, load_scenario, resolve
from sim.experiments.targets import load_targets

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "scenarios" / "targets" / "2018.toml"


def parquet_notice(path: Path) -> str:
    return (pq.read_schema(path).metadata or {}).get(b"divertsim.notice", b"").decode()


def test_the_event_log_carries_the_notice_in_csv_and_parquet(tmp_path):
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        assert main(["run", "status-quo", *small_args(), "--reps", "1", "--workers", "1", "--out", str(out),
                     "--event-log", "--event-log-format", fmt, "--event-log-max-events", "500"]) == 0
    log = pd.read_csv(tmp_path / "csv" / "event_log.csv")
    assert len(log) == 500 and log["notice"][0] == NOTICE and log["notice"][1:].isna().all()
    assert parquet_notice(tmp_path / "parquet" / "event_log.parquet") == NOTICE
    assert len(pd.read_parquet(tmp_path / "parquet" / "event_log.parquet")) == 500


def test_sweep_results_and_sensitivity_tables_carry_the_notice(tmp_path):
    spec = tmp_path / "m.toml"
    spec.write_text(f'base = "status-quo"\ndesign = "morris"\nsamples = 2\nreps = 1\nanalyze = "morris"\n'
                    f'metrics = ["court.receipts_per_year"]\n{small_set()}[factors]\n'
                    f'"scheme.completion_rate" = {{ min = 0.6, max = 0.9 }}\n')
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(out)]) == 0
    assert parquet_notice(out / "results.parquet") == NOTICE
    assert parquet_notice(out / "sensitivity_morris.parquet") == NOTICE
    assert pd.read_csv(out / "sensitivity_morris.csv")["notice"][0] == NOTICE
    for name in ("results.csv", "points.csv"):
        table = pd.read_csv(out / name)
        assert table["notice"][0] == NOTICE and "point" in table.columns, name


def test_a_run_folder_s_tables_read_with_a_plain_read_csv(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "status-quo", *small_args(), "--reps", "3", "--workers", "1", "--out", str(out)]) == 0
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps["replication"]) == [0, 1, 2] and reps["notice"][0] == NOTICE
    assert reps["court.receipts"].dtype.kind in "if"  # numbers, not text: no stray header line
    monthly = pd.read_csv(out / "monthly.csv")
    assert len(monthly) == 3 * monthly["month"].nunique() and monthly["notice"][0] == NOTICE


def test_calibrated_scenario_and_fit_record_carry_the_notice(tmp_path):
    raw = load_raw(resolve("justice-2019"))
    result = Fit([Free("court.charging.charge_share", 0.5, 0.9, 0.78)], {"court.charging.charge_share": 0.7}, 0.5, 3, [])
    path = write_fit(tmp_path, {**raw, "name": "justice-2019"}, resolve("justice-2019"), TARGETS,
                     load_targets(TARGETS), result, 2, 1)
    assert path.read_text().splitlines()[0] == f"# {NOTICE}"
    assert json.loads((tmp_path / "fit.json").read_text())["notice"] == NOTICE
    calibrated = load_scenario(str(path))  # stands on its own, with the fitted value and every other one
    assert calibrated.court.charging.charge_share == 0.7
    assert calibrated.scheme == load_scenario("justice-2019").scheme
