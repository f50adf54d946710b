"""One replication of the whole pipeline as a SimPy model.

Processes:

* ``arrivals`` and ``self_referrals``: one event per new case, at its arrival time;
* ``daily_lists``: once a day, every stage with finite capacity (forensic examiners, assessors,
  treatment places, scheme groups, charging lawyers, magistrates' and Crown courtrooms) draws up
  that day's list in pipeline order, starting each job at its exact time (see
  :mod:`sim.servers`). Stages hand a case on with the time it becomes ready for its next step, so
  a case costs a few heap operations per stage and no event of its own.

Everything the run produces is appended to a :class:`~sim.record.Record`; :mod:`sim.metrics`
turns it into results.
"""

from __future__ import annotations

import gc
import heapq
from typing import Any

import numpy as np
import simpy

from .arrivals import arrival_times, daily_rates
from .calendar import Calendar
from .case import ARRESTED, ORIGINS, Case, CaseFactory
from .record import STATE_BITS, Record
from .routes.caution import CautionRoute
from .routes.court import CourtRoute
from .routes.outcomes import Outcomes
from .routes.police import PoliceRoute
from .routes.scheme import SchemeRoute
from .routes.self_referral import SelfReferralRoute
from .scenario import Scenario
from .states import S
from .streams import Streams


class Model:
    """The pipeline for one (scenario, seed, replication)."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None) -> None:
        self.sc = scenario
        self.replication = replication
        self.seed = scenario.run.seed if seed is None else seed
        self.cal = Calendar(scenario.run.start_date, scenario.run.months)
        self.horizon = self.cal.horizon
        self.streams = Streams(self.seed, replication)
        self.env = simpy.Environment()
        self.rec = Record()
        self.factories = {o: CaseFactory(scenario, self.streams, o) for o in ORIGINS}
        self._next_id = 0
        log = self.rec.log
        self._log_key, self._log_time = log.key.append, log.time.append

        # stages, in the order they draw up each day's list
        self.outcomes = Outcomes(self)
        self.police = PoliceRoute(self)
        self.caution = CautionRoute(self)
        self.self_referral = SelfReferralRoute(self)
        self.scheme = SchemeRoute(self)
        self.court = CourtRoute(self)
        self._daily = [
            self.police.advance, self.caution.advance, self.self_referral.advance,
            self.scheme.advance, self.court.advance, self.outcomes.advance,
        ]
        self._reentries: list[tuple[float, int]] = []
        self._reentry_seq = 0

    # ----------------------------------------------------------------------------- case helpers
    def new_case(self, origin: str, t: float) -> Case:
        """A new case of ``origin`` arriving (or, for the initial stock, entered) at ``t``."""
        case = self.factories[origin].new()
        case.id = self._next_id
        self._next_id += 1
        rec = self.rec
        rec.arrival_t.append(t)
        rec.arrival_origin.append(case.origin)
        if origin != "initial" and case.d[ARRESTED]:
            rec.arrest_t.append(t)
        return case

    def move(self, case: Case, state: int, t: float) -> None:
        """Log that ``case`` is in ``state`` from time ``t``."""
        self._log_key(case.id << STATE_BITS | state)
        self._log_time(t)

    def schedule_reentry(self, t: float) -> None:
        """A reoffence detected at ``t`` brings a new, no-longer-first-time case."""
        if t < self.horizon:
            self.rec.reoffence_t.append(t)
            self._reentry_seq += 1
            heapq.heappush(self._reentries, (t, self._reentry_seq))

    def pop_reentries(self, until: float) -> list[float]:
        out = []
        heap = self._reentries
        while heap and heap[0][0] < until:
            out.append(heapq.heappop(heap)[0])
        return out

    # -------------------------------------------------------------------------------- processes
    def _arrivals(self, origin: str, times: Any) -> simpy.events.ProcessGenerator:
        env = self.env
        receive = self.police.receive_new if origin == "external" else self.self_referral.receive
        for t in times:
            yield env.timeout(t - env.now)
            receive(self.new_case(origin, t), t)

    def _daily_lists(self) -> simpy.events.ProcessGenerator:
        env = self.env
        stages = self._daily
        days = self.cal.days
        for day in range(1, days + 1):
            yield env.timeout(1.0)
            until = float(day)
            for advance in stages:
                advance(until)

    def run(self) -> Record:
        """Run to the horizon and return what was recorded."""
        sc = self.sc
        env = self.env
        self.police.load_initial_stock()
        ext = daily_rates(self.cal, sc.arrivals.per_month, sc.arrivals.annual_growth,
                          [(s.from_month, s.per_month) for s in sc.arrivals.schedule])
        env.process(self._arrivals("external", arrival_times(
            ext, self.streams["arrivals.times"], sc.arrivals.process == "deterministic")))
        if sc.self_referral.per_month > 0:
            sr = daily_rates(self.cal, sc.self_referral.per_month)
            env.process(self._arrivals("self_referral", arrival_times(
                sr, self.streams["self_referral.times"], sc.arrivals.process == "deterministic")))
        env.process(self._daily_lists())
        collecting = gc.isenabled()
        gc.disable()  # the run creates no garbage cycles; collection would only rescan live cases
        try:
            env.run(until=self.horizon + 0.5)
        finally:
            if collecting:
                gc.enable()
        return self.rec

    # ------------------------------------------------------------------------------- accounting
    def live_cases(self) -> int:
        """Cases held anywhere in the model's structures at the end (for the conservation check)."""
        return (self.police.live() + self.caution.live() + self.self_referral.live()
                + self.scheme.live() + self.court.live() + self.outcomes.live())

    def pools(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Servers sitting and server-days used on each day, per capacity pool."""
        pools = {
            "forensics": self.police.examiners, "charging": self.court.lawyers,
            "magistrates": self.court.mags.pool, "crown": self.court.crown.pool,
            "caution_assessors": self.caution.assessors, "self_referral_assessors": self.self_referral.assessors,
            "treatment_places": self.self_referral.places,
        }
        return {name: (np.asarray(p.counts, dtype=float), np.asarray(p.busy_by_day)) for name, p in pools.items()}

    @property
    def cases_created(self) -> int:
        return self._next_id


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> tuple[Model, Record]:
    """Build and run one replication."""
    model = Model(scenario, replication, seed)
    rec = model.run()
    return model, rec


__all__ = ["Model", "run_replication", "S"]
