"""The command line: ``divertsim`` parses, calls :mod:`sim.api` and prints. Nothing below imports it.

One module per command group (:mod:`~sim.cli.running`, :mod:`~sim.cli.sweeps`,
:mod:`~sim.cli.calibration`, :mod:`~sim.cli.inspection`); the options they share are declared once
in :mod:`~sim.cli.options`, progress and Ctrl-C are met in :mod:`~sim.cli.progress`, and errors
become one line in :mod:`~sim.cli.errors`.
"""

from sim.experiments.processes import quiet_start, ready

quiet_start()  # the imports below take a second: Ctrl-C meanwhile prints one line, not a traceback

from sim.cli.app import app
from sim.cli.entry import console, main

ready()

__all__ = ["app", "console", "main"]
