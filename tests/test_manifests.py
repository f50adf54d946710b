"""The typed records of a results folder: every manifest, comparison.json and a store's meta table
round-trip through their models and keep the keys the files have always held; a record missing a
key or holding a wrong type is refused in one line; ``report`` takes a folder's kind from its
manifest; runs and sweeps are set up (and refused) by the same code."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from small import small_args, small_set

from sim.cli import main
from sim.reports.report import build
from sim.results import manifests
from sim.results.manifests import (
    CheckManifest,
    ComparedManifest,
    ComparisonManifest,
    ComparisonRecord,
    FitManifest,
    ManifestError,
    RobustnessManifest,
    RunManifest,
    StoreMeta,
    SweepManifest,
)
from sim.results.store import STORE_NAME, Store

SMALL = small_args()
TARGETS = (
    'name = "t"\nyears = 1\nreplications = 2\n[targets.receipts]\nmetric = "court.receipts_per_year"\n'
    'low = 1\nhigh = 2\nunit = "cases/year"\nsource = "made up for the test"\n'
)
IDENTITY = {"scenario_hash": "0123456789abcdef", "seed": 7, "work": {"replications": 2, "years": 1.0}}
#: the keys each writer put in its manifest before the models, in order
RUN_KEYS = ["notice", "status", "kind", "scenario_hash", "seed", "work", "scenario_name", "replications", "runtime_s",
            "command", "versions", "platform", "cpu_seconds_in_replications", "warnings", "warmup", "scenario"]
SWEEP_KEYS = ["notice", "status", "kind", "scenario_hash", "seed", "work", "scenario_name", "replications",
              "runtime_s", "command", "versions", "platform", "sweep", "sweep_file", "base_file", "points", "tasks",
              "failed_tasks", "summary", "scenario", "against", "against_file"]
COMPARISON_KEYS = ["notice", "status", "kind", "scenario_hash", "seed", "work", "scenarios", "replications",
                   "command", "versions"]
COMPARISON_JSON_KEYS = ["notice", "base", "scenarios", "replications", "paired_differences", "metrics",
                        "sitting_days_freed", "net_widening", "net_widening_note", "costs_by_year", "how_fast", "warnings"]


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """A finished run, comparison, sweep and calibration check."""
    ws = tmp_path_factory.mktemp("manifests")
    assert main(["run", "status-quo", *SMALL, "--reps", "2", "--workers", "1", "--out", str(ws / "run")]) == 0
    assert main(["compare", "status-quo", "justice-2019", *SMALL, "--reps", "2", "--workers", "1",
                 "--out", str(ws / "compare")]) == 0
    (ws / "s.toml").write_text(f'base = "status-quo"\nreps = 1\n{small_set()}[factors]\n'
                               '"scheme.completion_rate" = [0.6, 0.9]\n')
    assert main(["sweep", str(ws / "s.toml"), "--workers", "1", "--out", str(ws / "sweep")]) == 0
    (ws / "t.toml").write_text(TARGETS)
    main(["calibrate-check", "status-quo", str(ws / "t.toml"), *SMALL[2:], "--reps", "2", "--workers", "1",
          "--out", str(ws / "check")])  # exits 1: the made-up target is missed
    return ws


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith("-shm")}


def test_every_folder_reads_back_as_the_model_of_its_kind(ws):
    expected = {"run": RunManifest, "compare": ComparisonManifest, "compare/status-quo": ComparedManifest,
                "compare/justice-2019": ComparedManifest, "sweep": SweepManifest, "check": CheckManifest}
    for name, model in expected.items():
        manifest = manifests.read(ws / name)
        assert type(manifest) is model, name
        assert manifest.status == "complete"
        on_disk = json.loads((ws / name / "manifest.json").read_text())
        assert manifest.as_json() == on_disk, f"{name}: the model does not write back what it read"


def test_the_files_keep_the_keys_they_always_held(ws):
    assert list(json.loads((ws / "run" / "manifest.json").read_text())) == RUN_KEYS
    assert list(json.loads((ws / "compare" / "status-quo" / "manifest.json").read_text())) == RUN_KEYS
    assert list(json.loads((ws / "compare" / "manifest.json").read_text())) == COMPARISON_KEYS
    assert list(json.loads((ws / "sweep" / "manifest.json").read_text())) == SWEEP_KEYS
    comparison = json.loads((ws / "compare" / "comparison.json").read_text())
    assert list(comparison) == COMPARISON_JSON_KEYS
    assert "diff" not in comparison["metrics"]["court.disposals"]["status-quo"]  # the base has no difference
    assert manifests.read_comparison(ws / "compare").as_json() == comparison


@pytest.mark.parametrize("record", [
    RunManifest(status="running", **IDENTITY, scenario_name="a", scenario={"name": "a"}),
    RunManifest(status="complete", **IDENTITY, scenario_name="a", replications=2, runtime_s=1.5,
                cpu_seconds_in_replications=1.0, warnings=["w"], warmup={"series": []},
                stopping={"reason": "precise"}, scenario={"name": "a"}),
    ComparedManifest(status="running", **IDENTITY, scenario_name="a", scenario={"name": "a"}),
    ComparisonManifest(status="complete", **IDENTITY, scenarios=["a", "b"], replications=2),
    SweepManifest(status="running", **IDENTITY, scenario_name="a", sweep={"name": "s"}, sweep_file="s.toml",
                  base_file="a.toml", points=2, tasks=4, failed_tasks=0, scenario={}),
    SweepManifest.model_validate({"status": "complete", **IDENTITY, "scenario_name": None, "sweep": {},
                                  "sweep_file": "s", "base_file": "b", "points": 1, "tasks": 1, "failed_tasks": 1,
                                  "summary": {"tasks": 1, "done": 0, "failed": 1, "retried_failures": 0,
                                              "failures": [{"point": 0, "replication": 0, "error": "boom"}]},
                                  "scenario": {}}),
    RobustnessManifest.model_validate({"status": "running", "kind": "robustness", **IDENTITY, "scenarios": ["a", "b"],
                                       "scenario_hashes": {"a": "1", "b": "2"},
                                       "points": [{"label": "base", "scenario_hashes": {"a": "1", "b": "2"}}],
                                       "replications": 2, "effective_scenarios": {"a": {}, "b": {}}}),
    CheckManifest(**IDENTITY, scenario_name="a", targets="t.toml", targets_name="t", replications=2),
    FitManifest(**IDENTITY, scenario_name="a", targets="t.toml", targets_name="t", replications=2),
], ids=lambda r: f"{type(r).__name__}-{r.status}")
def test_every_manifest_round_trips(record, tmp_path):
    manifests.write(tmp_path, record)
    back = manifests.read(tmp_path)
    assert type(back) is type(record) and back == record
    assert json.loads((tmp_path / "manifest.json").read_text()) == record.as_json()


def test_the_comparison_record_and_the_store_meta_round_trip(ws, tmp_path):
    record = manifests.read_comparison(ws / "compare")
    manifests.write_comparison(tmp_path, record)
    assert manifests.read_comparison(tmp_path) == record
    meta = StoreMeta(kind="sweep", hash="ab", seed=3, work={"design": "grid"}, spec={"name": "s"},
                     design={"factors": ["x"]})
    with Store(tmp_path / STORE_NAME, meta=meta) as store:
        assert store.meta() == meta
    for name in ("run", "sweep", "compare/status-quo"):
        with Store(ws / name / STORE_NAME, readonly=True) as store:
            held = store.meta()
        assert (held.kind, held.hash, held.seed, held.work) == (
            (m := manifests.read(ws / name)).kind, m.scenario_hash, m.seed, m.work)


@pytest.mark.parametrize("change, words", [
    (lambda m: m.pop("seed"), "manifest.json: damaged (no seed)"),
    (lambda m: m.update(seed="7"), "manifest.json: damaged (seed '7'): input should be a valid integer"),
    (lambda m: m.update(status="done"), "manifest.json: damaged (status 'done')"),
    (lambda m: m.update(warnings="none"), "manifest.json: damaged (warnings 'none')"),
    (lambda m: m.update(scenario=[1]), "manifest.json: damaged (scenario [1])"),
    (lambda m: m.update(surprise=1), "manifest.json: damaged (surprise 1): extra inputs are not permitted"),
    (lambda m: m.update(kind="banana"), "records no kind of folder divertsim knows (kind 'banana')"),
    (lambda m: m.pop("kind"), "records no kind of folder divertsim knows (kind None)"),
])
def test_a_manifest_missing_a_key_or_of_a_wrong_type_is_refused_in_one_line(change, words, ws, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(ws / "run", folder)
    data = json.loads((folder / "manifest.json").read_text())
    change(data)
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="^.*$") as exc:
        manifests.read(folder)
    assert words in str(exc.value) and "\n" not in str(exc.value)
    before = files(folder)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
    assert files(folder) == before


def test_a_comparison_record_of_a_wrong_type_is_refused_in_one_line(ws, tmp_path, capsys):
    folder = tmp_path / "compare"
    shutil.copytree(ws / "compare", folder)
    data = json.loads((folder / "comparison.json").read_text())
    data["metrics"]["court.disposals"]["justice-2019"]["diff"]["n"] = "many"
    (folder / "comparison.json").write_text(json.dumps(data))
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "comparison.json: damaged (metrics.court.disposals.justice-2019.diff.n" in err


@pytest.mark.parametrize("other", ["comparison.json", *(pytest.param(name, marks=pytest.mark.slow) for name in (
    "checks.json", "fit.json", "points.csv", "robustness.json"))])
def test_report_takes_the_kind_from_the_manifest_not_from_the_files_beside_it(other, ws, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(ws / "run", folder)
    shutil.copy(ws / "compare" / "comparison.json", folder / other)
    rep = build(folder)
    assert rep.kind == "run" and rep.title.startswith("status-quo with arrivals.per_month=") and rep.title.endswith(": 2 replications")


@pytest.mark.slow
def test_a_scenario_of_a_comparison_is_reported_as_its_run(ws):
    rep = build(ws / "compare" / "justice-2019")
    assert rep.kind == "run" and rep.title.startswith("justice-2019 with ") and rep.title.endswith(": 2 replications")
    assert build(ws / "compare").kind == "comparison" and build(ws / "check").kind == "calibration"


def test_runs_and_sweeps_refuse_the_same_bad_resume_the_same_way(ws, tmp_path, capsys):
    """Both are set up by one function: a damaged manifest, and a folder of a kind that cannot be
    resumed, are refused in the same line, before a byte changes."""
    run = ["run", "status-quo", *SMALL, "--reps", "2", "--workers", "1", "--resume", "--out"]
    sweep = ["sweep", str(ws / "s.toml"), "--workers", "1", "--resume", "--out"]
    for name, command in (("run", run), ("sweep", sweep)):
        folder = tmp_path / name
        shutil.copytree(ws / name, folder)
        data = json.loads((folder / "manifest.json").read_text())
        del data["seed"]
        (folder / "manifest.json").write_text(json.dumps(data))
        before = files(folder)
        assert main([*command, str(folder)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "manifest.json: damaged (no seed)" in err, err
        assert files(folder) == before
    check = tmp_path / "check"
    shutil.copytree(ws / "check", check)
    before = files(check)
    for command, kind in ((run, "a run"), (sweep, "a sweep")):
        assert main([*command, str(check)]) == 2
        err = capsys.readouterr().err
        assert f"holds a calibration check, not {kind}; it cannot be resumed: choose another --out" in err, err
    assert files(check) == before
