"""Scenario files: shipped ones are valid and sourced; every class of bad input is one clear error."""

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.inputs.explain import parameters
from sim.inputs.loading import list_shipped, load_scenario, parse_override, scenario_hash
from sim.inputs.scenario import Scenario

SHIPPED = [p.stem for p in list_shipped()]


def test_all_five_routes_ship():
    assert {"status-quo", "justice-2019", "npcc-conditional-caution", "ccpas-self-referral",
            "prosecution-capacity"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_validate_and_every_set_value_has_a_source(name):
    sc = load_scenario(name)
    unsourced = [p.key for p in parameters(sc) if p.set_by == "scenario" and p.source.startswith("set by scenario")
                 and p.key not in ("name", "description")]
    assert unsourced == [], f"{name}: values set without a source: {unsourced}"
    assert all(p.source for p in parameters(sc)), "every parameter needs a source"


def test_defaults_all_carry_a_source_and_unit():
    for p in parameters(Scenario()):
        assert p.source, p.key
        assert p.unit, p.key


def test_scheme_keys_carry_the_issue_names():
    sc = load_scenario("justice-2019")
    assert (sc.scheme.sessions, sc.scheme.session_minutes, sc.scheme.course_months, sc.scheme.follow_up_months) == (5, 90, 4, 8)
    assert sc.arrivals.per_month > 0


def test_extends_merges_and_overrides(tmp_path: Path):
    (tmp_path / "base.toml").write_text('name = "b"\n[arrivals]\nper_month = 100\n[police]\nnfa_share = 0.3\n')
    (tmp_path / "child.toml").write_text('extends = "base.toml"\n[arrivals]\nper_month = 50\n')
    sc = load_scenario(str(tmp_path / "child.toml"))
    assert sc.arrivals.per_month == 50 and sc.police.nfa_share == 0.3


def write(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, key, words", [
    ("[arrivals]\nper_month = -5\n", "arrivals.per_month", "greater than or equal to 0"),
    ("[arrivals]\nper_monthh = 5\n", "arrivals.per_monthh", "unknown key"),
    ("[nonsense]\nx = 1\n", "nonsense", "unknown key"),
    ("[police]\nnfa_share = 1.5\n", "police.nfa_share", "less than or equal to 1"),
    ("[police]\nnfa_share = \"half\"\n", "police.nfa_share", "valid number"),
    ("[police]\nnfa_share = nan\n", "police.nfa_share", "finite"),
    ("[forensics]\nexaminers = inf\n", "forensics.examiners", "finite"),
    ("[forensics]\nexaminers = -1\n", "forensics.examiners", "greater than or equal to 0"),
    ("[sentence]\ncustody_share = 0.5\n", "sentence", "sum to 1"),
    ("[arrivals.population]\ncategory_a = 0.5\n", "arrivals.population", "sum to 1"),
    ("[scheme]\nsessions = 40\ncourse_months = 1\n", "scheme", "timetable cannot fit"),
    ("[scheme]\ncompletion_rate = 0.999\n[reoffending]\nprobability = 0.5\n", None, "cannot exceed"),
    ("[police]\ninvestigation_delay_days = { dist = \"triangular\", min = 5, mode = 1, max = 9 }\n", "police.investigation_delay_days", "min <= mode <= max"),
    ("[decision.rules.x]\nroute = \"deferred_prosecution\"\npoint = \"interview\"\ntake_up = 0.5\n", "decision", "admission"),
    ("[decision.rules.x]\nroute = \"teleport\"\ntake_up = 0.5\n", "decision.rules.x.route", "Input should be"),
    ("[decision.rules.x]\nroute = \"simple_caution\"\ntake_up = 0.5\nwhen = { shoe_size = true }\n", "decision.rules.x", "unknown flag"),
    ("[court.crown]\nschedule = [{ from_month = 3, value = 10 }, { from_month = 3, value = 20 }]\n", "court.crown", "two steps"),
    ("[run]\nreplications = 0\n", "run.replications", "greater than or equal to 1"),
    ("[reoffending]\nmultipliers = { jail = 2.0 }\n", "reoffending", "unknown route"),
    ("[sources]\n\"court.crown.sitting_days\" = \"x\"\n", "sources.court.crown.sitting_days", "names no parameter"),
])
def test_bad_values_name_file_key_and_problem(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(path)
    assert err.value.key == key, message
    assert words in message


@pytest.mark.parametrize("content, words", [
    (b"", "empty file"),
    (b"[arrivals\nper_month = 3\n", "invalid TOML"),
    (b"\x00\x01\x02binary", "binary file"),
    ("[arrivals]\nper_month = 3 # caf\u00e9\n".encode("latin-1"), "not UTF-8"),
])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "s.toml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(path))
    assert words in str(err.value) and "\n" not in str(err.value)


def test_huge_file_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("# " + "x" * 1_100_000 + "\n")
    with pytest.raises(ScenarioError, match="at most"):
        load_scenario(str(path))


def test_extends_cycle_and_missing_target(tmp_path):
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError, match="cycle: a.toml -> b.toml -> a.toml"):
        load_scenario(str(tmp_path / "a.toml"))
    path = write(tmp_path, 'extends = "missing.toml"\n', "c.toml")
    with pytest.raises(ScenarioError, match="not a file"):
        load_scenario(path)
    path = write(tmp_path, 'extends = 3\n', "d.toml")
    with pytest.raises(ScenarioError, match="path of another scenario"):
        load_scenario(path)


def test_unknown_scenario_name():
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("no-such-scenario")


def test_overrides():
    sc = load_scenario("status-quo", ["court.crown.sitting_days_per_month=350", "run.years=2"])
    assert sc.court.crown.sitting_days_per_month == 350 and sc.run.years == 2
    assert parse_override("a.b=\"x\"") == ("a.b", "x")
    assert parse_override("a.b=text") == ("a.b", "text")
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        load_scenario("status-quo", ["court.crown.sitting_days_per_month"])
    with pytest.raises(ScenarioError, match="unknown parameter"):
        load_scenario("status-quo", ["court.crown.sitting_dayz=3"])
    with pytest.raises(ScenarioError) as err:
        load_scenario("status-quo", ["court.crown.sitting_days_per_month=-3"])
    assert err.value.key == "court.crown.sitting_days_per_month"
    sc = load_scenario("justice-2019", ["decision.rules.deferred_prosecution.take_up=0.5", "police.investigation_delay_days=3"])
    assert sc.decision.rules["deferred_prosecution"].take_up == 0.5
    assert sc.police.investigation_delay_days.mean == 3


def test_hash_changes_with_parameters_only():
    a = load_scenario("status-quo")
    b = load_scenario("status-quo", ["description=\"other words\""])
    c = load_scenario("status-quo", ["court.crown.sitting_days_per_month=301"])
    assert scenario_hash(a) == scenario_hash(b) != scenario_hash(c)


def test_scenario_json_round_trip():
    sc = load_scenario("justice-2019")
    assert Scenario.model_validate_json(sc.model_dump_json()) == sc


@pytest.mark.parametrize("sets, key, words", [
    (["run.start_date=9999-06-01"], "run", "outside"),
    (["arrivals.annual_growth=10"], "arrivals.annual_growth", "less than or equal"),
    (["run.years=100", "arrivals.per_month=30000"], None, "more than the"),
    (["scheme.group_start_interval_days=0.0001"], "scheme.group_start_interval_days", "greater than or equal to 1"),
    (["self_referral.treatment_places=1.5"], "self_referral.treatment_places", "integer"),
    (["initial.forensics.cases=50000000"], "initial.forensics.cases", "less than or equal"),
])
def test_runs_that_cannot_be_held_are_refused(sets, key, words):
    with pytest.raises(ScenarioError) as err:
        load_scenario("status-quo", sets)
    assert err.value.key == key and words in str(err.value)
