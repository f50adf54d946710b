"""A straightforward SimPy model of a much simpler flow, the yardstick for divertsim's cost per case.

Written the obvious way, as most SimPy models are: one process per case, a ``simpy.Resource`` per
server pool, one ``timeout`` per activity, random numbers drawn where they are needed. Cases
arrive as a Poisson process; 30% are offered a scheme of five sessions over four months, holding a
place (a finite resource) for the course, and 15% of them fail and go to court; the others go to
court directly, where a hearing needs one of a pool of courtrooms. The benchmark reports divertsim's
seconds per case as a ratio of this model's.
"""

from __future__ import annotations

import time

import numpy as np
import simpy

DAYS = 3652.5            # ten years
PER_DAY = 650 / (365.25 / 12)
SCHEME_SHARE = 0.3
FAIL_SHARE = 0.15
SESSIONS = 5
COURSE_DAYS = 121.75
PLACES = 1000
COURTROOMS = 12
HEARING_DAYS = 0.6


def run(seed: int = 0) -> tuple[float, int]:
    """Run ten years; return (seconds, cases that arrived)."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    places = simpy.Resource(env, capacity=PLACES)
    courts = simpy.Resource(env, capacity=COURTROOMS)
    arrived = [0]

    def court(env):
        with courts.request() as req:
            yield req
            yield env.timeout(rng.exponential(HEARING_DAYS))

    def case(env):
        if rng.random() < SCHEME_SHARE:
            with places.request() as req:
                yield req
                for _ in range(SESSIONS):
                    yield env.timeout(COURSE_DAYS / SESSIONS)
            if rng.random() >= FAIL_SHARE:
                return
        yield from court(env)

    def arrivals(env):
        while True:
            yield env.timeout(rng.exponential(1 / PER_DAY))
            arrived[0] += 1
            env.process(case(env))

    env.process(arrivals(env))
    t0 = time.perf_counter()
    env.run(until=DAYS)
    return time.perf_counter() - t0, arrived[0]


if __name__ == "__main__":  # pragma: no cover
    s, n = run()
    print(f"naive reference: {s:.2f} s for {n:,} cases, {s / n * 1e6:.1f} us per case")
