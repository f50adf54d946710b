"""Property: whatever TOML a user writes, the loader returns a valid scenario or raises the
project's own error, one line long; never anything else."""

import json
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import run
from sim.errors import ScenarioError
from sim.inputs.loading import load_scenario
from sim.inputs.scenario import Scenario
from test_model import check_consistency

SECTIONS = list(Scenario.model_fields)
KNOWN = sorted({k for s in Scenario.model_fields.values() if hasattr(s.annotation, "model_fields")
                for k in s.annotation.model_fields} | set(SECTIONS) |
               {"dist", "min", "max", "mode", "mean", "sd", "value", "route", "take_up", "when", "point", "cases",
                "max_age_days", "sitting_days_per_month", "crown", "magistrates", "charging", "population",
                "from_month", "admits", "category", "first_time", "extends"})

keys = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=12))
scalars = st.one_of(
    st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=20), st.sampled_from(["poisson", "deterministic", "triangular", "gamma", "fixed", "interview",
                                           "after_forensics", "deferred_prosecution", "fifo", "A", "C"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)), max_leaves=12)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v if x is not None) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items() if x is not None) + "}"


documents = st.dictionaries(st.sampled_from(SECTIONS + ["extends", "bogus"]), values, max_size=5)


def load(tmp: Path, text: bytes) -> None:
    path = tmp / "fuzz.toml"
    path.write_bytes(text)
    try:
        sc = load_scenario(str(path))
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert isinstance(sc, Scenario)


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=documents)
def test_generated_documents_load_or_fail_cleanly(tmp_path, doc):
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items())
    load(tmp_path, text.encode("utf-8"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8"))))
def test_arbitrary_bytes_load_or_fail_cleanly(tmp_path, raw):
    load(tmp_path, raw)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(section=st.sampled_from(["police", "forensics", "scheme", "court", "sentence", "arrivals", "run", "initial"]),
       key=keys, value=values)
def test_one_bad_key_in_a_real_section(tmp_path, section, key, value):
    shutil.copy(Path(__file__).resolve().parent.parent / "scenarios" / "status-quo.toml", tmp_path / "status-quo.toml")
    text = f'extends = "status-quo.toml"\n[{section}]\n{json.dumps(key)} = {toml_value(value)}\n'
    load(tmp_path, text.encode("utf-8"))


def _leaves(d, prefix=()):
    for k, v in d.items():
        if isinstance(v, dict) and v:
            yield from _leaves(v, (*prefix, k))
        else:
            yield (*prefix, k)


BASE = load_scenario("justice-2019").model_dump(mode="json", by_alias=True)
LEAVES = list(_leaves(BASE))


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(LEAVES), value=values)
def test_one_mutated_value_of_a_real_scenario(tmp_path, path, value):
    import copy

    doc = copy.deepcopy(BASE)
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items() if v is not None)
    load(tmp_path, text.encode("utf-8"))


def _get(d, path):
    for k in path:
        d = d[k]
    return d


NUMBER_LEAVES = [p for p in LEAVES if isinstance(_get(BASE, p), (int, float)) and not isinstance(_get(BASE, p), bool)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(NUMBER_LEAVES),
       value=st.one_of(st.integers(0, 2000), st.floats(0, 1), st.floats(0, 100), st.floats(1e-12, 1e-3),
                       st.sampled_from([0, 0.0, 1, 1.0, 1e5, 999_999.0])))
@pytest.mark.slow
def test_every_valid_scenario_runs(tmp_path, path, value):
    """A scenario the loader accepts runs to the end with every case accounted for."""
    import copy

    doc = copy.deepcopy(BASE)
    _get(doc, path[:-1])[path[-1]] = value
    doc["run"].update({"years": 0.5, "warmup_months": 0})
    doc["arrivals"]["per_month"] = min(float(_get(doc, ("arrivals", "per_month"))), 60.0)
    for stock in doc["initial"].values():
        stock["cases"] = min(stock["cases"], 200)
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items() if v is not None)
    p = tmp_path / "valid.toml"
    p.write_text(text)
    try:
        sc = load_scenario(str(p))
    except ScenarioError:
        return
    check_consistency(run(sc))
