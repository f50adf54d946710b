"""Back-test: short runs reproduce their stored results exactly (up to float printing).

A failure means the model's numbers changed. If that was intended, check the change, then run
``python tests/golden/make_golden.py`` and commit the new files with the reason.
"""

import json
import math
from pathlib import Path

import pytest

from golden_cases import CASES
from sim.experiments.executors import simulate

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    expected = json.loads((GOLDEN / f"{name}.json").read_text())
    sc = CASES[name]()
    for rep, values in expected.items():
        got = simulate(sc, int(rep)).headline
        assert set(got) == set(values), "headline metrics changed"
        for key, want in values.items():
            if isinstance(want, float) and math.isnan(want):
                assert math.isnan(got[key]), key
            else:
                assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-9), key


def test_assumptions_document_is_up_to_date():
    from sim.inputs.assumptions import render

    doc = Path(__file__).parent.parent / "docs" / "assumptions.md"
    assert doc.read_text() == render(), "docs/assumptions.md is stale: python -m sim.inputs.assumptions > docs/assumptions.md"
