"""The compiled hot modules: used when built, identical in results to the source, never stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim import compiled

ROOT = Path(__file__).resolve().parent.parent

DIGEST = textwrap.dedent("""
    import hashlib, json, sys
    import numpy as np
    from sim import compiled
    from sim.inputs.loading import load_scenario
    from sim.engine.model import Model
    out = {"compiled": compiled.in_use()}
    for name in ("status-quo", "justice-2019"):
        sc = load_scenario(name, ["run.years=2", "run.warmup_months=0"])
        rec = Model(sc, 1).run()
        h = hashlib.sha256()
        for key, value in sorted(vars(rec).items()):
            if isinstance(value, np.ndarray):
                h.update(key.encode()); h.update(value.tobytes())
        h.update(rec.log.key.tobytes()); h.update(rec.log.time.tobytes())
        out[name] = h.hexdigest()
    print(json.dumps(out))
""")


def _digest(pure: bool) -> dict:
    env = dict(os.environ)
    env.pop(compiled.PURE_ENV, None)
    if pure:
        env[compiled.PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", DIGEST], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def test_ci_runs_the_compiled_modules():
    if not os.environ.get("DIVERTSIM_REQUIRE_COMPILED"):
        pytest.skip("compilation is optional outside CI")
    assert compiled.in_use(), "the hot modules were not compiled by pip install"
    assert compiled.stale() is None


@pytest.mark.slow
def test_compiled_and_source_give_bit_identical_runs():
    pure = _digest(pure=True)
    assert pure.pop("compiled") is False
    native = _digest(pure=False)
    if not native.pop("compiled"):
        pytest.skip("the hot modules are not compiled in this installation")
    assert native == pure


def test_every_compiled_module_exists_as_source():
    for path in compiled.SOURCES:
        assert (ROOT / path).is_file(), path
    assert set(compiled.MODULES) >= {"sim.engine.servers", "sim.engine.model", "sim.engine.case"}


def test_the_source_digest_follows_every_compiled_module(tmp_path):
    for path in compiled.SOURCES:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("# source\n")
    before = compiled.source_hash(tmp_path)
    assert compiled.source_hash(tmp_path) == before
    for path in compiled.SOURCES:
        (tmp_path / path).write_text("# source, edited\n")
        assert compiled.source_hash(tmp_path) != before, path
        (tmp_path / path).write_text("# source\n")


def test_a_stale_checkout_runs_from_source_with_a_warning(tmp_path):
    """A copy of the package whose servers.py was edited after the build imports every hot module from source."""
    binaries = [p for p in (ROOT / "sim").rglob("*") if p.suffix in (".so", ".pyd")]
    if not binaries:
        pytest.skip("the hot modules are not compiled in this installation")
    import shutil
    shutil.copytree(ROOT / "sim", tmp_path / "sim")
    for shared in ROOT.glob("divertsim__mypyc*"):
        shutil.copy2(shared, tmp_path)
    with open(tmp_path / "sim" / "engine" / "servers.py", "a") as f:
        f.write("# an edit\n")
    code = "import sim.engine.model, sim.engine.servers, sim.compiled as c; print(c.in_use(), sim.engine.model.__file__.endswith('.py'))"
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code + "; print(sim.__file__)"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", str(tmp_path / "sim" / "__init__.py")]
    assert "changed since they were compiled" in done.stderr
