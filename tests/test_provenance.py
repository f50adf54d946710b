"""Names and provenance: shipped scenarios named anywhere, "did you mean", every problem of a file
on its one line, --set values credited to --set, overrides in titles and folder names, and `new`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim import api
from sim.cli import main
from sim.errors import ScenarioError
from sim.inputs.explain import parameters
from sim.inputs.loading import SET_SOURCE, effective_dict, load_scenario, scenario_hash

SMALL = {"arrivals.per_month": 120, "forensics.examiners": 12}


@pytest.mark.parametrize("named", ["justice-2019", "justice-2019.toml"])
def test_a_variant_in_any_folder_extends_a_shipped_scenario(tmp_path, named):
    path = tmp_path / "low.toml"
    path.write_text(f'extends = "{named}"\nname = "low"\ndecision.rules.deferred_prosecution.take_up = 0.4\n')
    sc, base = load_scenario(str(path)), load_scenario("justice-2019")
    assert sc.decision.rules["deferred_prosecution"].take_up == 0.4
    assert sc.scheme == base.scheme and sc.court == base.court


def test_a_file_beside_the_variant_wins_over_the_shipped_one_of_that_name(tmp_path):
    (tmp_path / "justice-2019.toml").write_text('extends = "status-quo"\nname = "local"\n')
    (tmp_path / "v.toml").write_text('extends = "justice-2019.toml"\nname = "v"\n')
    assert scenario_hash(load_scenario(str(tmp_path / "v.toml"))) == scenario_hash(load_scenario("status-quo"))


def test_a_missing_extends_names_the_nearest_shipped_scenario(tmp_path):
    (tmp_path / "v.toml").write_text('extends = "justice-2091"\nname = "v"\n')
    with pytest.raises(ScenarioError, match=r"extends: .*nor a shipped scenario \(did you mean justice-2019\?\)"):
        load_scenario(str(tmp_path / "v.toml"))


def test_mistyped_names_and_keys_get_did_you_mean(capsys):
    assert main(["run", "justice-2091", "--reps", "1"]) == 2
    assert "(did you mean justice-2019?)" in capsys.readouterr().err
    assert main(["run", "status-quo", "--reps", "1", "--set", "scheme.completion_rat=0.5"]) == 2
    assert "scheme.completion_rat: unknown parameter (did you mean scheme.completion_rate?)" in capsys.readouterr().err


def test_every_problem_of_a_file_is_on_its_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[scheme]\ncompletion_rat = 0.5\nfacilitators = -3\n'
                    '[court.crown]\nsitting_days_per_month = "many"\n[sources]\n"scheme.nope" = "x"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    text = str(caught.value)
    for key in ("scheme.completion_rat", "scheme.facilitators", "court.crown.sitting_days_per_month", "sources.scheme.nope"):
        assert key in text, (key, text)
    assert "did you mean scheme.completion_rate?" in text and "\n" not in text
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scheme.facilitators" in err and "court.crown.sitting_days_per_month" in err


def test_a_set_value_is_credited_to_set_and_drops_the_source_it_replaced():
    base = {p.key: p.source for p in parameters(load_scenario("justice-2019"))}
    sc = load_scenario("justice-2019", ["scheme.completion_rate=0.5", "decision.rules.deferred_prosecution.take_up=0.3"])
    got = {p.key: p.source for p in parameters(sc)}
    assert got["scheme.completion_rate"] == SET_SOURCE != base["scheme.completion_rate"]
    assert got["decision.rules.deferred_prosecution"].startswith(f"take_up: {SET_SOURCE}")
    assert scenario_hash(sc) == scenario_hash(load_scenario(
        "justice-2019", ["scheme.completion_rate=0.5", "decision.rules.deferred_prosecution.take_up=0.3"]))


def test_setting_a_whole_table_drops_the_sources_of_the_keys_inside_it(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text('extends = "justice-2019"\nname = "v"\n[sources]\n"scheme.completion_rate" = "mine"\n')
    sc = load_scenario(str(path), ['scheme={completion_rate = 0.5}'])
    assert sc.sources == {**{k: v for k, v in load_scenario("justice-2019").sources.items()
                             if not k.startswith("scheme.")}, "scheme": SET_SOURCE}


def test_overrides_name_the_default_folder_and_the_title(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    res = api.run("status-quo", reps=1, years=1, overrides={**SMALL, "scheme.completion_rate": 0.5}, workers=1)
    assert res.folder.name.startswith("status-quo+arrivals.per_month=120+forensics.examiners=12+scheme.completion")
    assert res.overrides == ["arrivals.per_month=120", "forensics.examiners=12", "scheme.completion_rate=0.5"]
    long = api.run("status-quo", reps=1, years=1, overrides={**SMALL, "description": "x" * 300}, workers=1)
    assert len(long.folder.name) < 130 and "~" in long.folder.name  # cut, with a digest of the whole
    assert main(["run", "status-quo", "--reps", "1", "--years", "1", "--set", "arrivals.per_month=120",
                 "--set", "forensics.examiners=12", "--out", str(tmp_path / "t")]) == 0
    assert capsys.readouterr().out.startswith("status-quo with arrivals.per_month=120, forensics.examiners=12:")


def test_new_writes_a_variant_that_is_its_source_until_edited(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "low", "--from", "justice-2019"]) == 0
    path = tmp_path / "scenarios" / "low.toml"
    text = path.read_text()
    assert "Illustrative" in text and tomllib.loads(text)["extends"] == "justice-2019.toml"
    variant, source = load_scenario("low"), load_scenario("justice-2019")  # found by name under scenarios/
    assert variant.name == "low" and scenario_hash(variant) == scenario_hash(source)
    edited = text.replace("# scheme.completion_rate = ", "scheme.completion_rate = 0.5  # was ")
    assert edited != text
    path.write_text(edited)
    assert load_scenario("low").scheme.completion_rate == 0.5
    assert main(["new", "low"]) == 2 and "already exists" in capsys.readouterr().err
    assert path.read_text() == edited  # nothing changed


def test_new_from_a_file_elsewhere_copies_it_whole(tmp_path, monkeypatch):
    elsewhere = tmp_path / "a"
    elsewhere.mkdir()
    (elsewhere / "mine.toml").write_text('extends = "justice-2019"\nname = "mine"\nscheme.completion_rate = 0.7\n')
    monkeypatch.chdir(tmp_path)
    assert main(["new", "copy", "--from", str(elsewhere / "mine.toml"), "--out", str(tmp_path / "copy.toml")]) == 0
    data = tomllib.loads((tmp_path / "copy.toml").read_text())
    assert "extends" not in data and data["name"] == "copy"
    copied = effective_dict(load_scenario(str(tmp_path / "copy.toml")))
    original = effective_dict(load_scenario(str(elsewhere / "mine.toml")))
    assert {k: v for k, v in copied.items() if k not in ("name", "description")} == \
        {k: v for k, v in original.items() if k not in ("name", "description")}


def test_new_refuses_a_name_that_is_a_path_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "../escape"]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not any(tmp_path.parent.glob("escape*"))
    assert not (tmp_path / "scenarios").exists()
