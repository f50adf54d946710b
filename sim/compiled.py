"""The hot modules, compiled to C by mypyc when divertsim is installed, and the choice between the two.

The modules that run once per case (the server pools, the case factory, the model and the routes)
are ordinary, type-annotated Python. ``pip install`` compiles them with mypyc (see ``setup.py``):
the same source, so the same results, about twice as fast. Where no compiler is available the
build falls back to the source, and everything works as before, only slower.

A compiled module is used only when every compiled module is at least as new as its source: after
an edit to one of them in a checkout, all of them are imported from source (with a one-line
warning) until ``pip install -e .`` compiles them again, so an edit can never be silently ignored
and compiled and interpreted modules are never mixed. ``DIVERTSIM_PURE_PYTHON=1`` imports the
source whatever is compiled (for profiling, or to check that both give the same results).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

#: modules compiled by ``setup.py``, as paths from the project root
SOURCES = (
    "sim/servers.py", "sim/case.py", "sim/model.py",
    "sim/routes/caution.py", "sim/routes/court.py", "sim/routes/outcomes.py",
    "sim/routes/police.py", "sim/routes/scheme.py", "sim/routes/self_referral.py",
)
MODULES = tuple(path[:-3].replace("/", ".") for path in SOURCES)
PURE_ENV = "DIVERTSIM_PURE_PYTHON"

_ROOT = Path(__file__).resolve().parent.parent


def _binaries(source: Path) -> list[Path]:
    return [source.with_name(source.stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES
            if source.with_name(source.stem + suffix).exists()]


def stale(root: Path = _ROOT) -> list[str]:
    """Compiled modules older than their source (an edit since the last ``pip install``)."""
    out = []
    for path in SOURCES:
        source = root / path
        binaries = _binaries(source)
        if binaries and source.exists() and source.stat().st_mtime > max(b.stat().st_mtime for b in binaries):
            out.append(path)
    return out


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' source ahead of their extension modules."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None):
        if fullname not in MODULES:
            return None
        source = _ROOT / (fullname.replace(".", "/") + ".py")
        return importlib.util.spec_from_file_location(fullname, source)


def in_use() -> bool:
    """Whether this process runs the compiled modules."""
    module = sys.modules.get("sim.servers") or importlib.import_module("sim.servers")
    return not (module.__file__ or "").endswith(".py")


def install() -> None:
    """Called once by ``sim/__init__``: use the source when asked to, or when a binary is stale."""
    if any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        return
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        sys.meta_path.insert(0, _SourceFinder())
        return
    old = stale()
    if old:
        print(f"divertsim: {old[0]} changed since it was compiled; running all hot modules from source "
              "(run `pip install -e .` to compile them again)", file=sys.stderr)
        sys.meta_path.insert(0, _SourceFinder())
