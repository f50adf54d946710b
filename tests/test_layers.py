"""The package is laid out as its pipeline, and imports only point down it.

inputs -> engine -> results -> experiments -> reports -> api -> app -> cli: a module may import from its
own layer and the layers before it, never from a later one. ``sim/__init__``, ``sim/errors`` and
``sim/compiled`` sit under every layer. A test reads every import (top-level, deferred and
type-only) from the source, so a new upward import fails here, naming the file and the line.

One import is allowed up the pipeline, by name: ``sim/__init__`` re-exports the API (``sim.run``)
lazily, importing ``sim.api`` inside its module ``__getattr__`` on first use only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim import compiled

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("inputs", "engine", "results", "experiments", "reports", "api", "app", "cli")
BASE = {"sim", "sim.errors", "sim.compiled", "sim._build"}
#: (file, module) imports allowed to point up: the package's lazy re-export of the API
ALLOWED = {("sim/__init__.py", "sim.api")}


def layer_of(module: str) -> int | None:
    """The layer of a module of ``sim`` (None for the base it all stands on)."""
    if module == "sim.__main__":  # ``python -m sim``: the command line
        return LAYERS.index("cli")
    parts = module.split(".")
    if module in BASE or len(parts) < 2:
        return None
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} belongs to no layer: put it in one of {', '.join(LAYERS)}")
    return LAYERS.index(parts[1])


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module of ``sim`` that the file imports, with the line (relative imports resolved)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base.split(".")[0] != "sim":
                continue
            found.append((node.lineno, base))
            # `from sim.results import metrics` imports sim.results.metrics
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names
                      if (root / base.replace(".", "/") / f"{a.name}.py").exists()]
    return found


def upward(path: Path, root: Path = ROOT) -> list[str]:
    """The imports of one file that point up the pipeline, each as ``file:line imports module``."""
    module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    own = layer_of(module)
    out = []
    for line, imported in imports(path, root):
        if (path.relative_to(root).as_posix(), imported) in ALLOWED:
            continue
        theirs = layer_of(imported)
        if theirs is not None and (own is None or theirs > own):
            out.append(f"{path.relative_to(root)}:{line} imports {imported} ({LAYERS[theirs]}), a later layer than "
                       f"{'the base' if own is None else LAYERS[own]}")
    return out


MODULES = sorted(p for p in (ROOT / "sim").rglob("*.py") if "_shipped" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_point_down_the_pipeline(path):
    assert upward(path) == []


def test_the_checker_sees_upward_imports(tmp_path):
    """The rule can fail: an engine module importing the metrics, deferred or relative, is caught."""
    (tmp_path / "sim" / "engine").mkdir(parents=True)
    (tmp_path / "sim" / "results").mkdir()
    (tmp_path / "sim" / "results" / "metrics.py").write_text("")
    probe = tmp_path / "sim" / "engine" / "probe.py"
    probe.write_text("import numpy\nfrom sim.inputs.scenario import Scenario\n\n\ndef f():\n"
                     "    from ..results import metrics\n    from sim.cli import main\n")
    found = upward(probe, tmp_path)
    assert [f.split(" imports ")[1].split(" ")[0] for f in found] == ["sim.results", "sim.results.metrics", "sim.cli"]
    assert found[0].startswith("sim/engine/probe.py:6 ")


def test_only_the_named_import_up_is_allowed(tmp_path):
    """The exception is one file and one module: the package importing the CLI, or the base's
    errors module importing the API, is still caught."""
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "api.py").write_text("")
    init = tmp_path / "sim" / "__init__.py"
    init.write_text("def __getattr__(name):\n    import sim.api as api\n    import sim.cli\n")
    errors = tmp_path / "sim" / "errors.py"
    errors.write_text("import sim.api\n")
    assert [f.split(" imports ")[1].split(" ")[0] for f in upward(init, tmp_path)] == ["sim.cli"]
    assert upward(errors, tmp_path) == ["sim/errors.py:1 imports sim.api (api), a later layer than the base"]


def test_the_package_imports_the_api_once_and_only_on_first_use():
    """The allowed import sits in ``__getattr__`` (so ``import sim`` does not load the API), once."""
    tree = ast.parse((ROOT / "sim" / "__init__.py").read_text())
    found = [(line, m) for line, m in imports(ROOT / "sim" / "__init__.py") if m == "sim.api"]
    assert len(found) == 1
    top = {n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
    hook = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__")
    assert found[0][0] not in top and hook.lineno < found[0][0] <= hook.end_lineno


def test_every_module_of_the_engine_is_compiled():
    engine = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "sim" / "engine").rglob("*.py")
                    if p.name != "__init__.py")
    assert list(compiled.SOURCES) == engine
