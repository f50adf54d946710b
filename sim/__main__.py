"""``python -m sim`` is the ``divertsim`` command."""

import sys

from .cli import main

sys.exit(main())
