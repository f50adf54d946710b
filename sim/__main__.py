"""``python -m sim`` is the ``divertsim`` command."""

import sys

from sim.cli import main
from sim.experiments import allocator

allocator.tune()  # this process is divertsim's own (see sim.experiments.allocator)
sys.exit(main())
