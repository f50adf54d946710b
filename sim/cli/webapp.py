"""``app``: the what-if page in a browser (see :mod:`sim.app.page`), served on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim import NOTICE
from sim.cli.app import say
from sim.cli.errors import fail
from sim.cli.options import Workers


def app(
    host: Annotated[str, typer.Option("--host", help="The address to serve on (this machine only by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="The port to serve on.")] = 8765,
    root: Annotated[
        Path, typer.Option("--root", help="Where the app keeps its comparisons (each resumable, each reused).")
    ] = Path("results") / "app",
    workers: Workers = None,
) -> None:
    """Start the what-if page: pick scenarios, move levers, watch court load respond."""
    if not 0 < port < 65536:
        fail(f"--port: must be between 1 and 65535 (got {port})")
    if workers is not None and not 1 <= workers <= 64:
        fail(f"--workers: must be between 1 and 64 (got {workers})")
    if root.exists() and not root.is_dir():
        fail(f"--root: {root}: not a folder")
    import uvicorn

    from sim.app.jobs import Runner
    from sim.app.page import build
    from sim.experiments.executors import ProcessExecutor, SerialExecutor, default_workers

    n = workers or default_workers()
    root.mkdir(parents=True, exist_ok=True)
    # spawned, not forked: a fork of a process serving pages from several threads can inherit a lock
    # held mid-request, and the server stalls. Started now, so that the first comparison finds them warm.
    executor = ProcessExecutor(n, start_method="spawn") if n > 1 else SerialExecutor()
    if isinstance(executor, ProcessExecutor):
        executor.start()
    runner = Runner(root, executor)
    say(f"divertsim app on http://{host}:{port} (comparisons kept in {root}); Ctrl-C stops it")
    say(NOTICE)
    try:
        uvicorn.run(build(root, runner), host=host, port=port, log_level="warning")
    finally:
        runner.stop()
        executor.close()
