"""Calibration: targets files, the check, and fitting a parameter back to a known value."""

import json
from pathlib import Path

import pytest

from helpers import scenario
from sim.calibrate import Free, fit, parse_free, write_fit
from sim.cli import main
from sim.errors import ScenarioError
from sim.executors import SerialExecutor, replicate
from sim.loading import load_scenario
from sim.targets import Targets, check, load_targets

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "scenarios" / "targets" / "2018.toml"


def test_shipped_targets_name_sources_units_and_bands():
    tg = load_targets(TARGETS)
    assert {"arrests", "court_cases", "cautions", "non_custodial", "crown_trial_wait"} <= set(tg.targets)
    for t in tg.targets.values():
        lo, hi = t.band
        assert lo < hi and t.source and t.unit and t.units
    assert tg.targets["court_cases"].band == pytest.approx((4708 * 0.95, 4708 * 1.05))


@pytest.mark.slow
def test_shipped_status_quo_passes_calibrate_check(capsys):
    assert main(["calibrate-check", "status-quo", str(TARGETS)]) == 0
    assert "6 of 6 targets met" in capsys.readouterr().out


def test_calibrate_check_fails_when_a_target_is_missed(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\nyears = 1\nreplications = 2\n[targets.receipts]\nmetric = "court.receipts_per_year"\n'
                    'low = 1\nhigh = 2\nunit = "cases/year"\nsource = "made up for the test"\n')
    assert main(["calibrate-check", "status-quo", str(path), "--workers", "1", "--set", "arrivals.per_month=60",
                 "--set", "initial.forensics.cases=0", "--set", "initial.crown_trial.cases=0"]) == 1
    assert "0 of 1 targets met" in capsys.readouterr().out


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
                     "source": "a run with charge_share 0.70"}}})
    start = scenario("status-quo", factor=0.1, years=2, court__charging__charge_share=0.85)
    raw = start.model_dump(mode="json", by_alias=True)
    free = [Free("court.charging.charge_share", 0.5, 0.95, 0.85)]
    result = fit(raw, "test", tg, free, reps=3, executor=ex, max_evals=30)
    assert result.values["court.charging.charge_share"] == pytest.approx(0.70, abs=0.02)
    assert all(c.within for c in result.checks) and result.evaluations <= 30
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
    res = replicate(scenario("status-quo", factor=0.05, years=1), 2, SerialExecutor())
    checks = check(tg, res)
    arrests = next(c for c in checks if c.name == "arrests")
    assert arrests.mean is not None and arrests.distance > 1 and not arrests.within  # a twentieth of the nation
