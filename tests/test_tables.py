"""The printed tables: rows chosen by pattern, units on every row, 80 columns, and csv/json for pipes."""

import io
import json

import pandas as pd
import pytest

from sim import NOTICE
from sim.cli import tables
from sim.cli.running import SCREEN_METRICS
from sim.results.metrics import HEADLINE


def test_patterns_choose_rows_in_pipeline_order():
    got = tables.choose(["court.crown.wait_*", "cases.arrived"], HEADLINE, SCREEN_METRICS)
    assert got == [m for m in HEADLINE if m.startswith("court.crown.wait_") or m == "cases.arrived"]
    assert got[0] == "cases.arrived"  # pipeline order, not the order asked
    assert tables.choose(["cases.new,cases.closed"], HEADLINE, ()) == ["cases.new", "cases.closed"]
    assert tables.choose([], HEADLINE, SCREEN_METRICS) == list(SCREEN_METRICS)
    assert tables.choose(["*"], HEADLINE, ()) == list(HEADLINE)


def test_a_pattern_that_matches_nothing_is_refused_with_the_nearest_names():
    with pytest.raises(ValueError, match=r"'court.recepts' matches no metric \(did you mean court.receipts"):
        tables.choose(["court.recepts"], HEADLINE, SCREEN_METRICS)


def _summary(mean):
    return {"mean": mean, "ci_low": mean * 0.9, "ci_high": mean * 1.1, "n": 5}


def _comparison(names):
    metrics = {}
    for k, m in enumerate(HEADLINE):
        base = 123456.7 / (k + 1)
        entry = {names[0]: _summary(base)}
        for j, name in enumerate(names[1:]):
            other = base * (0.8 + 0.1 * j)
            entry[name] = {
                **_summary(other),
                "diff": {
                    "mean": other - base,
                    "ci_low": other - base - 1.0,
                    "ci_high": other - base + 1.0,
                    "share_lower": 0.8,
                },
            }
        metrics[m] = entry
    return {"scenarios": names, "replications": 5, "metrics": metrics}


def test_every_line_of_both_tables_fits_80_columns_and_names_its_unit():
    names = ["status-quo", "npcc-conditional-caution", "a-scenario-with-a-very-long-name-indeed"]
    rows = tables.comparison_rows(_comparison(names), HEADLINE, 10)
    text = tables.render(rows, "table", "a long title " * 20)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "court.crown.wait_weeks_median [weeks]" in text and "court.receipts [cases, 10-yr total]" in text
    costly = _comparison(names)
    for entry in costly["metrics"].values():
        for s in entry.values():
            s.update({k: v * 1e4 for k, v in s.items() if isinstance(v, float)})
            if "diff" in s:
                s["diff"].update({k: v * 1e4 for k, v in s["diff"].items() if k != "share_lower"})
    text = tables.render(tables.comparison_rows(costly, HEADLINE, 10), "table", "t")  # costs in the millions
    assert max(len(line) for line in text.splitlines()) <= 80 and "m ± " in text
    run = tables.render(tables.run_rows("status-quo", {m: _summary(1e6) for m in HEADLINE}, 10), "table", "t")
    assert max(len(line) for line in run.splitlines()) <= 80
    assert all(len(line.split()) >= 4 for line in run.splitlines()[2:])  # metric, unit, mean ± half-width


def test_large_figures_are_shown_in_thousands_and_millions():
    assert tables.with_ci(96_342_166.0, 93_588_583.0, 99_095_749.0) == "96.34m ± 2.75m"
    assert tables.with_ci(-708_590.0, -924_343.0, -492_837.0) == "-708.6k ± 215.8k"
    assert tables.with_ci(4538.0, 4465.3, 4610.7) == "4,538 ± 73"
    assert tables.with_ci(50.0, None, None) == "50.0"
    assert tables.with_ci(0.0, 0.0, 0.0) == "0 ± 0"  # none at all (no triage under the status quo)
    assert tables.with_ci(0.0, -0.1, 0.1) == "0 ± 0.100"


def test_a_comparison_row_gives_the_difference_its_ci_and_the_change_from_the_base():
    data = _comparison(["base", "policy"])
    (b, p) = tables.comparison_rows(data, ["court.receipts"], 10)
    assert b.is_base and b.diff_mean is None
    d = data["metrics"]["court.receipts"]["policy"]["diff"]
    assert p.diff_mean == d["mean"] and p.diff_ci_low == d["ci_low"] and p.share_lower == 0.8
    assert p.change == pytest.approx(-0.2)
    line = tables.render([b, p], "table", "t").splitlines()[4]
    assert "-20.0%" in line and "80%" in line and "± 1" in line


def test_csv_loads_with_a_plain_read_csv_and_carries_the_notice_on_every_row():
    rows = tables.comparison_rows(_comparison(["base", "policy"]), HEADLINE[:5], 10)
    frame = pd.read_csv(io.StringIO(tables.render(rows, "csv", "t")))
    assert len(frame) == 10 and (frame["notice"] == NOTICE).all()
    assert list(frame["metric"][:2]) == [HEADLINE[0]] * 2 and frame["unit"][0] == "cases, 10-yr total"
    assert frame["diff_mean"].isna()[0] and frame["diff_mean"][1] == pytest.approx(rows[1].diff_mean)


def test_json_is_one_document_with_the_notice_and_every_row():
    rows = tables.run_rows("s", {m: _summary(2.0) for m in HEADLINE[:3]}, 10)
    doc = json.loads(tables.render(rows, "json", "t", {"folder": "x"}))
    assert doc["notice"] == NOTICE and doc["folder"] == "x" and len(doc["rows"]) == 3
    assert doc["rows"][0]["ci_high"] == pytest.approx(2.2)
