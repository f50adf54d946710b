"""The what-if app: its levers, its queue and cache of comparisons, and the page in a real browser."""

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from browser import ARGS, chromium

from sim import api
from sim.app import controls as C
from sim.app.jobs import MAX_REPS, Request, Runner
from sim.experiments.executors import SerialExecutor
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
TAKE_UP = "decision.rules.deferred_prosecution.take_up"
SMALL = (("arrivals.per_month", 120), ("forensics.examiners", 12))


# ------------------------------------------------------------------------------------------ levers
def test_levers_show_only_what_the_compared_scenarios_have_with_their_evidence():
    sq, justice = api.load("status-quo"), api.load("justice-2019")
    keys = {s.key: s for s in C.shown([sq, justice])}
    assert TAKE_UP in keys and "decision.rules.conditional_caution.take_up" not in keys
    assert "FOUND P2" in keys[TAKE_UP].source and keys["court.crown.sitting_days_per_month"].unit == "sitting days/month"
    crown = keys["court.crown.sitting_days_per_month"]
    assert crown.low < crown.value == 8108 < crown.high  # a relative range around the scenario's own value
    assert TAKE_UP not in {s.key for s in C.shown([sq, api.load("npcc-conditional-caution")])}


def test_only_moved_levers_are_sent_and_every_value_is_held_in_its_range():
    screen = C.shown([api.load("status-quo"), api.load("justice-2019")])
    keys = {s.key: s for s in screen}
    crown = keys["court.crown.sitting_days_per_month"]
    got = C.moved(screen, {TAKE_UP: 0.8, "forensics.examiners": 1e9, "court.crown.sitting_days_per_month": -5,
                           "decision.rules.deferred_prosecution.point": "somewhere", "scheme.group_size": 12.4})
    assert TAKE_UP not in got  # unchanged from the scenario
    assert got["forensics.examiners"] == keys["forensics.examiners"].high
    assert got["court.crown.sitting_days_per_month"] == crown.low
    assert "decision.rules.deferred_prosecution.point" not in got  # not one of its choices
    assert got["scheme.group_size"] == 12 and isinstance(got["scheme.group_size"], int)
    assert C.moved(screen, {TAKE_UP: 0.6000000000000001}) == {TAKE_UP: 0.6}  # a slider's float residue
    # every relative range puts the scenario's own value on the slider's grid (8108 Crown days, steps of 50)
    for s in screen:
        if s.control.step and not s.control.choices:
            assert (s.value - s.low) / s.control.step == pytest.approx(round((s.value - s.low) / s.control.step))
    assert C.moved(screen, {"court.crown.sitting_days_per_month": 8100.0, "costs.prison_place_year": 51500}) == {}


# -------------------------------------------------------------------------------------- the queue
def wait(job, states=("done",), timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = job.read()
        if s.state in states:
            return s
        time.sleep(0.05)
    raise TimeoutError(job.read())


def test_requests_are_bounded():
    r = Request("status-quo", ("justice-2019",), reps=10_000, years=1e6, seed=-3).bounded()
    assert (r.reps, r.years, r.seed) == (MAX_REPS, 15.0, 0)


@pytest.mark.slow
def test_the_runner_caches_supersedes_and_keeps_sessions_apart(tmp_path):
    runner = Runner(tmp_path, SerialExecutor())
    try:
        req = Request("status-quo", ("justice-2019",), SMALL, reps=2, years=1, seed=5)
        first = wait(runner.submit(req, "a"))
        assert first.replications == 2 and first.first_at is not None and first.first_at <= first.final_at
        direct = api.compare("status-quo", "justice-2019", reps=2, years=1, seed=5, overrides=dict(SMALL),
                             workers=1, out=tmp_path / "direct")
        assert first.result.data["metrics"] == direct.data["metrics"]  # the page's numbers are the API's
        again = wait(runner.submit(req, "b"))
        assert again.final_at < 0.05 and again.result is first.result  # kept: instant
        slow = runner.submit(Request("status-quo", ("justice-2019",), SMALL, reps=20, years=3, seed=6), "a")
        wait(slow, ("running",))
        other = runner.submit(req, "c")  # another session waits its turn, and is not cancelled
        newer = runner.submit(Request("status-quo", ("justice-2019",), SMALL, reps=1, years=1, seed=7), "a")
        assert wait(slow, ("cancelled",)).state == "cancelled"
        assert wait(other).state == "done" and wait(newer).state == "done"
    finally:
        runner.stop()
    # a restarted app finds the finished comparison in its folder and runs nothing
    runner = Runner(tmp_path, SerialExecutor())
    try:
        t0 = time.perf_counter()
        back = wait(runner.submit(req, "d"))
        assert back.result.data["metrics"] == first.result.data["metrics"] and time.perf_counter() - t0 < 5
    finally:
        runner.stop()


def test_a_bad_request_fails_with_one_line(tmp_path):
    runner = Runner(tmp_path, SerialExecutor())
    try:
        s = wait(runner.submit(Request("status-quo", ("justice-2019",), (("forensics.examiners", -1),), 1, 1), "a"),
                 ("failed",))
        assert "forensics.examiners" in s.error and "\n" not in s.error
    finally:
        runner.stop()


@pytest.mark.parametrize("args, words", [(["--port", "0"], "--port"), (["--workers", "0"], "--workers")])
def test_app_refuses_bad_arguments_in_one_line(args, words, capsys):
    assert main(["app", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


# ---------------------------------------------------------------------------------- in a browser
@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    exe = chromium()
    from playwright.sync_api import sync_playwright

    from sim.app.launch import serving

    root = tmp_path_factory.mktemp("app")
    problems = []
    with serving(root / "store") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(url)
        yield page, problems, root
        browser.close()


def small_settings(page):
    page.fill("#years", "1")
    page.fill("#reps", "2")
    page.keyboard.press("Tab")


@pytest.mark.slow
def test_the_page_redraws_with_the_api_s_numbers_when_a_lever_moves(browser_page):
    from shiny.playwright import controller

    from sim.app.launch import cell, settled, wait_for

    page, problems, _ = browser_page
    assert "not a tool for assessing" in page.inner_text("#notice")
    small_settings(page)
    first = settled(page)
    assert first["reps"] == "2" and first["state"] == "done"
    seed = int(page.input_value("#seed"))
    api_base = api.compare("status-quo", "justice-2019", reps=2, years=1, seed=seed, workers=1,
                           out=browser_page[2] / "api-base")
    for metric in ("court.receipts_per_year", "court.crown.backlog_end", "cost.total_gbp"):
        assert cell(page, metric, "justice-2019") == api_base.data["metrics"][metric]["justice-2019"]["diff"]["mean"]
    assert page.locator("#backlog img").count() == 1
    lever = controller.InputSlider(page, "lever__" + TAKE_UP.replace(".", "__"))
    moved_at = time.perf_counter()
    lever.set("0.4")
    wait_for(page, ("done",), after_job=int(first["job"]))
    took = time.perf_counter() - moved_at
    second = settled(page)  # a dragged handle may pass through other values on its way
    lever.expect_value("0.4")
    api_moved = api.compare("status-quo", "justice-2019", reps=2, years=1, seed=seed, workers=1,
                            overrides={TAKE_UP: 0.4}, out=browser_page[2] / "api-moved")
    referred = cell(page, "scheme.referred", "justice-2019")
    assert referred == api_moved.data["metrics"]["scheme.referred"]["justice-2019"]["diff"]["mean"]
    assert referred < api_base.data["metrics"]["scheme.referred"]["justice-2019"]["diff"]["mean"]  # less take-up
    assert int(second["job"]) > int(first["job"]) and took < 120
    page.get_by_role("tab", name="How fast").click()
    page.locator("#how_fast img").wait_for()
    with page.expect_download() as got:
        page.click("#download_folder")
    names = zipfile.ZipFile(got.value.path()).namelist()
    assert any(n.endswith("/manifest.json") for n in names) and any(n.endswith("comparison.json") for n in names)
    with page.expect_download() as got:
        page.click("#download_report")
    html = Path(got.value.path()).read_text()
    assert "not a tool for assessing" in html and "justice-2019" in html
    assert problems == []


@pytest.mark.slow
def test_an_invalid_upload_gets_its_one_line_error_and_runs_nothing(browser_page, tmp_path):
    from sim.app.launch import settled, status, wait_for

    page, problems, root = browser_page
    small_settings(page)
    before = settled(page)
    bad = tmp_path / "my-policy.toml"
    bad.write_text('extends = "justice-2019"\n[scheme]\ncompletion_rate = 1.7\nbogus = 1\n')
    page.set_input_files("#upload", str(bad))
    page.locator("#upload-error").wait_for()
    text = page.inner_text("#upload-error")
    assert "my-policy.toml" in text and "completion_rate" in text and "bogus" in text
    assert "\n" not in text.strip() and str(root) not in text  # no server path shown
    time.sleep(1.0)
    assert status(page)["job"] == before["job"]  # nothing new asked for
    good = tmp_path / "half-take-up.toml"
    good.write_text('extends = "justice-2019"\nname = "half-take-up"\n'
                    '[decision.rules.deferred_prosecution]\ntake_up = 0.5\n')
    page.set_input_files("#upload", str(good))
    wait_for(page, ("done",), after_job=int(before["job"]))
    assert page.locator('#headline td[data-scenario="half-take-up"]').count() > 0
    assert page.locator("#upload-error").count() == 0
    assert problems == []


@pytest.mark.slow
def test_cancel_stops_the_work(browser_page):
    from sim.app.launch import settled, status, wait_for

    page, problems, _ = browser_page
    before = settled(page)
    page.fill("#reps", "20")
    page.fill("#years", "15")
    page.keyboard.press("Tab")
    wait_for(page, ("running",), after_job=int(before["job"]))
    page.click("#cancel")
    stopped = wait_for(page, ("cancelled",), after_job=int(before["job"]), timeout=30)
    time.sleep(2.0)
    assert status(page) == stopped  # no replication came in after the cancel
    assert problems == []


@pytest.mark.slow
def test_the_screenshot_script_draws_the_page(tmp_path):
    chromium()
    out = tmp_path / "img"
    run = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshots.py"), "--out", str(out), "--reps", "2",
                          "--years", "1"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    from PIL import Image

    for name in ("app.png", "app-how-fast.png"):
        pixels = np.asarray(Image.open(out / name).convert("L"), dtype=float)
        assert pixels.shape[1] >= 1000 and pixels.std() > 10, name
