"""``python -m sim`` is the ``divertsim`` command."""

import sys

from sim.cli import main

sys.exit(main())
