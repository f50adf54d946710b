"""The Python API: the README's example runs as a plain script, and results match the folders."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import divertsim
from sim import NOTICE
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"arrivals.per_month": 120, "forensics.examiners": 12}


def readme_python() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## From Python"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_the_readme_example_runs_as_a_script_without_a_main_guard(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(readme_python())
    assert "__main__" not in script.read_text()
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "court.receipts_per_year" in done.stdout and NOTICE in done.stdout
    assert (tmp_path / "results" / "api-run" / "manifest.json").exists()
    assert (tmp_path / "results" / "api-compare" / "comparison.json").exists()
    assert (tmp_path / "results" / "api-sweep" / "points.csv").exists()


def test_run_returns_the_folders_figures_as_tables(tmp_path):
    res = divertsim.run("status-quo", reps=2, years=1, overrides=SMALL, workers=1, out=tmp_path / "r")
    assert isinstance(res.summary, pd.DataFrame) and res.summary.loc["cases.arrived", "n"] == 2
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert res.summary.loc["court.receipts", "mean"] == pytest.approx(summary["metrics"]["court.receipts"]["mean"])
    months = res.scenario.run.months
    assert len(res.monthly) == 2 * months and res.monthly["in_warmup"].sum() == 2 * res.scenario.run.warmup_months
    assert list(res.replications.index) == [0, 1] and res.notice == NOTICE


@pytest.mark.parametrize("auto", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_an_interrupted_run_says_so_and_a_bare_resume_finishes_what_was_asked(tmp_path, auto):
    out = tmp_path / "r"

    def ctrl_c_after_two(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    asked = dict(reps="auto", precision=0.2, max_reps=9) if auto else dict(reps=5)
    with pytest.raises(KeyboardInterrupt):
        divertsim.run("status-quo", **asked, years=1, seed=11, overrides=SMALL, workers=1, out=out,
                      progress=ctrl_c_after_two)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["seed"] == 11
    res = divertsim.run("status-quo", overrides=SMALL, workers=1, out=out, resume=True)  # no reps, years, seed
    assert res.scenario.run.years == 1 and res.scenario.run.seed == 11
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["work"] == (
        {"replications": "auto", "precision": 0.2, "max_reps": 9, "years": 1.0} if auto else
        {"replications": 5, "years": 1.0})
    if not auto:
        assert len(res.results) == 5
    from sim.experiments.runfolder import RunFolderError

    with pytest.raises(RunFolderError, match="other work"):  # a setting given again must match
        divertsim.run("status-quo", reps=3, overrides=SMALL, workers=1, out=out, resume=True)


def test_compare_gives_paired_differences(tmp_path):
    cmp = divertsim.compare("status-quo", "justice-2019", reps=2, years=1, overrides=SMALL, workers=1,
                            out=tmp_path / "c")
    d = cmp.differences.loc[("justice-2019", "scheme.referred")]
    assert d["mean"] > 0 and cmp.base == "status-quo"
    base = cmp.runs["status-quo"].replications["scheme.referred"]
    other = cmp.runs["justice-2019"].replications["scheme.referred"]
    assert d["mean"] == pytest.approx((other - base).mean())
    assert set(cmp.summary.index.get_level_values("scenario")) == {"status-quo", "justice-2019"}


def test_a_rule_setting_moves_only_the_scenarios_with_that_rule(tmp_path):
    over = {**SMALL, "decision.rules.deferred_prosecution.take_up": 0.4}
    cmp = divertsim.compare("status-quo", "justice-2019", reps=1, years=1, overrides=over, workers=1,
                            out=tmp_path / "c")
    base, policy = (cmp.runs[n].scenario for n in ("status-quo", "justice-2019"))
    assert "deferred_prosecution" not in base.decision.rules  # not given the scheme by the setting
    assert policy.decision.rules["deferred_prosecution"].take_up == 0.4
    assert base.arrivals.per_month == policy.arrivals.per_month == 120  # shared keys go to both
    with pytest.raises(ScenarioError, match="deferred_prosecutio"):  # a key no scenario has is refused
        divertsim.compare("status-quo", "justice-2019", reps=1, years=1, workers=1, out=tmp_path / "d",
                          overrides={"decision.rules.deferred_prosecutio.take_up": 0.4})
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_each_hears_every_paired_replication_as_it_completes(tmp_path):
    heard = []

    def each(k, partial):
        heard.append((k, {name: [r.replication for r in run.results] for name, run in partial.runs.items()}))
        assert partial.data["replications"] == k

    streamed = divertsim.compare("status-quo", "justice-2019", reps=3, years=1, overrides=SMALL, workers=1,
                                 out=tmp_path / "s", each=each)
    assert [k for k, _ in heard] == [1, 2, 3]
    assert heard[1][1] == {"status-quo": [0, 1], "justice-2019": [0, 1]}
    plain = divertsim.compare("status-quo", "justice-2019", reps=3, years=1, overrides=SMALL, workers=1,
                              out=tmp_path / "p")
    assert streamed.data["metrics"] == plain.data["metrics"]  # the same replications, in another order
    again = []
    divertsim.compare("status-quo", "justice-2019", reps=3, years=1, overrides=SMALL, workers=1,
                      out=tmp_path / "s", resume=True, each=lambda k, r: again.append(k))
    assert again == [3]  # a finished folder answers at once, with everything it holds


def test_raising_from_each_stops_the_work_and_the_folder_resumes(tmp_path):
    class Stop(Exception):
        pass

    def stop(k, results):
        if k == 1:
            raise Stop

    with pytest.raises(Stop):
        divertsim.compare("status-quo", "justice-2019", reps=3, years=1, overrides=SMALL, workers=1,
                          out=tmp_path / "s", each=stop)
    done = divertsim.compare("status-quo", "justice-2019", reps=3, years=1, overrides=SMALL, workers=1,
                             out=tmp_path / "s", resume=True)
    assert done.data["replications"] == 3


def test_bad_overrides_raise_one_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="unknown parameter"):
        divertsim.load("status-quo", {"court.crown.sitting_dayz": 3})
    with pytest.raises(ScenarioError) as err:
        divertsim.run("status-quo", overrides={"forensics.examiners": -1}, out=tmp_path / "x")
    assert err.value.key == "forensics.examiners" and not (tmp_path / "x").exists()


@pytest.mark.slow
def test_the_model_documents_example_runs(tmp_path):
    text = (ROOT / "docs" / "model.md").read_text()
    code = re.search(r"## 6\. Code access.*?```python\n(.*?)```", text, re.S).group(1)
    (tmp_path / "doc.py").write_text(code)
    done = subprocess.run([sys.executable, "doc.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "court receipts a year" in done.stdout, done.stderr


def test_calibrate_check_reports_fit_and_holdout(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\nyears = 1\nreplications = 2\n[targets.receipts]\nmetric = "court.receipts_per_year"\n'
                    'low = 1\nhigh = 1e6\nunit = "cases/year"\nsource = "made up"\n[targets.trial]\nrole = "holdout"\n'
                    'metric = "court.crown.trial_wait_weeks_median"\nlow = 1000\nhigh = 2000\nunit = "weeks"\nsource = "made up"\n')
    res = divertsim.calibrate_check("status-quo", path, overrides=SMALL, workers=1, out=tmp_path / "c")
    assert res.fit_met and not res.all_met and list(res.table["role"]) == ["fit", "holdout"]
    assert list(res.table["within"]) == [True, False] and res.written == tmp_path / "c" / "checks.json"
    assert (tmp_path / "c" / "checks.json").exists()


@pytest.mark.slow
def test_robustness_matches_its_command(tmp_path):
    res = divertsim.robustness("status-quo", "justice-2019", factors=["late-pleas"], reps=2, years=1,
                               overrides=SMALL, workers=1, out=tmp_path / "r")
    assert "court.receipts_per_year" in res.table.index and isinstance(res.flagged, list)
    assert json.loads((tmp_path / "r" / "robustness.json").read_text())["metrics"].keys() == res.data["metrics"].keys()


# ------------------------------------------------------------------------- sweep and calibrate
SWEEP = ('name = "s"\nbase = "status-quo"\nreps = 2\n[set]\n"run.years" = 1\n"arrivals.per_month" = 120\n'
         '"forensics.examiners" = 12\n[factors]\n"scheme.completion_rate" = [0.6, 0.9]\n')


def test_sweep_returns_its_points_and_replications_as_tables(tmp_path):
    (tmp_path / "s.toml").write_text(SWEEP)
    seen = []
    res = divertsim.sweep(tmp_path / "s.toml", workers=1, out=tmp_path / "s", progress=lambda d, t: seen.append((d, t)))
    assert (res.points, res.tasks, res.done, res.failed, res.folder) == (2, 4, 4, 0, tmp_path / "s")
    assert seen[-1] == (4, 4) and res.sensitivity is None and res.notice == NOTICE
    assert list(res.summary.index) == [0, 1] and list(res.summary["scheme.completion_rate"]) == [0.6, 0.9]
    assert list(res.replications.index) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    receipts = res.replications["court.receipts_per_year"]
    assert res.summary.loc[1, "court.receipts_per_year.mean"] == pytest.approx(receipts.loc[1].mean())
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["status"] == "complete"


TARGETS = ('name = "t"\nyears = 1\nreplications = 2\n[targets.receipts]\nmetric = "court.receipts_per_year"\n'
           'low = 1\nhigh = 1e6\nunit = "cases/year"\nsource = "made up"\n')


def test_calibrate_returns_the_fit_and_writes_the_calibrated_scenario(tmp_path):
    (tmp_path / "t.toml").write_text(TARGETS)
    res = divertsim.calibrate("status-quo", tmp_path / "t.toml", ["police.nfa_share=0.1:0.3"], max_evals=2,
                              overrides=SMALL, workers=1, out=tmp_path / "c")
    assert list(res.values) == ["police.nfa_share"] and 0.1 <= res.values["police.nfa_share"] <= 0.3
    assert list(res.history.columns) == ["police.nfa_share", "objective"] and len(res.history) == res.fit.evaluations
    assert list(res.table.index) == ["receipts"] and bool(res.table.loc["receipts", "within"])
    assert res.written == tmp_path / "c" / "calibrated.toml" and res.written.exists()
    assert (tmp_path / "c" / "fit.json").exists() and res.replications == 2


def test_calibrate_refuses_a_parameter_named_twice_before_writing(tmp_path):
    (tmp_path / "t.toml").write_text(TARGETS)
    with pytest.raises(ScenarioError, match="named twice"):
        divertsim.calibrate("status-quo", tmp_path / "t.toml", ["police.nfa_share", "police.nfa_share"],
                            out=tmp_path / "c")
    assert not (tmp_path / "c").exists()


# ------------------------------------------------------------------------ the package and workers
def test_sim_re_exports_the_api_and_divertsim_is_the_same():
    import sim
    from sim import api

    assert sim.run is api.run and sim.sweep is api.sweep and sim.Backend is api.Backend
    assert set(divertsim.__all__) == {*api.__all__, "__version__"}
    assert all(getattr(divertsim, name) is getattr(sim, name) for name in api.__all__)
    with pytest.raises(AttributeError, match="no attribute 'runn'"):
        sim.runn  # noqa: B018


def test_import_sim_leaves_the_api_and_pandas_unimported():
    code = ("import sys, sim; assert 'sim.api' not in sys.modules and 'pandas' not in sys.modules, 'imported'; "
            "sim.run; assert 'sim.api' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_start_method_is_the_callers_or_one_a_script_can_use(monkeypatch):
    from sim import api
    from sim.experiments.executors import ProcessExecutor, SerialExecutor

    with api._executor(api.Backend(workers=2, start_method="spawn")) as ex:
        assert isinstance(ex, ProcessExecutor) and ex.start_method == "spawn"
    monkeypatch.setattr(api, "_start_method", lambda: None)  # a script on a platform that cannot fork
    with pytest.warns(RuntimeWarning, match="run in this process"), api._executor(2) as ex:
        assert isinstance(ex, SerialExecutor)


def test_ctrl_c_names_the_folder_that_holds_the_finished_work(tmp_path, monkeypatch):
    from sim import api
    from sim.experiments import runfolder

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runfolder, "run_fixed", interrupted)
    with pytest.raises(api.Interrupted) as err:
        divertsim.run("status-quo", reps=2, years=1, overrides=SMALL, workers=1, out=tmp_path / "r")
    assert err.value.folder == tmp_path / "r" and isinstance(err.value, KeyboardInterrupt)
