"""How the stages are put together: wired to each other explicitly, each declaring what its cases carry."""

import ast
from pathlib import Path

import numpy as np
import pytest

from sim.engine.calendar import Calendar
from sim.engine.case import BLOCK, CaseFactory, Layout
from sim.engine.context import Context
from sim.engine.record import Record
from sim.engine.routes.court import CourtRoute
from sim.engine.streams import Streams
from sim.inputs.distributions import Gamma
from sim.inputs.loading import load_scenario

ENGINE = Path(__file__).resolve().parent.parent / "sim" / "engine"
REPORTED = 1 << 50  # bits the engine leaves free
BAND = (51, 0x3)


class Probation:
    """A stage the engine does not have: a report with its own duration, a yes/no decision and a
    vectorised decision of its own. It is written against the layout alone."""

    def __init__(self, layout: Layout, days: Gamma) -> None:
        self.c_days = layout.sample("probation.report_days", days)
        layout.yes_no("probation.reported", REPORTED, 0.3)
        layout.decide(self.decide, "probation.band")

    def decide(self, block):
        block.code(BAND, np.floor(block.uniform("probation.band") * 4))

    def report_days(self, case) -> float:
        return case.draw(self.c_days)


def _context(sc, seed):
    return Context(sc, Calendar(sc.run.start_date, sc.run.months), Streams(seed, 0), Record())


def test_a_stage_declares_a_new_draw_without_touching_the_factory():
    """A new duration is declared by the stage that uses it and read from its cases; the factory
    fills it, and no other number of any case changes (common random numbers hold)."""
    sc = load_scenario("status-quo")
    days = Gamma(dist="gamma", mean=20.0, sd=5.0)
    plain, extended = Layout(), Layout()
    CourtRoute(_context(sc, 4), plain)
    CourtRoute(_context(sc, 4), extended)
    probation = Probation(extended, days)
    a = CaseFactory(sc, Streams(4, 0), "external", plain)
    b = CaseFactory(sc, Streams(4, 0), "external", extended)
    assert extended.width == plain.width + 1
    expected_days = days.sample(Streams(4, 0)["probation.report_days"], BLOCK)
    expected_reported = Streams(4, 0)["probation.reported"].random(BLOCK) < 0.3
    expected_band = np.floor(Streams(4, 0)["probation.band"].random(BLOCK) * 4)
    mask = REPORTED | (BAND[1] << BAND[0])
    for cid in range(BLOCK):
        x, y = a.new(cid), b.new(cid)
        assert y.bits & ~mask == x.bits
        assert [y.draw(c) for c in range(plain.width)] == [x.draw(c) for c in range(plain.width)]
        assert probation.report_days(y) == expected_days[cid]
        assert bool(y.bits & REPORTED) == expected_reported[cid]
        assert (y.bits >> BAND[0]) & BAND[1] == expected_band[cid]


def test_a_stream_is_declared_once():
    """Two declarations of one stream would draw it twice per block and change its numbers."""
    layout = Layout()
    layout.uniform("court.extra")
    with pytest.raises(ValueError, match="twice"):
        layout.yes_no("court.extra", 0, 0.5)
    with pytest.raises(ValueError, match="twice"):
        layout.uniform("case.admits")  # a case's own flag


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_stages_depend_on_what_they_are_handed_not_on_the_model():
    """No stage imports the model (for typing or otherwise) or keeps one: each is handed the shared
    context, the layout and, in ``connect``, the stages its cases go to next."""
    for path in sorted((ENGINE / "routes").glob("*.py")):
        assert "sim.engine.model" not in _imports(path), path.name
        tree = ast.parse(path.read_text())
        held = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
        }
        assert "m" not in held, path.name


def test_the_factory_names_no_stage_stream():
    """The case factory draws what the stages declared; the only streams it names are a case's own."""
    tree = ast.parse((ENGINE / "case.py").read_text())
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    stage_prefixes = (
        "police.",
        "forensics.",
        "triage.",
        "decision.",
        "court.",
        "scheme.",
        "caution.",
        "self_referral.",
        "sentence.",
        "reoffending.",
    )
    assert not {s for s in strings if s.startswith(stage_prefixes)}


def test_each_stage_is_told_where_its_cases_go():
    from sim.engine.model import Model

    m = Model(load_scenario("ccpas-self-referral", ["run.years=1"]), 0)
    assert m.police.court is m.court and m.police.scheme is m.scheme and m.police.caution is m.caution
    assert m.police.self_referral is m.self_referral and m.police.outcomes is m.outcomes
    for stage in (m.caution, m.scheme, m.self_referral):
        assert stage.police is m.police and stage.outcomes is m.outcomes
    assert m.court.outcomes is m.outcomes
