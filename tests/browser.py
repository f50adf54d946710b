"""Headless Chromium for the browser tests: Debian's package, driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

#: quiet flags: no sandbox (containers), no network the page did not ask for
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """Chromium's path; skipped without it, except where CI requires it (DIVERTSIM_REQUIRE_BROWSER)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("DIVERTSIM_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (DIVERTSIM_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright")
    return exe
