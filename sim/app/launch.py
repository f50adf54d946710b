"""Starting the app as its own process and reading its page: for the browser tests and the
script that makes the README's screenshots (``docs/screenshots.py``), which drive the same page."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(root: Path, workers: int = 2, port: int | None = None, timeout: float = 90) -> Iterator[str]:
    """``divertsim app`` on a free local port, keeping its comparisons in ``root``; its address."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "sim", "app", "--port", str(port), "--root", str(root), "--workers", str(workers)]
    root.mkdir(parents=True, exist_ok=True)
    log = (root / "app.log").open("w")  # a file, not a pipe that nobody reads and that would fill
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app stopped before serving: {(root / 'app.log').read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not serve on port {port} within {timeout:g} s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def status(page: Any) -> dict[str, str]:
    """The status line's state, replications so far and request number ({} before the first)."""
    el = page.locator("#status-text")
    if not el.count():
        return {}
    return {k: el.get_attribute(f"data-{k}") or "" for k in ("state", "reps", "job")}


def wait_for(
    page: Any, states: tuple[str, ...] = ("done",), after_job: int = 0, timeout: float = 180
) -> dict[str, str]:
    """Wait until a request newer than ``after_job`` reaches one of ``states``; a failure is raised."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        err = page.locator("#run-error")
        if err.count():
            raise RuntimeError(f"the comparison failed: {err.inner_text()}")
        now = status(page)
        if now and int(now["job"] or 0) > after_job and now["state"] in states:
            return now
        time.sleep(0.1)
    raise TimeoutError(f"no request after {after_job} reached {states} within {timeout:g} s (status {status(page)})")


def settled(page: Any, quiet: float = 1.5, timeout: float = 180) -> dict[str, str]:
    """Wait until the page has finished (or cancelled) its latest request and asked for no other
    for ``quiet`` seconds: the state to compare what a later action does against."""
    deadline = time.monotonic() + timeout
    last, since = status(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = status(page)
        if now != last:
            last, since = now, time.monotonic()
        elif now.get("state") in ("done", "cancelled") and time.monotonic() - since >= quiet:
            return now
    raise TimeoutError(f"the page did not settle within {timeout:g} s (status {status(page)})")


def cell(page: Any, metric: str, scenario: str) -> float:
    """A policy's paired difference of ``metric`` as the headline table holds it (full precision)."""
    return float(page.locator(f'#headline td[data-metric="{metric}"][data-scenario="{scenario}"]').get_attribute(
        "data-value"
    ))  # fmt: skip
