"""Compiles the hot modules with mypyc (see sim/compiled.py); falls back to pure Python if it cannot.

Set DIVERTSIM_PURE_PYTHON=1 to skip compilation altogether.
"""

import os
import sys

from setuptools import setup


def _sources() -> list[str]:
    # read the list from sim/compiled.py without importing the package (its dependencies may be missing)
    namespace: dict = {}
    with open(os.path.join("sim", "compiled.py"), encoding="utf-8") as f:
        text = f.read()
    start = text.index("SOURCES = (")
    exec(text[start:text.index(")\n", start) + 2], namespace)
    return list(namespace["SOURCES"])


def ext_modules() -> list:
    if os.environ.get("DIVERTSIM_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify

        extensions = mypycify(["--ignore-missing-imports", "--follow-imports=silent", *_sources()],
                              opt_level="3", group_name="divertsim")
    except (Exception, SystemExit) as exc:  # no compiler toolchain, or mypyc refused: run from source
        print(f"divertsim: not compiling the hot modules ({exc}); they will run as plain Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a failed C build leaves the pure-Python module in place
    return extensions


setup(ext_modules=ext_modules())
