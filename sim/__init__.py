"""divertsim: an illustrative discrete-event model of court load under diversion policies.

The model works on aggregate rates, shares, capacities and durations for a population of
first-time image-viewing cases. It is never a risk tool for individuals: no input describes a
person and no output scores one. Every output carries :data:`NOTICE`.
"""

__version__ = "0.1.0"

NOTICE = (
    "Illustrative policy model over aggregate rates: not a tool for assessing, scoring or predicting "
    "the risk of any individual. Figures depend on stated assumptions (see docs/assumptions.md)."
)

from sim import compiled as _compiled

_compiled.install()
