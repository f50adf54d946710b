"""No target may only echo an input: the check finds one that does, and no shipped target does."""

from pathlib import Path

import pytest

from helpers import scenario
from sim.experiments.echo import Elasticity, _rebalance, echoes, elasticities
from sim.experiments.executors import make_executor
from sim.inputs.loading import load_scenario
from sim.experiments.targets import Targets, load_targets

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "scenarios" / "targets"

#: figures the model would only echo: the Crown's sitting days are an input; arrests are two inputs' product
CONTROLS = {
    "sitting_days": {"metric": "court.crown.list.sitting_days_available", "low": 1, "high": 2, "unit": "days",
                     "source": "an input"},
    "arrests": {"metric": "police.arrests_per_month", "low": 1, "high": 2, "unit": "arrests", "source": "inputs"},
}


def _e(target, **values):
    return [Elasticity(target, k.replace("__", "."), v) for k, v in values.items()]


def test_the_rule_flags_one_for_one_inputs_and_nothing_else():
    found = (_e("echo", a=1.02, b=0.03, c=-0.05) + _e("product", a=0.98, b=-1.01, c=0.02)
             + _e("model", a=1.0, b=0.6) + _e("flat", a=0.1, b=0.05) + _e("inverse", a=-0.97, b=0.01))
    assert echoes(found) == {"echo": ["a"], "product": ["a", "b"], "inverse": ["a"]}


def test_shares_that_sum_to_one_move_together():
    data = {"s": {"custody_share": 0.3, "suspended_share": 0.5, "community_share": 0.3, "programme_share": 0.5}}
    assert _rebalance(data, "s.custody_share", 0.1)  # custody_share was 0.2 and has been set to 0.3
    s = data["s"]
    assert s["suspended_share"] == pytest.approx(0.5 - 0.1 * 0.5 / 0.8) and s["programme_share"] == 0.5
    assert not _rebalance({"s": {"rate": 0.3, "other": 0.2}}, "s.rate", 0.1)


@pytest.mark.slow
@pytest.mark.parametrize("name, targets", [("status-quo", "2018.toml"), ("history-2016-2019", "history-2016-2019.toml")])
def test_no_shipped_target_echoes_a_single_input(name, targets):
    """Every numeric input is stepped by 10% under common random numbers; the control targets,
    which do echo inputs, must be found, so the check can fail."""
    shipped = load_targets(TARGETS / targets)
    years = load_scenario(name).run.years
    sc = scenario(name, factor=0.2, years=years)
    extra = Targets.model_validate({"name": "controls", "targets": CONTROLS}).targets
    tg = shipped.model_copy(update={"targets": {**shipped.targets, **extra}})
    found = echoes(elasticities(sc, tg, 3, make_executor("processes", 2)), tolerance=0.2)
    if name == "status-quo":  # the replay takes its sitting days and detections from [history] instead
        assert found.get("sitting_days") == ["court.crown.sitting_days_per_month"], found
        assert set(found.get("arrests", [])) == {"arrivals.per_month", "arrivals.arrested_share"}, found
    else:
        assert found.get("arrests") == ["arrivals.arrested_share"], found
    assert not set(found) & set(shipped.targets), {k: found[k] for k in set(found) & set(shipped.targets)}
