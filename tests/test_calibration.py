"""Calibration: targets files, the check, and fitting a parameter back to a known value."""

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import scenario
from sim import NOTICE
from sim.experiments.calibrate import Free, fit, parse_free, write_fit
from sim.cli import main
from sim.errors import ScenarioError
from sim.experiments.executors import SerialExecutor, replicate
from sim.inputs.loading import load_scenario
from sim.experiments.targets import Targets, check, load_targets

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "scenarios" / "targets" / "2018.toml"
HISTORY = ROOT / "scenarios" / "targets" / "history-2016-2019.toml"


def test_shipped_targets_name_sources_units_and_bands():
    for path in (TARGETS, HISTORY):
        tg = load_targets(path)
        for t in tg.targets.values():
            lo, hi = t.band
            assert lo < hi and t.source and t.unit and t.units
        roles = {t.role for t in tg.targets.values()}
        assert roles == {"fit", "holdout"}, f"{path.name}: fit and held-out figures both"
    tg = load_targets(TARGETS)
    assert tg.targets["court_cases"].band == pytest.approx((4708 * 0.95, 4708 * 1.05))
    # inputs the model would only echo are not targets
    assert not {"police.arrests_per_month", "sentence.custody_share", "sentence.non_custodial_share"} & {
        t.metric for t in tg.targets.values()}


@pytest.mark.slow
@pytest.mark.parametrize("scenario_name, path", [("status-quo", TARGETS), ("history-2016-2019", HISTORY)])
def test_shipped_scenarios_meet_every_fit_target_and_report_the_holdouts(scenario_name, path, tmp_path, capsys):
    assert main(["calibrate-check", scenario_name, str(path), "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    tg = load_targets(path)
    n_fit = sum(t.role == "fit" for t in tg.targets.values())
    n_hold = len(tg.targets) - n_fit
    assert f"{n_fit} of {n_fit} fit targets met" in out and f"of {n_hold} held-out targets met (never fitted)" in out


SMALL_RUN = ["--workers", "1", "--set", "arrivals.per_month=60", "--set", "initial.forensics.cases=0",
             "--set", "initial.crown_trial.cases=0"]


def _targets(tmp_path, role_receipts="fit", role_list="holdout"):
    path = tmp_path / "t.toml"
    path.write_text(
        'name = "t"\nyears = 1\nreplications = 2\n'
        f'[targets.receipts]\nrole = "{role_receipts}"\nmetric = "court.receipts_per_year"\n'
        'low = 1\nhigh = 2\nunit = "cases/year"\nsource = "made up for the test"\n'
        f'[targets.crown_list]\nrole = "{role_list}"\nseries = "crown_list_backlog_end"\nmonths = ["2017-12", "2017-12"]\n'
        'low = 1\nhigh = 2\nunit = "cases"\nsource = "made up for the test"\n')
    return path


def test_calibrate_check_fails_when_a_fit_target_is_missed(tmp_path, capsys):
    assert main(["calibrate-check", "status-quo", str(_targets(tmp_path)), *SMALL_RUN, "--out", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert "0 of 1 fit targets met" in out and "0 of 1 held-out targets met" in out
    record = json.loads((tmp_path / "c" / "checks.json").read_text())
    assert [(c["target"], c["role"], c["within"]) for c in record["checks"]] == [
        ("receipts", "fit", False), ("crown_list", "holdout", False)]
    assert pd.read_csv(tmp_path / "c" / "checks.csv")["notice"][0] == NOTICE


def test_a_missed_holdout_is_reported_but_fails_only_with_strict(tmp_path, capsys):
    path = _targets(tmp_path, role_receipts="holdout")
    assert main(["calibrate-check", "status-quo", str(path), *SMALL_RUN, "--out", str(tmp_path / "a")]) == 0
    assert "0 of 2 held-out targets met" in capsys.readouterr().out
    assert main(["calibrate-check", "status-quo", str(path), *SMALL_RUN, "--out", str(tmp_path / "b"), "--strict"]) == 1
    assert main(["report", str(tmp_path / "a")]) == 0
    page = (tmp_path / "a" / "report.html").read_text()
    assert "Held-out targets (never fitted): 0 of 2 met" in page and 'id="targets"' in page


def test_calibrate_refuses_a_file_with_nothing_to_fit(tmp_path, capsys):
    path = _targets(tmp_path, role_receipts="holdout")
    assert main(["calibrate", "status-quo", str(path), "--free", "police.nfa_share", "--out", str(tmp_path / "f")]) == 2
    assert "nothing to calibrate to" in capsys.readouterr().err and not (tmp_path / "f").exists()


def test_a_span_outside_the_run_is_refused_before_any_work(tmp_path, capsys):
    path = _targets(tmp_path)
    path.write_text(path.read_text().replace('["2017-12", "2017-12"]', '["2031-01", "2031-03"]'))
    assert main(["calibrate-check", "status-quo", str(path), *SMALL_RUN, "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "targets.crown_list.months" in err and "outside the run" in err and not (tmp_path / "c").exists()


def test_series_targets_read_the_mean_of_a_span_and_its_change():
    import datetime as dt

    import numpy as np

    from sim.results.metrics import RepResult

    def rep(values):
        return RepResult(0, {}, {}, {"crown_list_backlog_end": np.asarray(values, dtype=float)})

    start = dt.date(2017, 11, 1)  # months: 2017-11, 2017-12, 2018-01, 2018-02
    level = Targets.model_validate({"name": "t", "targets": {"x": {
        "series": "crown_list_backlog_end", "months": ["2017-12", "2018-01"], "low": 0, "high": 1, "unit": "c",
        "source": "s"}}}).targets["x"]
    assert level.values([rep([1, 2, 4, 8])], start, 4) == [3.0]
    change = level.model_copy(update={"months": ("2018-02", "2018-02"), "change_from": ("2017-11", "2017-12")})
    assert change.values([rep([1, 3, 4, 8]), rep([2, 2, 2, 1])], start, 4) == [3.0, -0.5]
    assert change.compared == "crown_list_backlog_end change (2017-11 to 2017-12 -> 2018-02)"
    with pytest.raises(ValueError, match="outside the run"):
        level.values([rep([1, 2, 4, 8])], start, 2)


@pytest.mark.parametrize("text, words", [
    ('name = "t"\n[targets.x]\nmetric = "court.nothing"\nvalue = 1\ntolerance = 0.1\nunit = "u"\nsource = "s"\n', "headline metric"),
    ('name = "t"\n[targets.x]\nmetric = "court.receipts"\nvalue = 1\nunit = "u"\nsource = "s"\n', "tolerance"),
    ('name = "t"\n[targets.x]\nmetric = "court.receipts"\nlow = 5\nhigh = 1\nunit = "u"\nsource = "s"\n', "low < high"),
    ('name = "t"\n[targets.x]\nmetric = "court.receipts"\nlow = 1\nhigh = 5\nunit = "u"\n', "source"),
    ('name = "t"\n[targets]\n', "at least one target"),
])
def test_bad_targets_files(tmp_path, text, words, capsys):
    path = tmp_path / "t.toml"
    path.write_text(text)
    assert main(["calibrate-check", "status-quo", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and str(path) in err and err.count("\n") == 1


def test_free_parameter_parsing():
    sc = load_scenario("status-quo")
    f = parse_free("court.charging.charge_share", sc)
    assert (f.low, f.high, f.start) == (pytest.approx(0.425), pytest.approx(1.0), pytest.approx(0.85))
    assert parse_free("court.crown.sitting_days_per_month=7000:9000", sc) == Free("court.crown.sitting_days_per_month", 7000, 9000, 8108)
    assert parse_free("initial.crown_trial.cases=100:900", sc).integer
    for bad, words in (("court.nothing", "unknown"), ("court.crown.trial_hours", "only a number"),
                       ("police.nfa_share=0.5", "LOW:HIGH"), ("police.nfa_share=0.5:0.1", "LOW < HIGH")):
        with pytest.raises(ScenarioError, match=words):
            parse_free(bad, sc)


@pytest.mark.slow
def test_calibration_recovers_a_known_charge_share(tmp_path):
    """Targets made from a run with charge_share 0.70; the fit starts at 0.85 and finds it again."""
    truth = scenario("status-quo", factor=0.1, years=2, court__charging__charge_share=0.70)
    ex = SerialExecutor()
    made = replicate(truth, 3, ex)
    receipts = sum(r.headline["court.receipts_per_year"] for r in made) / 3
    tg = Targets.model_validate({"name": "synthetic", "years": 2, "replications": 3, "targets": {
        "receipts": {"metric": "court.receipts_per_year", "value": receipts, "tolerance": 0.01, "unit": "cases/year",
                     "source": "a run with charge_share 0.70"},
        # a held-out figure that would pull the fit to the top of the range if it were fitted
        "pull": {"role": "holdout", "metric": "court.receipts_per_year", "value": receipts * 1.5, "tolerance": 0.01,
                 "unit": "cases/year", "source": "made up to pull the fit away"}}})
    start = scenario("status-quo", factor=0.1, years=2, court__charging__charge_share=0.85)
    raw = start.model_dump(mode="json", by_alias=True)
    free = [Free("court.charging.charge_share", 0.5, 0.95, 0.85)]
    result = fit(raw, "test", tg, free, reps=3, executor=ex, max_evals=30)
    assert result.values["court.charging.charge_share"] == pytest.approx(0.70, abs=0.02)
    assert [c.within for c in result.checks] == [True, False] and result.evaluations <= 30
    # the calibrated file holds the whole scenario with the fitted value, and validates on its own
    path = write_fit(tmp_path / "out", {**raw, "name": "orig"}, tmp_path / "orig.toml", TARGETS, tg, result, 3, 1)
    sc = load_scenario(str(path))
    assert sc.court.charging.charge_share == pytest.approx(result.values["court.charging.charge_share"])
    assert sc.name == "orig-calibrated" and sc.arrivals.per_month == start.arrivals.per_month
    assert "CALIBRATED" in sc.sources["court.charging.charge_share"]
    record = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert record["evaluations"] == result.evaluations and record["checks"][0]["within"]


def test_checks_report_band_and_distance():
    tg = load_targets(TARGETS)
    sc = scenario("status-quo", factor=0.05, years=2)
    res = replicate(sc, 2, SerialExecutor(), keep_monthly=tg.needs_monthly)
    checks = check(tg, res, sc.run.start_date, sc.run.months)
    cases = next(c for c in checks if c.name == "court_cases")
    assert cases.mean is not None and cases.distance > 1 and not cases.within  # a twentieth of the nation
