"""Reports: figures with the right content, a self-contained page that loads cleanly in a real
browser, and an event log that reconciles with its run."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import ARGS, chromium
from small import small_args

from sim.cli import main
from sim.reports.report import build

ROOT = Path(__file__).resolve().parent.parent
SMALL = small_args({"scheme.facilitators": 6, "caution.assessors": 1, "initial.crown_trial.cases": 40}) + ["--workers", "1"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "c"
    assert main(["compare", "status-quo", "justice-2019", "npcc-conditional-caution", "--reps", "3",
                 "--out", str(out), "--report", *SMALL]) == 0
    return out


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


@pytest.mark.slow
def test_figures_have_titles_units_and_one_line_per_scenario(compared):
    rep = build(compared)
    names = ["status-quo", "justice-2019", "npcc-conditional-caution"]
    figs = {name: fig for name, _, fig in rep.figures}
    assert {"differences", "backlog", "receipts_disposals", "wait_distribution", "outcomes", "route_flows",
            "utilisation"} <= set(figs)
    for name, fig in figs.items():
        title = fig.texts[0].get_text() if fig.texts else fig.axes[0].get_title()
        assert title, name
        for ax in fig.axes:
            if ax.get_visible() and ax.has_data():
                assert ax.get_xlabel() or name == "outcomes" or ax.get_ylabel(), (name, ax.get_title())
    for ax in figs["backlog"].axes:
        assert ax.get_ylabel() == "cases in court at the end of the month" and ax.get_xlabel() == "month"
        assert ax.get_ylim()[0] == 0  # counts from zero
        bold = lines_by_label(ax)
        assert sorted(bold) == sorted(names), "one mean line per scenario"
    # each scenario has the same colour and line style in every figure
    back = lines_by_label(figs["backlog"].axes[0])
    recv = lines_by_label(figs["receipts_disposals"].axes[0])
    for n in names:
        assert back[n].get_color() == recv[n].get_color() and back[n].get_linestyle() == recv[n].get_linestyle()
    # and the styles differ, so grey-scale print keeps them apart
    assert len({back[n].get_linestyle() for n in names}) == len(names)
    assert "% of its mean" in figs["differences"].axes[0].get_xlabel()
    # how fast: one line per policy (not the base) in each panel, in the policy's own style, axes in units
    for ax in figs["how_fast"].axes:
        fast = lines_by_label(ax)
        assert sorted(fast) == sorted(names[1:]) and ax.get_ylabel().startswith("difference, ")
        assert all(fast[n].get_color() == back[n].get_color() for n in names[1:])
    # trajectory legends sit under the panels, clear of every line
    for name in ("backlog", "crown_list", "receipts_disposals", "wait_distribution", "utilisation"):
        fig = figs[name]
        fig.canvas.draw()
        (legend,) = fig.legends
        box = legend.get_window_extent()
        assert [t.get_text() for t in legend.get_texts()][:1] == [names[0]] or name == "wait_distribution", name
        for ax in fig.axes:
            if ax.get_visible():
                assert box.y1 <= ax.get_window_extent().y0, (name, ax.get_title())
    # a flow panel for every route some scenario takes, each bar group one scenario, counts from zero
    panels = {ax.get_title(loc="left"): ax for ax in figs["route_flows"].axes}
    assert {"Police and forensics", "Charge and court", "Cautions", "Deferred prosecution"} <= set(panels)
    assert "Self-referral" not in panels  # no compared scenario refers people to the helpline route
    for title, ax in panels.items():
        assert ax.get_ylim()[0] == 0 and len(ax.patches) == 3 * len(ax.get_xticklabels()), title
    scheme_bars = [p.get_height() for p in panels["Deferred prosecution"].patches]
    stages = len(panels["Deferred prosecution"].get_xticklabels())
    assert max(scheme_bars[:stages]) == 0 < scheme_bars[stages]  # only JUSTICE refers anyone to the scheme
    assert [t.get_text() for t in figs["route_flows"].axes[0].get_legend().get_texts()] == names
    page = (compared / "report.html").read_text()
    assert "<h2>How fast</h2>" in page and "<h2>Added load elsewhere, and cost</h2>" in page
    assert "cost.total_gbp" in page and "scheme.facilitator_hours" in page


@pytest.mark.slow
def test_report_page_is_self_contained_and_carries_the_notice(compared):
    page = (compared / "report.html").read_text()
    assert "not a tool for assessing" in page and page.count('class=notice') == 2
    assert not re.search(r"""(src|href)=["']?https?://""", page), "the page must not fetch anything"
    images = re.findall(r'src="data:image/png;base64,', page)
    figs = sorted(p.stem for p in (compared / "figures").glob("*.png"))
    assert len(images) == len(figs) >= 7
    assert sorted(p.stem for p in (compared / "figures").glob("*.svg")) == figs
    assert "Parameters and their sources" in page and "S3" in page  # the scheme's source is shown
    assert "<details><summary><b>" in page  # parameter tables are collapsed until opened
    assert "paired" in page


@pytest.mark.slow
def test_report_opens_cleanly_in_headless_chromium(compared, tmp_path):
    exe = chromium()
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto((compared / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert "not a tool for assessing" in page.inner_text("#notice")
        figures = page.query_selector_all("figure")
        assert len(figures) >= 7
        for fig in figures:
            img = fig.query_selector("img")
            assert page.evaluate("(i) => i.complete && i.naturalWidth > 100 && i.naturalHeight > 100", img), fig.get_attribute("id")
            shot = tmp_path / f"{fig.get_attribute('id')}.png"
            fig.screenshot(path=str(shot))
            pixels = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(shot).convert("L"), dtype=float)
            assert pixels.std() > 10 and (pixels < 128).mean() > 0.005, f"{shot.name} looks blank"
        browser.close()
    assert problems == []


def small_sweep(tmp_path, head: str, take_up: str, charge_share: str):
    """A one-year JUSTICE sweep of take-up and charge share, run into its folder and built as a report."""
    path = tmp_path / "s.toml"
    path.write_text(f'base = "{ROOT / "scenarios" / "justice-2019.toml"}"\n{head}reps = 1\n'
                    '[set]\n"run.years" = 1\n"arrivals.per_month" = 60\n"initial.forensics.cases" = 0\n'
                    '"initial.crown_trial.cases" = 0\n[factors]\n'
                    f'"decision.rules.deferred_prosecution.take_up" = {take_up}\n'
                    f'"court.charging.charge_share" = {charge_share}\n')
    out = tmp_path / "sw"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    return out, build(out)


@pytest.mark.slow
def test_report_of_a_sweep_with_sensitivity(tmp_path):
    out, rep = small_sweep(
        tmp_path, 'design = "saltelli"\nsamples = 8\nreplication_pool = 20\nanalyze = "sobol"\n'
        'metrics = ["court.receipts_per_year", "court.backlog_end"]\n',
        "{ min = 0.2, max = 0.9 }", "{ min = 0.6, max = 0.9 }")
    names = {n for n, _, _ in rep.figures}
    assert names == {"factor_effects", "sensitivity_sobol"}
    bars = dict((n, f) for n, _, f in rep.figures)["sensitivity_sobol"]
    labels = {t.get_text() for ax in bars.axes for t in ax.get_yticklabels()}
    assert "replication" in labels and "court.charging.charge_share" in labels
    page = (out / "report.html").read_text()
    assert "not a tool for assessing" in page and "is a small sample for sobol" in page  # 8 base samples


@pytest.mark.slow
def test_report_of_a_grid_sweep_draws_the_interaction_of_two_factors(tmp_path):
    _, rep = small_sweep(tmp_path, "", "[0.2, 0.9]", "[0.6, 0.75, 0.9]")
    figs = {n: f for n, _, f in rep.figures}
    assert "interaction_0_1" in figs and figs["interaction_0_1"].axes[0].images[0].get_array().shape == (2, 3)


def test_report_refuses_what_it_cannot_draw(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run, comparison or sweep folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2


@pytest.mark.slow
def test_event_log_schema_and_reconciliation(tmp_path):
    out = tmp_path / "ev"
    assert main(["run", "justice-2019", "--reps", "2", "--out", str(out), "--event-log", "--event-log-reps", "2", *SMALL]) == 0
    log = pd.read_parquet(out / "event_log.parquet")
    assert list(log.columns) == ["entity_id", "event_type", "event", "time", "run", "resource_id", "pathway"]
    assert set(log.event_type) <= {"arrival_departure", "queue", "resource_use", "resource_use_end"}
    assert sorted(log.run.unique()) == [0, 1]
    assert log.time.is_monotonic_increasing
    assert log.loc[log.event_type.str.startswith("resource_use"), "resource_id"].notna().all()
    rows = [line for line in (out / "replications.csv").open() if not line.startswith("#")]
    reps = pd.read_csv(pd.io.common.StringIO("".join(rows))).set_index("replication")
    manifest = json.loads((out / "manifest.json").read_text())
    from sim.engine.calendar import Calendar
    from sim.inputs.scenario import Scenario
    sc = Scenario.model_validate(manifest["scenario"])
    W = float(Calendar(sc.run.start_date, sc.run.months).month_edges()[sc.run.warmup_months])
    for r in (0, 1):
        one = log[log.run == r]
        arrivals = one[one.event == "arrival"]
        departs = one[one.event == "depart"]
        assert arrivals.entity_id.is_unique and departs.entity_id.is_unique
        assert (departs.time >= W).sum() == reps.loc[r, "cases.closed"]
        assert ((arrivals.time >= W)).sum() == reps.loc[r, "cases.new"]
        open_end = len(arrivals) - len(departs)
        assert open_end == reps.loc[r, "cases.open_at_end"]
        # every job that started on a resource either ended or is still running at the horizon
        starts = (one.event_type == "resource_use").sum()
        ends = (one.event_type == "resource_use_end").sum()
        assert 0 <= starts - ends <= reps.loc[r, "cases.open_at_end"]
        assert (one.event == "forensics_begins").sum() >= reps.loc[r, "forensics.examinations"]


def test_event_log_is_bounded(tmp_path):
    out = tmp_path / "ev"
    assert main(["run", "status-quo", "--reps", "1", "--out", str(out), "--event-log", "--event-log-format", "csv",
                 "--event-log-max-events", "500", *SMALL]) == 0
    log = pd.read_csv(out / "event_log.csv", comment="#")
    assert len(log) == 500 and log.time.is_monotonic_increasing
