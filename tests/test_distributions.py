import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from sim.inputs.distributions import DistSpec, coerce_number

spec = TypeAdapter(DistSpec)


@pytest.mark.parametrize("data, mean", [
    ({"dist": "fixed", "value": 3.5}, 3.5),
    ({"dist": "exponential", "mean": 2.0}, 2.0),
    ({"dist": "uniform", "min": 1, "max": 5}, 3.0),
    ({"dist": "triangular", "min": 7, "mode": 10, "max": 21}, 38 / 3),
    ({"dist": "lognormal", "mean": 4.0, "sd": 2.0}, 4.0),
    ({"dist": "gamma", "mean": 3.0, "sd": 1.5}, 3.0),
])
def test_sample_mean_matches_declared_mean(data, mean):
    d = spec.validate_python(data)
    assert d.mean == pytest.approx(mean)
    x = d.sample(np.random.default_rng(0), 200_000)
    assert x.min() >= 0
    assert x.mean() == pytest.approx(mean, rel=0.02)


def test_bounds_respected():
    d = spec.validate_python({"dist": "triangular", "min": 2, "mode": 3, "max": 4})
    x = d.sample(np.random.default_rng(1), 10_000)
    assert x.min() >= 2 and x.max() <= 4


def test_degenerate_triangular_is_fixed():
    d = spec.validate_python({"dist": "triangular", "min": 2, "mode": 2, "max": 2})
    assert (d.sample(np.random.default_rng(1), 5) == 2).all()


@pytest.mark.parametrize("data", [
    {"dist": "fixed", "value": -1},
    {"dist": "uniform", "min": 5, "max": 1},
    {"dist": "triangular", "min": 1, "mode": 5, "max": 4},
    {"dist": "exponential", "mean": 0},
    {"dist": "gamma", "mean": 3},
    {"dist": "nope", "value": 1},
    {"dist": "fixed", "value": 1, "extra": 2},
    {"dist": "fixed", "value": float("nan")},
])
def test_invalid_specs_refused(data):
    with pytest.raises(ValidationError):
        spec.validate_python(data)


def test_bare_number_is_fixed():
    assert coerce_number(3) == {"dist": "fixed", "value": 3}
    assert coerce_number({"dist": "fixed", "value": 3}) == {"dist": "fixed", "value": 3}
    assert coerce_number(True) is True
