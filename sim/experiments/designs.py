"""Experimental designs: the points a sweep runs, from a sweep file's factors.

* ``grid``: the full factorial product of each factor's values;
* ``lhs``: a Latin hypercube of ``samples`` points (``scipy.stats.qmc.LatinHypercube``);
* ``sobol``: a scrambled Sobol' sequence of ``samples`` points (``scipy.stats.qmc.Sobol``),
  space-filling, for exploring the response;
* ``saltelli``: Saltelli's sample for Sobol' indices (SALib), ``samples`` x (factors + 3) rows;
* ``morris``: ``samples`` Morris trajectories (SALib), ``samples`` x (factors + 2) rows.

For the last two the replication is an extra input in [0, 1), mapped to one of
``replication_pool`` replications, so the model's noise gets a sensitivity index of its own.
Every design is a pure function of the sweep file, seed included.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.experiments.sweepfile import SweepSpec

REPLICATION = "replication"


@dataclass(frozen=True)
class Design:
    """The points of a sweep: factor values per point and the replications each point runs."""

    factors: list[str]
    values: list[tuple[float, ...]]  # one tuple of factor values per point
    reps: list[list[int]]  # the replications each point runs
    inputs: np.ndarray | None = None  # the analysed inputs (factors + replication) per row, if any
    problem: dict | None = None  # the SALib problem the inputs belong to

    @property
    def tasks(self) -> int:
        return sum(len(r) for r in self.reps)


def _problem(spec: SweepSpec) -> dict:
    names = list(spec.factors) + [REPLICATION]
    bounds = [[f.min, f.max] for f in spec.factors.values()] + [[0.0, 1.0]]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _scale(unit: np.ndarray, spec: SweepSpec) -> np.ndarray:
    lo = np.array([f.min for f in spec.factors.values()], dtype=float)
    hi = np.array([f.max for f in spec.factors.values()], dtype=float)
    return lo + unit * (hi - lo)


def _rounded(x: np.ndarray, spec: SweepSpec) -> list[tuple[float, ...]]:
    out = x.copy()
    for j, f in enumerate(spec.factors.values()):
        if f.integer:
            out[:, j] = np.round(out[:, j])
    return [tuple(float(v) for v in row) for row in out]


def build(spec: SweepSpec) -> Design:
    """The design a sweep file asks for."""
    names = list(spec.factors)
    fixed_reps = list(range(spec.reps))
    if spec.design == "grid":
        values = [tuple(p) for p in itertools.product(*(f.grid_values() for f in spec.factors.values()))]
        return Design(names, values, [fixed_reps for _ in values])
    rng = np.random.default_rng(spec.seed)
    if spec.design in ("lhs", "sobol"):
        from scipy.stats import qmc  # imported here: scipy.stats is heavy and most commands never need it

        d = len(names)
        engine = qmc.LatinHypercube(d=d, seed=rng) if spec.design == "lhs" else qmc.Sobol(d=d, scramble=True, seed=rng)
        values = _rounded(_scale(engine.random(spec.samples), spec), spec)
        return Design(names, values, [fixed_reps for _ in values])
    problem = _problem(spec)
    if spec.design == "saltelli":
        from SALib.sample import sobol as saltelli

        x = saltelli.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, spec.samples, num_levels=spec.morris_levels, seed=spec.seed)
    pool = spec.replication_pool
    reps = [[min(int(u * pool), pool - 1)] for u in x[:, -1]]
    return Design(names, _rounded(x[:, :-1], spec), reps, inputs=x, problem=problem)
