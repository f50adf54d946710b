"""Screenshots of the what-if app for the README: the app serving a comparison, as a user sees it.

    python docs/screenshots.py [--out docs/img] [--reps 5] [--years 10]

Starts ``divertsim app`` on a free local port (its comparisons in a temporary folder), opens it in
headless Chromium (Debian's package, through Playwright), waits for the base-vs-JUSTICE comparison
to finish and saves ``app.png`` (court load) and ``app-how-fast.png``. The test suite runs it with a
small comparison, so the pictures always come from the page as it is.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.app.launch import serving, wait_for  # noqa: E402


def shoot(out: Path, reps: int, years: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("screenshots need Chromium (Debian's chromium package)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, serving(Path(tmp) / "app") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.fill("#reps", str(reps))
        page.fill("#years", str(years))
        page.keyboard.press("Tab")
        wait_for(page, ("done",), timeout=600)
        page.wait_for_timeout(1500)  # the last redraw of the figures
        written.append(out / "app.png")
        page.screenshot(path=str(written[-1]))
        page.get_by_role("tab", name="How fast").click()
        page.wait_for_timeout(1500)
        written.append(out / "app-how-fast.png")
        page.screenshot(path=str(written[-1]))
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    for path in shoot(args.out, args.reps, args.years):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
