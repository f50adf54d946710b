"""A policy that starts after the run does, and one that builds up: the diversion rules decide no
case interviewed before the start, a rising share during the phase-in, and every case after it;
left at their defaults the settings change no random number and no record."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import scenario

from sim.engine.model import Model
from sim.results.metrics import compute


def run(**over):
    sc = scenario("justice-2019", 0.15, 3.0, **over)
    m = Model(sc, 3)
    m.run()
    return m, compute(m)


@pytest.fixture(scope="module")
def immediate():
    return run()


def test_no_referral_before_the_start_and_the_status_quo_rules_meanwhile(immediate):
    m, late = run(decision__policy_start_month=18)
    _, now = immediate
    referred = late.monthly["scheme_referred"]
    assert referred[:18].sum() == 0 and referred[20:].sum() > 0
    assert now.monthly["scheme_referred"][:18].sum() > 0
    # before the start the JUSTICE cases meet the other rules: more simple cautions than with the scheme on
    assert late.monthly["cautions_simple"][:18].sum() > now.monthly["cautions_simple"][:18].sum()
    assert late.headline["court.receipts"] > now.headline["court.receipts"]


def test_after_the_start_every_case_meets_the_policy_as_if_it_had_always_been_on(immediate):
    """On common random numbers a case interviewed after the start takes the route it takes under the
    immediate policy: referrals in the last year agree closely (queues still differ a little)."""
    _, late = run(decision__policy_start_month=6)
    _, now = immediate
    a, b = late.monthly["scheme_referred"][-12:].sum(), now.monthly["scheme_referred"][-12:].sum()
    assert abs(a - b) <= 0.05 * b


def test_a_phase_in_refers_a_rising_share():
    _, ramp = run(decision__policy_start_month=6, decision__phase_in_months=18)
    r = ramp.monthly["scheme_referred"]
    first, second, after = r[6:15].sum(), r[15:24].sum(), r[24:33].sum()
    assert 0 < first < second < after
    assert r[:6].sum() == 0


def test_the_defaults_change_nothing(immediate):
    m0, _ = immediate
    m1, _ = run(decision__policy_start_month=0, decision__phase_in_months=0)
    for key in ("scheme_group_t", "court_disposal_t", "arrival_t"):
        assert np.array_equal(getattr(m0.rec, key), getattr(m1.rec, key)), key
    assert "decision.phase_in" not in m0.streams.names()


def test_a_comparison_counts_how_fast_from_the_policy_s_start(tmp_path):
    from sim import api

    cmp = api.compare("status-quo", "justice-2019", reps=2, years=2, workers=1, out=tmp_path / "c",
                      overrides={"arrivals.per_month": 120, "forensics.examiners": 12,
                                 "decision.policy_start_month": 9})
    speed = cmp.data["how_fast"]["justice-2019"]
    assert speed["policy_start_month"] == 9  # the times count from it (by hand: tests/test_how_fast.py)
    referred = [r.monthly["scheme_referred"][:9].sum() for r in cmp.runs["justice-2019"].results]
    assert referred == [0.0, 0.0]
