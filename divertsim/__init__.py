"""``import divertsim``: the same Python API as ``import sim`` (see :mod:`sim.api`)."""

from sim import NOTICE, __version__
from sim.api import (
    CheckResult,
    CompareResult,
    RobustnessResult,
    RunResult,
    calibrate_check,
    compare,
    load,
    report,
    robustness,
    run,
)

__all__ = [
    "NOTICE",
    "__version__",
    "load",
    "run",
    "compare",
    "calibrate_check",
    "robustness",
    "report",
    "RunResult",
    "CompareResult",
    "CheckResult",
    "RobustnessResult",
]
