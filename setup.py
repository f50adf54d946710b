"""Compiles the hot modules with mypyc (see sim/compiled.py); falls back to pure Python if it cannot.

Set DIVERTSIM_PURE_PYTHON=1 to skip compilation altogether.
"""

import hashlib
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


def _record_source_hash(sources: list[str]) -> str:
    # the same digest as sim.compiled.source_hash, compiled into the build so a stale build is detected
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    with open(os.path.join("sim", "_build.py"), "w", encoding="utf-8") as f:
        f.write('"""Written by setup.py: the digest of the source the compiled modules were built from."""\n\n'
                f'SOURCE_HASH = "{digest.hexdigest()}"\n')
    return "sim/_build.py"


def ext_modules() -> list:
    if os.environ.get("DIVERTSIM_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify

        sources = _sources()
        extensions = mypycify(["--ignore-missing-imports", "--follow-imports=silent", *sources,
                               _record_source_hash(sources)],
                              opt_level="3", group_name="divertsim")
    except (Exception, SystemExit) as exc:  # no compiler toolchain, or mypyc refused: run from source
        print(f"divertsim: not compiling the hot modules ({exc}); they will run as plain Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a failed C build leaves the pure-Python module in place
    return extensions


setup(ext_modules=ext_modules())
