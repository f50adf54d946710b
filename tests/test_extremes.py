"""Extremes: zero capacity anywhere, a hundred times the national inflow, horizons from a month to
fifty years, one replication and a thousand. Each gives a correct, explainable result."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run, scenario
from sim.cli import main
from sim.results.diagnostics import capacity_warnings
from test_model import check_consistency

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name, key, stage, served", [
    ("status-quo", "forensics__examiners", "forensics", "forensics.examinations"),
    ("status-quo", "court__charging__lawyers", "charging", "charging.decisions"),
    ("status-quo", "court__magistrates__sitting_days_per_month", "magistrates", "court.magistrates.sitting_days_used"),
    ("status-quo", "court__crown__sitting_days_per_month", "crown", "court.crown.sitting_days_used"),
    ("npcc-conditional-caution", "caution__assessors", "caution", "caution.conditional"),
    ("ccpas-self-referral", "self_referral__assessors", "self_referral", "self_referral.cautioned"),
    ("ccpas-self-referral", "self_referral__treatment_places", "self_referral", "self_referral.cautioned"),
])
def test_zero_capacity_serves_nobody_and_says_so(name, key, stage, served):
    sc = scenario(name, factor=0.1, years=1, **{key: 0})
    r = check_consistency(run(sc))
    assert r.headline[served] == 0
    assert r.open_by_stage[stage] > 0
    warnings = capacity_warnings([r])
    assert any(w.startswith(f"{stage}:") for w in warnings), warnings


def test_no_scheme_places_means_nobody_starts_deferrals_lapse_and_a_warning():
    """With no group places nobody starts; every deferral lapses after the wait limit and is prosecuted."""
    sc = scenario("justice-2019", factor=0.1, years=1, scheme__facilitators=0)
    r = check_consistency(run(sc))
    h = r.headline
    assert h["scheme.referred"] > 0 and h["scheme.started"] == 0
    # all but the referrals of the last wait_limit_days have lapsed (those of the warm-up too)
    assert h["scheme.lapsed"] >= h["scheme.referred"] * (1 - sc.scheme.wait_limit_days / 365.25) * 0.9
    assert r.open_by_stage["scheme"] <= h["scheme.referred"] * (sc.scheme.wait_limit_days + 14) / 365.25 * 1.2
    assert any(w.startswith("scheme:") for w in capacity_warnings([r]))


@pytest.mark.slow
def test_hundred_times_the_national_inflow(tmp_path):
    """The backlog grows by what capacity cannot take; the run finishes and memory stays bounded."""
    code = (
        "import resource, json\n"
        "from sim.inputs.loading import load_scenario\n"
        "from sim.experiments.executors import simulate\n"
        "sc = load_scenario('status-quo', ['arrivals.per_month=65000', 'run.years=0.25', 'run.warmup_months=0'])\n"
        "r = simulate(sc, 0)\n"
        "print(json.dumps({'h': r.headline, 'open': r.open_by_stage,\n"
        "                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    h = res["h"]
    assert h["cases.arrived"] == h["cases.closed"] + h["cases.open_at_end"]
    assert h["cases.new"] > 150_000
    # examiners work flat out; what they cannot take waits, awaiting interview or examination
    assert h["forensics.utilisation"] > 0.97
    capacity = 92 * 5 / 7 * 90 / 3.0  # examiner-days over three months / effort per case, about 2,000
    waiting = res["open"]["police"] + h["forensics.backlog_end"]
    assert h["cases.new"] - 2 * capacity < waiting <= h["cases.new"] + 5_600
    assert res["rss_mb"] < 900, f"peak memory {res['rss_mb']:.0f} MB for {h['cases.arrived']:.0f} cases"


@pytest.mark.parametrize("years", [1 / 12, 50])
def test_horizons_from_a_month_to_fifty_years(years):
    sc = scenario("justice-2019", factor=0.02 if years > 1 else 0.1, years=years)
    m = run(sc)
    r = check_consistency(m)
    assert len(r.monthly["court_receipts"]) == sc.run.months == sc.run.warmup_months + max(1, round(years * 12))
    assert r.headline["cases.new"] > 0


def test_a_run_too_large_to_hold_is_refused(capsys):
    assert main(["run", "status-quo", "--years", "100", "--set", "arrivals.per_month=65000"]) == 2
    err = capsys.readouterr().err
    assert "more than the" in err and err.count("\n") == 1


def test_one_replication_has_no_interval(tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["run", "status-quo", "--reps", "1", "--workers", "1", "--out", str(out), "--years", "1",
                 "--set", "arrivals.per_month=60", "--set", "initial.forensics.cases=0", "--set", "initial.crown_trial.cases=0"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    m = summary["metrics"]["court.receipts"]
    assert m["n"] == 1 and m["ci_low"] is None and m["sd"] is None and m["mean"] is not None


@pytest.mark.slow
def test_a_thousand_replications(tmp_path):
    out = tmp_path / "many"
    assert main(["run", "status-quo", "--reps", "1000", "--workers", "2", "--out", str(out), "--years", str(1 / 12),
                 "--set", "run.warmup_months=0", "--set", "arrivals.per_month=30", "--set", "initial.forensics.cases=0",
                 "--set", "initial.crown_trial.cases=0"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    m = summary["metrics"]["cases.new"]
    assert m["n"] == 1000
    assert m["mean"] == pytest.approx(30 * 31 / (365.25 / 12), rel=0.05)  # Poisson mean over January
    assert m["ci_high"] - m["ci_low"] < 1.0 and math.isfinite(m["sd"])
