"""How divertsim's processes end: workers die with their parent, Ctrl-C reaches only the
coordinating process, and an interrupt while the command is still starting prints one line.

Without this, killing the main process alone left the workers (and, through them, the
resource tracker) running with the terminal's output open, so ``divertsim ... | tee`` never
ended; and Ctrl-C while workers were still importing printed a traceback from every worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """In a worker: end this process when ``parent`` ends, and leave Ctrl-C to the parent.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); a
    watchdog thread that sees the process re-parented does the same elsewhere, and catches a
    parent that died before the first could be set.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="divertsim-parent-watch", daemon=True).start()


def dask_setup(worker: object) -> None:
    """Dask runs this in each worker of a local cluster (the module is the workers' preload):
    Ctrl-C is for the coordinator, which stops the cluster, not for each worker to report; the
    allocator is set for the model's blocks as in a process-pool worker."""
    from sim.experiments import allocator

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    allocator.tune()


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C while worker processes are started, so that they start with it blocked (a
    spawned process inherits the signal mask) and only this process sees it, once released."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while a local Dask cluster starts its workers. Dask starts them from threads
    of its own whose signal mask is not this one's, so holding Ctrl-C (above) does not reach them;
    an ignored signal is inherited whatever the thread. A Ctrl-C in those seconds is lost: the
    next one stops the command."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _quiet_exit(signum: int, frame: object) -> None:
    os.write(2, b"interrupted\n")
    os._exit(130)


def quiet_start() -> None:
    """Until :func:`ready`, Ctrl-C prints one line and exits 130 (not a traceback from deep
    inside an import). Only where Python's own handler is in place, in the main thread."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ):
        signal.signal(signal.SIGINT, _quiet_exit)


def ready() -> None:
    """Ctrl-C raises KeyboardInterrupt again, for the command to stop cleanly and say so."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is _quiet_exit:
        signal.signal(signal.SIGINT, signal.default_int_handler)
