"""Robustness of a policy difference: the design (factor values, scaling of schedules and
year-by-year inputs, refusals), the sign-flip logic on made-up numbers, and a small run end to end
whose base point equals ``divertsim compare`` on the same seed and replications."""

from __future__ import annotations

import json
import shutil
import typing
from pathlib import Path

import pandas as pd
import pytest
from pydantic import BaseModel
from small import small_args

from sim import NOTICE
from sim.experiments import robustness as R
from sim.cli import main
from sim.cli.running import SCREEN_METRICS
from sim.experiments.executors import SerialExecutor, simulate
from sim.inputs.loading import effective_dict, load_scenario, scenario_hash, validate
from sim.experiments.runfolder import RunFolderError
from sim.inputs.scenario import HISTORY_KEYS, Scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = small_args({"scheme.facilitators": 5})
FACTORS = ["--factor", "crown-sitting-days", "--factor", "late-pleas"]


def at(point: R.Point, sc: Scenario) -> Scenario:
    return validate(R.apply(effective_dict(sc), point), "test")


def small(name: str) -> Scenario:
    return load_scenario(name, [*SMALL[3::2], "run.years=0.25", "run.warmup_months=0"])


def point(name: str, level: str) -> R.Point:
    return next(p for p in R.design(R.FACTORS, corners=True) if p.factor == name and p.level == level)


def get(sc: Scenario, key: str):
    node = sc
    for part in key.split("."):
        node = getattr(node, part)
    return node


# ---------------------------------------------------------------------------------------- design
def test_the_design_is_the_base_each_factor_low_and_high_and_the_capacity_corners():
    points = R.design(R.FACTORS, corners=True)
    assert [p.label for p in points[:3]] == ["base", "examiners=low", "examiners=high"]
    assert len(points) == 1 + 2 * len(R.FACTORS) + 2
    corner = points[-1]
    assert corner.label == "capacity=high"
    assert {f.name for f, _ in corner.settings} == {"examiners", "charging-lawyers", "magistrates-sitting-days",
                                                    "crown-sitting-days"}
    assert corner.value() == {"examiners": 1.05, "charging-lawyers": 1.05, "magistrates-sitting-days": 1.05,
                              "crown-sitting-days": 1.05}
    assert len(R.design(R.FACTORS, corners=False)) == 1 + 2 * len(R.FACTORS)
    chosen = R.parse_factors(["crown-sitting-days=0.9:1.1", "late-pleas"])
    assert [(f.name, f.low, f.high) for f in chosen] == [("crown-sitting-days", 0.9, 1.1), ("late-pleas", 0.3, 0.5)]


def test_each_factor_moves_both_scenarios_from_their_own_values():
    base, other = load_scenario("status-quo"), load_scenario("justice-2019", ["forensics.examiners=90"])
    for sc in (base, other):
        low = at(point("examiners", "low"), sc)
        assert low.forensics.examiners == pytest.approx(0.95 * sc.forensics.examiners)
        high = at(point("initial-stocks", "high"), sc)
        assert high.initial.forensics.cases == round(1.25 * sc.initial.forensics.cases)  # whole cases stay whole
        assert high.court.crown.background.initial_cases == pytest.approx(1.25 * sc.court.crown.background.initial_cases)
        trial = at(point("crown-trial-length", "low"), sc)
        assert trial.court.crown.trial_hours.mean == pytest.approx(0.8 * sc.court.crown.trial_hours.mean)
        assert trial.court.crown.trial_hours.max == pytest.approx(0.8 * sc.court.crown.trial_hours.max)
        assert trial.court.crown.background.trial_hours == pytest.approx(0.8 * sc.court.crown.background.trial_hours)
        assert at(point("late-pleas", "low"), sc).court.late_guilty_plea_share == 0.30  # a share is set, not scaled
        load = at(point("background-load", "high"), sc)
        assert load.court.magistrates.background.receipts_per_month == pytest.approx(
            1.05 * sc.court.magistrates.background.receipts_per_month)
        corner = at(point("capacity", "low"), sc)
        for key in ("forensics.examiners", "court.charging.lawyers", "court.crown.sitting_days_per_month",
                    "court.magistrates.sitting_days_per_month"):
            assert get(corner, key) == pytest.approx(0.95 * get(sc, key))
        assert corner.scheme == sc.scheme and corner.caution == sc.caution  # what a policy funds is not scaled


def test_schedules_and_year_by_year_inputs_scale_with_their_factor():
    scheduled = load_scenario("status-quo", [
        "forensics.schedule=[{from_month = 12, value = 100.0}]",
        "court.magistrates.schedule=[{from_month = 6, value = 15000.0}]",
        "court.crown.background.schedule=[{from_month = 24, value = 9000.0}]",
        "court.magistrates.background.schedule=[{from_month = 3, value = 120000.0}]"])
    history = load_scenario("history-2016-2019")  # Crown sitting days and other receipts by financial year
    for sc in (scheduled, history):
        for f in R.FACTORS:
            for level in ("low", "high"):
                moved = at(R.Point(f.name, level, ((f, level),)), sc)
                for key in HISTORY_KEYS:
                    by = f.setting(level) if key in f.keys else 1.0
                    got, want = moved.steps(key), [(m, v * by) for m, v in sc.steps(key)]
                    assert [m for m, _ in got] == [m for m, _ in want], (f.name, key)
                    assert [v for _, v in got] == pytest.approx([v for _, v in want]), (f.name, key)
    assert scheduled.steps("forensics.examiners") and history.steps("court.crown.sitting_days_per_month")


def test_every_scheduled_input_is_one_the_factors_scale_with_its_steps():
    """R.apply scales the steps of the keys in HISTORY_KEYS; a section with a schedule of another
    input would leave that schedule unscaled, so every section with a schedule must be one of theirs."""
    def sections(model: type[BaseModel], prefix: str) -> set[str]:
        out = {prefix.rstrip(".")} if "schedule" in model.model_fields else set()
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel) and typing.get_origin(ann) is None:
                out |= sections(ann, f"{prefix}{name}.")
        return out

    assert sections(Scenario, "") == {key.rsplit(".", 1)[0] for key in HISTORY_KEYS}


@pytest.mark.parametrize("args, words", [
    (["--factor", "crown-days"], "unknown factor"),
    (["--factor", "late-pleas", "--factor", "late-pleas"], "named twice"),
    (["--factor", "late-pleas=0.3-0.5"], "LOW:HIGH"),
    (["--factor", "late-pleas=0.5:0.3"], "LOW < HIGH"),
    (["--factor", "late-pleas=0.3:1.5"], "from 0 to 1"),
    (["--factor", "examiners=0:1.1"], "above 0"),
    (["--factor", "examiners=nan:1.1"], "LOW < HIGH"),
    (["--factor", "initial-stocks=0.5:400"], "initial"),
    (["--factor", "late-pleas", "--corners"], "capacity factor"),
    (["--reps", "auto"], "fixed number"),
    (["--reps", "1"], "at least 2"),
    (["--reps", "x"], "--reps"),
    (["--workers", "0"], "--workers"),
    (["--set", "court.crown.sitting_dayz=3"], "unknown parameter"),
])
def test_bad_input_is_refused_in_one_line_with_exit_2_and_nothing_made(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["robustness", "status-quo", "justice-2019", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err, err
    assert not any(tmp_path.iterdir())


def test_a_folder_in_use_is_refused(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "something").write_text("x")
    assert main(["robustness", "status-quo", "justice-2019", "--reps", "2", "--workers", "1", "--out",
                 str(tmp_path / "out"), *FACTORS, *SMALL]) == 2
    assert "folder exists" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["something"]


def test_a_failed_replication_names_its_point_and_scenario():
    def fails(scenario_json: str, rep: int, seed: int, keep_monthly: bool):
        if "\"late_guilty_plea_share\":0.5" in scenario_json and rep == 1:
            raise ValueError("boom")
        return simulate(Scenario.model_validate_json(scenario_json), rep, seed, keep_monthly)

    p = R.plan([small("status-quo"), small("justice-2019")], ["status-quo", "justice-2019"],
               R.parse_factors(["late-pleas"]), corners=False)
    with pytest.raises(RunFolderError, match=r"point late-pleas=high \(status-quo\): replication 1 failed: ValueError: boom"):
        R.simulate_plan(p, 2, SerialExecutor(fails))


# ------------------------------------------------------------------------------------ the flags
def d(mean: float, low: float, high: float) -> dict:
    return {"mean": mean, "ci_low": low, "ci_high": high}


def test_a_ci_wholly_across_zero_is_a_flip_one_that_spans_zero_is_weak_and_the_rest_robust():
    base = d(-10, -12, -8)
    flip = R.verdict(base, [("a=low", d(-9, -11, -7)), ("b=high", d(3, 1, 5)), ("c=low", d(-1, -4, 2))])
    assert flip["flag"] == R.FLIP and flip["flips"] == ["b=high"] and flip["weak"] == ["c=low"]
    assert (flip["mean_min"], flip["mean_max"], flip["ci_low_min"], flip["ci_high_max"]) == (-10, 3, -12, 5)
    assert flip["mean_sign_changes"]
    weak = R.verdict(base, [("a=low", d(-2, -5, 1)), ("a=high", d(-11, -13, -9))])
    assert weak["flag"] == R.WEAK and weak["weak"] == ["a=low"] and not weak["mean_sign_changes"]
    robust = R.verdict(base, [("a=low", d(-6, -7, -5)), ("a=high", d(-14, -16, -12))])
    assert robust["flag"] == R.ROBUST and not robust["flips"] and not robust["weak"]
    # a base that cannot be told from zero: only points on both sides of zero are a change of sign
    assert R.verdict(d(0.5, -1, 2), [("a=low", d(3, 1, 5))])["flag"] == R.ROBUST
    assert R.verdict(d(0.5, -1, 2), [("a=low", d(3, 1, 5)), ("a=high", d(-3, -5, -1))])["flag"] == R.FLIP
    # a difference that is exactly zero everywhere (a scheme count under a caution policy) is robust
    assert R.verdict(d(0, 0, 0), [("a=low", d(0, 0, 0))])["flag"] == R.ROBUST


def test_a_flagged_conclusion_is_printed_and_named_on_the_last_line(capsys):
    from sim.cli.running import print_robustness

    points = [{"label": "base", "differences": {"k": d(-10, -12, -8)}},
              {"label": "crown-sitting-days=low", "differences": {"k": d(4, 2, 6)}}]
    data = {"base": "a", "other": "b", "replications": 5, "points": points, "flagged": ["k"], "weak": [],
            "flip_definition": R.FLIP_NOTE, "weak_definition": R.WEAK_NOTE,
            "metrics": {"k": {"base": points[0]["differences"]["k"], **R.verdict(points[0]["differences"]["k"],
                                                                              [("crown-sitting-days=low", points[1]["differences"]["k"])])}}}
    print_robustness(data, Path("out"))
    lines = capsys.readouterr().out.splitlines()
    assert "SIGN FLIP: k: base -10.0 (-12.0 to -8); crown-sitting-days=low 4 (2 to 6)" in lines
    assert lines[-2] == "sign flips: k (under crown-sitting-days=low)" and lines[-1] == NOTICE


# ------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("robustness")
    common = ["--reps", "2", "--seed", "7", "--workers", "1", *SMALL]
    assert main(["robustness", "status-quo", "justice-2019", *FACTORS, "--corners", "--out", str(root / "rob"),
                 *common]) == 0
    assert main(["compare", "status-quo", "justice-2019", "--out", str(root / "cmp"), *common]) == 0
    return root / "rob", root / "cmp"


def test_a_run_writes_its_folder_with_the_notice_and_hashes(folders):
    rob, _ = folders
    data = json.loads((rob / "robustness.json").read_text())
    manifest = json.loads((rob / "manifest.json").read_text())
    assert data["notice"] == manifest["notice"] == NOTICE and manifest["status"] == "complete"
    assert manifest["kind"] == "robustness" and manifest["seed"] == 7 and manifest["replications"] == 2
    labels = ["base", "crown-sitting-days=low", "crown-sitting-days=high", "late-pleas=low", "late-pleas=high",
              "capacity=low", "capacity=high"]
    assert [p["label"] for p in data["points"]] == [p["label"] for p in manifest["points"]] == labels
    base_sc = load_scenario("status-quo", ["run.seed=7", "run.replications=2", *SMALL[3::2], "run.years=1"])
    assert manifest["scenario_hashes"]["status-quo"] == scenario_hash(base_sc)
    assert manifest["points"][1]["scenario_hashes"]["status-quo"] != manifest["scenario_hashes"]["status-quo"]
    assert set(data["metrics"]) == {k for k, _ in R.DIFFERENCES}
    for p in data["points"]:
        assert set(p["scenarios"]) == {"status-quo", "justice-2019"}
    table = pd.read_csv(rob / "robustness.csv")
    assert table["notice"][0] == NOTICE
    assert len(table) == len(labels) * len(R.DIFFERENCES) and list(table.columns) == [*R.CSV_COLUMNS, "notice"]


def test_the_base_point_is_the_comparison_on_common_random_numbers(folders):
    rob, cmp = folders
    data = json.loads((rob / "robustness.json").read_text())
    comparison = json.loads((cmp / "comparison.json").read_text())
    base = data["points"][0]["differences"]
    for key, _ in R.DIFFERENCES:
        if key in R.FREED:
            expected = comparison["sitting_days_freed"]["justice-2019"][key]
        else:
            expected = comparison["metrics"][key]["justice-2019"]["diff"]
            assert data["points"][0]["scenarios"]["justice-2019"][key]["mean"] == comparison["metrics"][key]["justice-2019"]["mean"]
        assert (base[key]["mean"], base[key]["ci_low"], base[key]["ci_high"]) == \
            (expected["mean"], expected["ci_low"], expected["ci_high"]), key


def test_the_headline_differences_include_what_compare_prints():
    assert set(SCREEN_METRICS) <= {k for k, _ in R.DIFFERENCES}


def test_the_factors_in_the_docs_are_the_factors_in_the_code():
    assert R.factor_table() in (ROOT / "docs" / "robustness.md").read_text()


@pytest.mark.slow
def test_the_report_has_the_robustness_section_and_shows_a_flip_prominently(folders, tmp_path):
    rob, _ = folders
    assert main(["report", str(rob)]) == 0
    page = (rob / "report.html").read_text()
    assert "<h2>Robustness of the policy difference</h2>" in page and (rob / "figures" / "robustness.png").exists()
    assert "Policy conclusions whose sign flips" not in page
    flipped = tmp_path / "flipped"
    shutil.copytree(rob, flipped)
    data = json.loads((flipped / "robustness.json").read_text())
    key = "court.crown.wait_weeks_mean"
    data["metrics"][key].update(flag=R.FLIP, flips=["late-pleas=low"])
    data["flagged"] = [key]
    (flipped / "robustness.json").write_text(json.dumps(data))
    assert main(["report", str(flipped)]) == 0
    page = (flipped / "report.html").read_text()
    assert "Policy conclusions whose sign flips" in page and "SIGN FLIP" in page
    assert page.index("Policy conclusions whose sign flips") < page.index("<table>")
