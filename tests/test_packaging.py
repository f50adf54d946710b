"""A wheel (a non-editable install) carries the shipped scenarios, so they are found by name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FIND = """
import json
from sim.inputs.loading import list_shipped, resolve, shipped_dir
print(json.dumps({"dir": str(shipped_dir()), "names": [p.stem for p in list_shipped()],
                  "status_quo": str(resolve("status-quo"))}))
"""


@pytest.mark.slow
def test_a_wheel_carries_the_shipped_scenarios(tmp_path):
    # from a copy of the tracked files (a checkout's build/ folder could carry an older build's
    # files into the wheel), without compiling (DIVERTSIM_PURE_PYTHON): this is about the files
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    source = tmp_path / "source"
    for name in filter(None, tracked.decode().split("\0")):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    env = {**os.environ, "DIVERTSIM_PURE_PYTHON": "1"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, env=env, cwd=source, capture_output=True)
    wheel = next((tmp_path / "dist").glob("divertsim-*.whl"))
    shipped = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.toml"))
    with zipfile.ZipFile(wheel) as z:
        carried = sorted(n.removeprefix("sim/_shipped/") for n in z.namelist() if n.startswith("sim/_shipped/"))
    assert carried == shipped

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    # run away from the checkout, with the installed copy first on the path
    done = subprocess.run([sys.executable, "-c", FIND], check=True, capture_output=True, text=True,
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path / "site")})
    found = json.loads(done.stdout)
    inside = tmp_path / "site" / "sim" / "_shipped" / "scenarios"
    assert Path(found["dir"]) == inside
    assert found["names"] == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert Path(found["status_quo"]) == inside / "status-quo.toml"


def test_a_checkout_reads_its_own_scenarios_folder():
    from sim.inputs.loading import shipped_dir

    assert shipped_dir() == ROOT / "scenarios"
