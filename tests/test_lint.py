"""The code is formatted and linted by ruff with the project's settings (``[tool.ruff]`` in pyproject.toml).

``ruff format sim divertsim`` and ``ruff check --fix sim divertsim bench`` mend most findings. The
benchmarks are linted too (they are run from a checkout and quoted in the docs), not formatted.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ["sim", "divertsim"]


def _ruff(*args: str, code: tuple[str, ...] = tuple(CODE)) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args, *code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_code_is_formatted():
    done = _ruff("format", "--check")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def test_lint_is_clean():
    done = _ruff("check", "--output-format", "concise", code=(*CODE, "bench"))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def test_the_lint_can_fail(tmp_path):
    """The check reads what it is given: an unused import and an unformatted line are both found."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx=1\n")
    config = ["--config", str(ROOT / "pyproject.toml")]
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", *config, str(bad)], capture_output=True, text=True)
    fmt = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", *config, str(bad)], capture_output=True,
                         text=True)
    assert lint.returncode == 1 and "F401" in lint.stdout
    assert fmt.returncode == 1
