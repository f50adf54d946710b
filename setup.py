"""Compiles the hot modules with mypyc (see sim/compiled.py); falls back to pure Python if it cannot.

Set DIVERTSIM_PURE_PYTHON=1 to skip compilation altogether. A wheel (a non-editable install) also
carries a copy of the shipped scenarios inside the package, since the top-level scenarios/ folder
is not a package (see sim.inputs.loading.shipped_dir).
"""

import importlib.util
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py


def _compiled_module():
    # sim/compiled.py alone (standard library only): importing the package would need its dependencies
    spec = importlib.util.spec_from_file_location("_divertsim_compiled", os.path.join("sim", "compiled.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record_source_hash(compiled) -> str:
    # compiled with the rest, so a build older than the source is detected (sim.compiled.stale)
    with open(os.path.join("sim", "_build.py"), "w", encoding="utf-8") as f:
        f.write('"""Written by setup.py: the digest of the source the compiled modules were built from."""\n\n'
                f'SOURCE_HASH = "{compiled.source_hash()}"\n')
    return "sim/_build.py"


def ext_modules() -> list:
    if os.environ.get("DIVERTSIM_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify

        compiled = _compiled_module()
        extensions = mypycify(["--ignore-missing-imports", "--follow-imports=silent", *compiled.SOURCES,
                               _record_source_hash(compiled)],
                              opt_level="3", group_name="divertsim")
    except (Exception, SystemExit) as exc:  # no compiler toolchain, or mypyc refused: run from source
        print(f"divertsim: not compiling the hot modules ({exc}); they will run as plain Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a failed C build leaves the pure-Python module in place
    return extensions


class build_py_with_scenarios(build_py):
    """Copy scenarios/ into the built package as sim/_shipped/scenarios (not for editable installs,
    which read the checkout's own folder)."""

    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False) and os.path.isdir("scenarios"):
            target = os.path.join(self.build_lib, "sim", "_shipped", "scenarios")
            shutil.copytree("scenarios", target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*~", ".*", "__pycache__"))


setup(ext_modules=ext_modules(), cmdclass={"build_py": build_py_with_scenarios})
