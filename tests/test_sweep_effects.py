"""Sweeps of the policy effect (``against``), and sweep and targets files named by their shipped names."""

import json
from pathlib import Path

import pandas as pd
import pytest
from small import small_set

from sim.cli import main
from sim.errors import ScenarioError
from sim.experiments.executors import SerialExecutor, run_task, simulate
from sim.experiments.sweep import SweepPlan, run_sweep
from sim.experiments.sweepfile import load_sweep
from sim.experiments.targets import load_targets
from sim.inputs.loading import resolve_in
from sim.inputs.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TAKE_UP = "decision.rules.deferred_prosecution.take_up"
SITTING = "court.crown.sitting_days_per_month"
SET = small_set({"run.warmup_months": 0})
EFFECT_GRID = f"""
base = "{SCENARIOS / "justice-2019.toml"}"
against = "status-quo"
seed = 7
design = "grid"
reps = 2
[factors]
"{TAKE_UP}" = [0.2, 0.9]
"{SITTING}" = [650, 850]
"""


def effect_sweep(tmp_path: Path, body: str = EFFECT_GRID) -> Path:
    path = tmp_path / "effect.toml"
    path.write_text(body + "\n" + SET.replace(f'"{SITTING}" = 750\n', ""))
    return path


@pytest.fixture(scope="module")
def effect_folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("effect")
    path = effect_sweep(tmp)
    plan = SweepPlan(load_sweep(path), path)
    out = tmp / "out"
    run_sweep(plan, out, SerialExecutor())
    return plan, out


def test_the_comparison_scenario_takes_only_the_factors_it_has(effect_folder):
    plan, _ = effect_folder
    task = next(plan.tasks())
    point, against = (Scenario.model_validate_json(t) for t in (task.scenario_json, task.against_json))
    assert "deferred_prosecution" in point.decision.rules
    assert "deferred_prosecution" not in against.decision.rules  # take-up would switch the scheme on
    assert against.court.crown.sitting_days_per_month == point.court.crown.sitting_days_per_month
    assert against.run.seed == point.run.seed and against.run.years == point.run.years == 1  # [set] applies


def test_an_effect_is_the_point_minus_its_comparison_under_the_same_seed(effect_folder):
    plan, out = effect_folder
    tidy = pd.read_parquet(out / "results.parquet")
    task = [t for t in plan.tasks() if t.point == 3 and t.rep == 1][0]
    alone = simulate(Scenario.model_validate_json(task.against_json), 1, task.seed, keep_monthly=False).headline
    got = tidy[(tidy.point == 3) & (tidy.replication == 1)].set_index("metric")["value"]
    for m in ("court.receipts", "court.crown.backlog_end", "cost.total_gbp"):
        assert got[f"effect.{m}"] == pytest.approx(got[m] - alone[m], abs=1e-9)
    points = pd.read_csv(out / "points.csv")
    assert "effect.court.receipts_per_year.mean" in points and "effect.court.receipts_per_year.ci_low" in points


def test_more_take_up_removes_more_court_receipts_against_the_status_quo(effect_folder):
    _, out = effect_folder
    tidy = pd.read_parquet(out / "results.parquet")
    eff = tidy[tidy.metric == "effect.court.receipts"].merge(
        pd.read_csv(out / "points.csv")[["point", TAKE_UP, SITTING]], on="point"
    )
    for days, same in eff.groupby(SITTING):  # paired: the same sitting days and replication
        wide = same.pivot(index="replication", columns=TAKE_UP, values="value")
        assert (wide[0.9] < wide[0.2]).all() and (wide[0.9] < 0).all(), days


def test_an_effect_sweep_has_its_own_identity(tmp_path):
    path = effect_sweep(tmp_path)
    with_against = SweepPlan(load_sweep(path), path).identity
    plain = tmp_path / "plain.toml"
    plain.write_text(path.read_text().replace('against = "status-quo"\n', ""))
    without = SweepPlan(load_sweep(plain), plain).identity
    other = tmp_path / "other.toml"
    other.write_text(path.read_text().replace('against = "status-quo"', 'against = "npcc-conditional-caution"'))
    assert len({with_against.digest, without.digest, SweepPlan(load_sweep(other), other).identity.digest}) == 3
    assert not any(t.against_json for t in SweepPlan(load_sweep(plain), plain).tasks())


def test_run_task_without_a_comparison_records_no_effects():
    sc = Scenario.model_validate_json(SweepPlan(load_sweep(SCENARIOS / "sweeps" / "justice-grid.toml"),
                                                SCENARIOS / "sweeps" / "justice-grid.toml").scenario(0).model_dump_json())
    small = sc.model_copy(update={"run": sc.run.model_copy(update={"years": 1, "warmup_months": 0})})
    text = small.model_dump_json(by_alias=True)
    plain = run_task(text, 0, 3, False).headline
    paired = run_task(text, 0, 3, False, text).headline
    assert not any(k.startswith("effect.") for k in plain)
    assert all(paired[f"effect.{k}"] == 0 for k in plain)  # the same scenario and seed: no difference
    assert {k: paired[k] for k in plain} == plain


@pytest.mark.parametrize("body, words", [
    ('metrics = ["effect.court.receipts"]\n', "needs against"),
    ('metrics = ["effect.court.nothing"]\n', "not a headline metric"),
])
def test_effect_metrics_need_a_comparison(tmp_path, body, words, capsys):
    path = effect_sweep(tmp_path, EFFECT_GRID.replace('against = "status-quo"\n', body))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and not (tmp_path / "o").exists()


def test_a_comparison_that_is_not_a_scenario_is_named(tmp_path, capsys):
    path = effect_sweep(tmp_path, EFFECT_GRID.replace('"status-quo"', '"status-qou"'))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "against" in err and "status-qou" in err and not (tmp_path / "o").exists()


def test_effect_sweep_report_shows_the_effect(effect_folder, tmp_path):
    _, out = effect_folder
    from sim.reports.report import build

    rep = build(out)
    names = [name for name, _, _ in rep.figures]
    assert "factor_effects" in names and "interaction_0_1" in names
    fig = dict((n, f) for n, _, f in rep.figures)["factor_effects"]
    assert "effect" in fig.texts[0].get_text().lower()
    assert [ax.get_title() for ax in fig.axes[:3]] == [
        "effect.court.receipts_per_year", "effect.court.backlog_end", "effect.court.wait_days_mean"]
    assert "status-quo" in " ".join(rep.sections)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["against_file"].endswith("status-quo.toml") and manifest["against"]["name"] == "status-quo"


@pytest.mark.slow
def test_sobol_indices_of_the_effect_rank_take_up_first(tmp_path, capsys):
    path = effect_sweep(tmp_path, f"""
base = "justice-2019"
against = "status-quo"
seed = 7
design = "saltelli"
samples = 8
reps = 1
replication_pool = 50
analyze = "sobol"
metrics = ["effect.scheme.referred", "court.receipts"]
[factors]
"{TAKE_UP}" = {{ min = 0.2, max = 0.9 }}
"court.charging.charge_share" = {{ min = 0.6, max = 0.9 }}
""")
    out = tmp_path / "sal"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    table = pd.read_parquet(out / "sensitivity_sobol.parquet")
    assert set(table.metric) == {"effect.scheme.referred", "court.receipts"}
    top = table[(table.metric == "effect.scheme.referred") & (table["rank"] == 1)].factor.item()
    assert top == TAKE_UP
    assert main(["sensitivity", str(out), "--metric", "effect.court.receipts"]) == 0
    assert "effect.court.receipts" in capsys.readouterr().out


def test_sensitivity_of_an_effect_needs_a_comparison(tmp_path, capsys):
    path = effect_sweep(tmp_path, EFFECT_GRID.replace('against = "status-quo"\n', "").replace(
        'design = "grid"\nreps = 2', 'design = "morris"\nsamples = 2\nreps = 1\nreplication_pool = 5'
    ).replace("[0.2, 0.9]", "{ min = 0.2, max = 0.9 }").replace("[650, 850]", "{ min = 650, max = 850 }"))
    out = tmp_path / "m"
    run_sweep(SweepPlan(load_sweep(path), path), out, SerialExecutor())
    assert main(["sensitivity", str(out), "--metric", "effect.court.receipts"]) == 2
    assert "no against scenario" in capsys.readouterr().err
    assert main(["sensitivity", str(out), "--metric", "effect.court.nothing"]) == 2


# ------------------------------------------------------------------------------- shipped names
def test_sweep_and_targets_files_are_found_by_their_shipped_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not beside the project: the shipped copies are found
    assert resolve_in("justice-grid", "sweeps") == SCENARIOS / "sweeps" / "justice-grid.toml"
    assert resolve_in("justice-effect.toml", "sweeps") == SCENARIOS / "sweeps" / "justice-effect.toml"
    assert load_targets(resolve_in("2018", "targets")).name == "england-wales-2018-19"
    mine = tmp_path / "mine.toml"
    mine.write_text("x = 1\n")
    assert resolve_in("mine.toml", "sweeps") == Path("mine.toml")  # a file here wins
    with pytest.raises(ScenarioError, match=r"did you mean justice-grid\?.*shipped: global-uncertainty"):
        resolve_in("justice-gird", "sweeps")


def test_a_mistyped_shipped_name_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "justice-gird", "--out", "o"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no such sweep file" in err and "justice-grid" in err and "\n" not in err
    assert main(["calibrate-check", "status-quo", "2081", "--out", "o"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no such targets file" in err and "did you mean 2018?" in err
    assert not (tmp_path / "o").exists()


def test_a_sweep_file_reports_every_problem_on_one_line(tmp_path, capsys):
    path = effect_sweep(tmp_path, EFFECT_GRID.replace("reps = 2", "reps = 0\nsamples = -1\nbogus = 1"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and all(k in err for k in ("reps", "samples", "bogus"))
