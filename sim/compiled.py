"""The hot modules, compiled to C by mypyc when divertsim is installed, and the choice between the two.

The modules that run once per case (the server pools, the case factory, the model and the routes)
are ordinary, type-annotated Python. ``pip install`` compiles them with mypyc (see ``setup.py``):
the same source, so the same results, about twice as fast. Where no compiler is available the
build falls back to the source, and everything works as before, only slower.

The build records a digest of the source it compiled (``sim/_build.py``, compiled with the rest);
the compiled modules are used only while the source still has that digest. After an edit in a
checkout all of them are imported from source (with a one-line warning) until ``pip install -e .``
compiles them again, so an edit is never silently ignored and compiled and interpreted modules are
never mixed. ``DIVERTSIM_PURE_PYTHON=1`` imports the
source whatever is compiled (for profiling, or to check that both give the same results).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: the package that is compiled: every module of ``sim/engine`` (the model, its stages and what they
#: run on), as paths from the project root; its ``__init__`` files stay plain Python
ENGINE = "sim/engine"
_ROOT = Path(__file__).resolve().parent.parent
SOURCES = tuple(
    sorted(p.relative_to(_ROOT).as_posix() for p in (_ROOT / ENGINE).rglob("*.py") if p.name != "__init__.py")
)
MODULES = tuple(path[:-3].replace("/", ".") for path in SOURCES)
PURE_ENV = "DIVERTSIM_PURE_PYTHON"


def source_hash(root: Path = _ROOT) -> str:
    """A digest of the compiled modules' source, as ``setup.py`` records it in ``sim/_build.py``."""
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(path.encode())
        digest.update((root / path).read_bytes())
    return digest.hexdigest()


def stale() -> str | None:
    """Why the compiled modules must not be used; None when they were built from the source as it is."""
    built = [p for suffix in importlib.machinery.EXTENSION_SUFFIXES for p in (_ROOT / "sim").glob("_build*" + suffix)]
    if not built:
        return None  # nothing compiled: the source runs, quietly
    try:
        from sim import _build  # the compiled module records the digest of the source it was built from
    except ImportError as exc:
        return f"the compiled modules cannot be loaded ({exc})"
    if source_hash() != _build.SOURCE_HASH:
        return "the source of the hot modules changed since they were compiled"
    return None


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' source ahead of their extension modules."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None):
        if fullname not in MODULES:
            return None
        source = _ROOT / (fullname.replace(".", "/") + ".py")
        return importlib.util.spec_from_file_location(fullname, source)


def in_use() -> bool:
    """Whether this process runs the compiled modules."""
    module = sys.modules.get("sim.engine.servers") or importlib.import_module("sim.engine.servers")
    return not (module.__file__ or "").endswith(".py")


def install() -> None:
    """Called once by ``sim/__init__``: use the source when asked to, or when a binary is stale."""
    if any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        return
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        sys.meta_path.insert(0, _SourceFinder())
        return
    why = stale()
    if why:
        print(f"divertsim: {why}; running them from source (`pip install -e .` compiles them again)", file=sys.stderr)
        sys.meta_path.insert(0, _SourceFinder())
        os.environ[PURE_ENV] = "1"  # worker processes follow, without saying it again
