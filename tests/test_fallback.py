import pytest
"""An install without a C compiler runs the source quietly: a bad argument is still one line, exit 2."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_source_only_install_reports_a_bad_argument_in_one_line(tmp_path):
    for path in ROOT.glob("sim/**/*.py"):
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    # the build record of an earlier install, for other source: nothing is compiled, so it must not matter
    (tmp_path / "sim" / "_build.py").write_text('SOURCE_HASH = "0"\n')
    env = {k: v for k, v in os.environ.items() if k != "DIVERTSIM_PURE_PYTHON"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), sysconfig.get_paths()["purelib"]])
    code = "import sim.engine.servers, sys; sys.stdout.write(sim.engine.servers.__file__)"
    where = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout == str(tmp_path / "sim" / "engine" / "servers.py") and where.stderr == ""
    done = subprocess.run([sys.executable, "-S", "-m", "sim", "run", "no-such-scenario"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: no-such-scenario"), done.stderr
