"""``python -m sim`` is the ``divertsim`` command."""

from sim.cli import console

console()
