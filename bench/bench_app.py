"""Benchmark: how long the what-if page takes to answer a moved lever.

    python bench/bench_app.py [--reps 5] [--years 10] [--rounds 3]

Starts ``divertsim app`` (two spawned workers, its comparisons in a temporary folder), opens it in
headless Chromium, lets the national base-vs-JUSTICE comparison finish, then moves the JUSTICE
take-up slider ``--rounds`` times (0.8 -> 0.4 -> 0.2 -> 0.5 ...; each a setting not seen before) and
reports, for each move, the seconds from the move to the first redraw (the first paired
replication of the new setting on screen) and to the final one (all of them). Medians are
quoted in bench/README.md. Needs Chromium (Debian's package) and Playwright.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.app.launch import serving, settled, status  # noqa: E402

LEVER = "lever__decision__rules__deferred_prosecution__take_up"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    from shiny.playwright import controller

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("needs Chromium (Debian's chromium package)")
    firsts, finals = [], []
    with tempfile.TemporaryDirectory() as tmp, serving(Path(tmp) / "app") as url, sync_playwright() as p:
        page = p.chromium.launch(executable_path=exe, args=["--no-sandbox"]).new_page()
        page.goto(url)
        page.fill("#reps", str(args.reps))
        page.fill("#years", str(args.years))
        page.keyboard.press("Tab")
        before = settled(page, timeout=900)
        for k in range(args.rounds):
            value = ("0.4", "0.2", "0.5", "0.1", "0.45", "0.25")[k % 6]
            t0 = time.perf_counter()
            controller.InputSlider(page, LEVER).set(value)
            first = final = None
            while final is None:
                now = status(page)
                if now and int(now["job"]) > int(before["job"]):
                    if first is None and int(now["reps"] or 0) >= 1 and now["state"] in ("running", "done"):
                        first = time.perf_counter() - t0
                    if now["state"] == "done":
                        final = time.perf_counter() - t0
                time.sleep(0.05)
            before = settled(page, quiet=1.0)
            assert first is not None
            firsts.append(first)
            finals.append(final)
            print(f"take-up {value}: first redraw {first:.2f} s, final {final:.2f} s")
    print(f"median over {args.rounds} moves ({args.reps} paired replications, {args.years} years, national): "
          f"first redraw {statistics.median(firsts):.2f} s, final {statistics.median(finals):.2f} s")


if __name__ == "__main__":
    main()
