"""divertsim: an illustrative discrete-event model of court load under diversion policies.

The model works on aggregate rates, shares, capacities and durations for a population of
first-time image-viewing cases. It is never a risk tool for individuals: no input describes a
person and no output scores one. Every output carries :data:`NOTICE`.

The Python API (:mod:`sim.api`: ``sim.run``, ``sim.compare``, ``sim.sweep`` ...) is reached from
here on first use, not imported with the package: a worker process imports ``sim`` to run a
replication and has no use for what the API brings with it (pandas, the report's matplotlib).
"""

from typing import Any

__version__ = "0.1.0"

NOTICE = (
    "Illustrative policy model over aggregate rates: not a tool for assessing, scoring or predicting "
    "the risk of any individual. Figures depend on stated assumptions (see docs/assumptions.md)."
)

from sim import compiled as _compiled

_compiled.install()


def __getattr__(name: str) -> Any:
    """``sim.run`` and the rest of :data:`sim.api.__all__`, imported when first asked for (PEP 562).
    A private name is never the API: probes such as ``from sim import _build`` do not import it."""
    if not name.startswith("_"):
        import sim.api as api  # the one import up the pipeline, named as such in tests/test_layers.py

        if name in api.__all__:
            return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
