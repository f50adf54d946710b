"""Property: however deep, long or large a value is, in a scenario, sweep or targets file or in
``--set``, the loaders return or raise the project's own error, one short line; never a
RecursionError, never the interpreter's limit on long numbers, never the value shown back whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sim.errors import ScenarioError
from sim.inputs.loading import load_scenario, parse_override
from sim.experiments.sweepfile import load_sweep
from sim.experiments.targets import load_targets

BASE = Path(__file__).resolve().parent / "data" / "bad" / "support" / "sweep_base.toml"


@st.composite
def hostile(draw) -> str:
    """One TOML value: nested arrays or inline tables of any depth, a whole number of any length
    in any base, a long string, or a mixture."""
    kind = draw(st.sampled_from(["arrays", "tables", "mixed", "digits", "hex", "octal", "binary", "string", "float"]))
    depth = draw(st.integers(1, 3000))
    size = draw(st.integers(1, 20_000))
    if kind == "arrays":
        return "[" * depth + "1" + "]" * depth
    if kind == "tables":
        return "{a = " * depth + "1" + "}" * depth
    if kind == "mixed":
        opens = draw(st.lists(st.sampled_from(["[", "{a = "]), min_size=depth, max_size=depth))
        return "".join(opens) + "1" + "".join("]" if o == "[" else "}" for o in reversed(opens))
    if kind == "digits":
        return draw(st.sampled_from(["", "-", "+"])) + "9" * size
    if kind == "float":
        return "1" + "0" * size + ".5"
    if kind == "string":
        return '"' + "s" * size + '"'
    prefix, digit = {"hex": ("0x", "f"), "octal": ("0o", "7"), "binary": ("0b", "1")}[kind]
    return prefix + digit * size


def dotted(depth: int) -> str:
    return ".".join(["k"] * depth)


def clean(exc: ScenarioError, label: str) -> None:
    text = str(exc)
    assert "\n" not in text and len(text) < 1500 and label in text, text[:300]


def check(load, path: Path, text: str) -> None:
    path.write_text(text)
    try:
        load(path)
    except ScenarioError as exc:
        clean(exc, str(path))


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(value=hostile(), section=st.sampled_from(["arrivals", "police", "run", "scheme"]),
       key=st.sampled_from(["per_month", "nfa_share", "seed", "sessions", "bogus"]))
def test_scenario_values_of_any_depth_and_size(tmp_path, value, section, key):
    check(lambda p: load_scenario(str(p)), tmp_path / "s.toml", f"[{section}]\n{key} = {value}\n")


@SETTINGS
@given(depth=st.integers(1, 1500), header=st.booleans())
def test_scenario_dotted_keys_and_headers_of_any_depth(tmp_path, depth, header):
    text = f"[{dotted(depth)}]\nx = 1\n" if header else f"{dotted(depth)} = 1\n"
    check(lambda p: load_scenario(str(p)), tmp_path / "s.toml", text)


@SETTINGS
@given(value=hostile(), where=st.sampled_from(["reps", "seed", "factor", "set", "dotted"]), depth=st.integers(1, 1500))
def test_sweep_values_of_any_depth_and_size(tmp_path, value, where, depth):
    (tmp_path / "base.toml").write_text(BASE.read_text())
    head = 'base = "base.toml"\n'
    factor = '[factors]\n"scheme.completion_rate" = [0.6, 0.9]\n'
    text = {"reps": f"reps = {value}\n{head}{factor}", "seed": f"seed = {value}\n{head}{factor}",
            "factor": f'{head}[factors]\n"scheme.completion_rate" = {value}\n',
            "set": f'{head}[set]\n"arrivals.per_month" = {value}\n{factor}',
            "dotted": f"{head}{dotted(depth)} = 1\n{factor}"}[where]
    check(load_sweep, tmp_path / "w.toml", text)


@SETTINGS
@given(value=hostile(), key=st.sampled_from(["low", "high", "value", "metric", "source"]))
def test_targets_values_of_any_depth_and_size(tmp_path, value, key):
    fields = {"metric": '"court.receipts_per_year"', "low": "1", "high": "2", "unit": '"u"', "source": '"s"', key: value}
    text = 'name = "t"\n[targets.x]\n' + "".join(f"{k} = {v}\n" for k, v in fields.items())
    check(load_targets, tmp_path / "t.toml", text)


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(value=hostile(), key=st.sampled_from(["arrivals.per_month", "police.nfa_share", "run.seed", "name"]))
def test_set_values_of_any_depth_and_size(value, key):
    try:
        parsed = parse_override(f"{key}={value}")
        load_scenario("status-quo", [f"{key}={value}"])
    except ScenarioError as exc:
        clean(exc, "--set")
    else:
        assert parsed[0] == key
