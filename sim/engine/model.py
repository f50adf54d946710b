"""One replication of the whole pipeline as a SimPy model.

Two processes, each ticking once a day and running in this order on every day:

* ``intake``: the day's new cases (first-time detections, self-referrals, reoffenders' new cases,
  and the new cases of people detected before the start), each at its exact arrival time,
  interviewed and routed; a detection that a self-referral made unnecessary does not happen;
* ``lists``: every stage with finite capacity, in pipeline order: police (forensic examiners),
  caution (assessors), self-referral (assessors, treatment places), scheme (group places), court
  (charging lawyers, magistrates' and Crown courtrooms), draws up the day's list, starting
  every job at its exact time (see :mod:`sim.engine.servers`), and hands the case on with the time it
  becomes ready for its next step. A case therefore costs a few list operations per stage and
  no event of its own, while no time is rounded to days. (One process for all the stages rather
  than one each: the order is the same, and a SimPy event costs more than a stage's quiet day.)

The model builds one object per stage (:mod:`sim.engine.routes`), hands each the replication's
shared :class:`~sim.engine.context.Context` and the :class:`~sim.engine.case.Layout` on which it
declares what its cases carry (its decisions and draws), then tells each where its cases go next
(``Model._connect``, the flow diagram). The case factory of each origin draws what the layout holds.

Everything the run produces is appended to a :class:`~sim.engine.record.Record` (``Model.out``) and
sealed into NumPy arrays at the end (``Model.rec``); :mod:`sim.results.metrics` turns those into results.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import simpy

from sim.engine.arrivals import arrival_times, daily_rates
from sim.engine.calendar import DAYS_PER_MONTH, Calendar
from sim.engine.case import ARRESTED, INITIAL, ORIGINS, Case, CaseFactory, Layout
from sim.engine.context import Context
from sim.engine.record import Record
from sim.engine.routes.caution import CautionRoute
from sim.engine.routes.court import CourtRoute
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.police import PoliceRoute
from sim.engine.routes.scheme import SchemeRoute
from sim.engine.routes.self_referral import SelfReferralRoute
from sim.engine.routes.stage import Stage
from sim.engine.servers import INF
from sim.engine.states import S
from sim.engine.streams import Streams
from sim.inputs.scenario import Scenario

FLUSH_DAYS = 64  # how often the record's lists are packed into arrays


class _Arrivals:
    """One source of new cases: its factory, its next arrival and where its cases go."""

    def __init__(self, kind: int, factory: CaseFactory, blocks: Iterator[list[float]]) -> None:
        self.kind = kind  # DETECTED: to the police; SELF_REFERRED: to the self-referral route
        self.factory = factory
        self.blocks = blocks
        self.times: list[float] = []
        self.i = 0
        self.next = INF
        self.step()

    def step(self) -> None:
        """Move on to the next arrival time (infinity once there is none)."""
        if self.i >= len(self.times):
            self.times = next(self.blocks, [])
            self.i = 0
            if not self.times:
                self.next = INF
                return
        self.next = self.times[self.i]
        self.i += 1


DETECTED = 0
SELF_REFERRED = 1
FIRST_TIME_DETECTIONS = 2  # detected, and thinned by the self-referrals that displace them


class _CollectorPaused:
    """``with _CollectorPaused():`` the cyclic garbage collector does not run (it is restored after).

    Building and running a model makes no garbage cycles (reference counting frees every closed
    case), but it allocates millions of objects, each of which counts towards the collector's next
    pass, and a pass would only rescan the tens of thousands of live cases and the pools' lists."""

    def __enter__(self) -> None:
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was:
            gc.enable()


class Model:
    """The pipeline for one (scenario, seed, replication)."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None, trace: bool = False) -> None:
        with _CollectorPaused():
            self._build(scenario, replication, seed, trace)

    def _build(self, scenario: Scenario, replication: int, seed: int | None, trace: bool) -> None:
        self.sc = scenario
        self.replication = replication
        self.seed = scenario.run.seed if seed is None else seed
        self.cal = Calendar(scenario.run.start_date, scenario.run.months)
        self.horizon = self.cal.horizon
        self.observed_from = float(self.cal.month_edges()[scenario.run.warmup_months])
        self.streams = Streams(self.seed, replication)
        self.env = simpy.Environment()
        self.out = Record()  # what the run records, as it goes
        self.rec: Any = None  # the sealed record (NumPy arrays), once the run is over
        self._next_id = 0
        ctx = Context(scenario, self.cal, self.streams, self.out)
        # the stages, in the order they draw up each day's list; each declares on the layout what its
        # cases carry (its decisions and draws), and the factories draw just that
        layout = Layout()
        self.outcomes = Outcomes(ctx, layout)
        self.police = PoliceRoute(ctx, layout)
        self.caution = CautionRoute(ctx, layout)
        self.self_referral = SelfReferralRoute(ctx, layout)
        self.scheme = SchemeRoute(ctx, layout)
        self.court = CourtRoute(ctx, layout)
        self.stages: list[Stage] = [self.police, self.caution, self.self_referral, self.scheme, self.court]
        self._connect()
        self.factories = {o: CaseFactory(scenario, self.streams, o, layout) for o in ORIGINS}
        if trace:  # record every job's server for the event log (it changes no random number)
            for pool in self.pool_objects().values():
                pool.trace = []

    def _connect(self) -> None:
        """Where each stage's cases go next: the flow diagram.

        New cases reach the police (detections, reoffenders' new cases) or the self-referral route
        (see ``_intake``). The police send a case to charging, down a diversion a policy rule chose, or
        to closure, and a self-referral back to its route once its devices are triaged. A diversion
        that fails sends the case back to the police for prosecution (examination first if it never
        had one). Charging leads to the courts, and every case ends in the outcomes stage.
        """
        police, court, outcomes = self.police, self.court, self.outcomes
        police.connect(
            court=court, scheme=self.scheme, caution=self.caution, self_referral=self.self_referral, outcomes=outcomes
        )
        self.caution.connect(police=police, outcomes=outcomes)
        self.scheme.connect(police=police, outcomes=outcomes)
        self.self_referral.connect(police=police, outcomes=outcomes)
        court.connect(outcomes=outcomes)

    # ----------------------------------------------------------------------------- case helpers
    def new_case(self, origin: str, t: float) -> Case:
        """A new case of ``origin`` arriving (or, for the initial stock, entered) at ``t``."""
        return self._case(self.factories[origin], t)

    def _case(self, factory: CaseFactory, t: float) -> Case:
        case = factory.new(self._next_id)
        self._next_id += 1
        rec = self.out
        rec.arrival_t.append(t)
        rec.arrival_origin.append(case.origin)
        if case.origin != INITIAL and case.bits & ARRESTED:
            rec.arrest_t.append(t)
        self.outcomes.detected(case, t)
        return case

    def _place_initial_stock(self) -> None:
        """Place the scenario's initial stocks, each case aged uniformly up to ``max_age_days``."""
        ini = self.sc.initial
        ages = self.streams["initial.age"]
        court = self.court
        for stock, place in (
            (ini.forensics, self.police.investigate),
            (ini.charging, court.charge),
            (ini.magistrates, court.initial_magistrates),
            (ini.crown_trial, court.initial_crown_trial),
        ):
            if stock.cases:
                entered = sorted((-ages.random(stock.cases) * stock.max_age_days).tolist())
                for t in entered:
                    place(self.new_case("initial", t), t)

    # -------------------------------------------------------------------------------- processes
    def _intake(self, sources: list[_Arrivals]) -> simpy.events.ProcessGenerator:
        """Each day, the day's new cases at their exact arrival times, and the day's re-entries."""
        env = self.env
        police = self.police
        self_referral = self.self_referral
        outcomes = self.outcomes
        for day in range(1, self.cal.days + 1):
            yield env.timeout(1.0)
            until = float(day)
            for source in sources:
                while source.next < until:
                    t = source.next
                    kind = source.kind
                    if kind == FIRST_TIME_DETECTIONS and self_referral.displaces(t):
                        source.factory.skip()  # this person had already come forward
                        self.out.displaced_t.append(t)
                    else:
                        case = self._case(source.factory, t)
                        if kind == SELF_REFERRED:
                            self_referral.refer(case, t)
                        else:
                            police.receive(case, t)
                    source.step()
            if day % FLUSH_DAYS == 0:
                self.out.flush()
            for t, reoffender in outcomes.pop_reentries(until):
                self.out.reoffence_t.append(t)
                self.out.reoffence_case.append(reoffender)
                police.receive(self._case(self.factories["reentry"], t), t)

    def _lists(self) -> simpy.events.ProcessGenerator:
        """Once each day is over, every stage draws up its list for the day, in pipeline order."""
        env = self.env
        stages = self.stages
        for day in range(1, self.cal.days + 1):
            yield env.timeout(1.0)
            until = float(day)
            for stage in stages:
                stage.advance(until)

    def run(self) -> Any:
        """Run to the horizon and return what was recorded.

        Both processes tick once a day; SimPy runs same-time events in the order they were
        scheduled, so each day the intake goes first and the stages' lists follow.
        """
        with _CollectorPaused():
            self._simulate()
        self.rec = self.out.seal()
        return self.rec

    def _simulate(self) -> None:
        sc = self.sc
        env = self.env
        deterministic = sc.arrivals.process == "deterministic"
        self._place_initial_stock()
        a = sc.arrivals
        re = sc.reoffending
        first_time = 1.0 - re.probability if re.stationary_start else 1.0
        sources = [
            _Arrivals(
                FIRST_TIME_DETECTIONS,
                self.factories["external"],
                arrival_times(
                    daily_rates(self.cal, a.per_month, a.annual_growth, sc.steps("arrivals.per_month")) * first_time,
                    self.streams["arrivals.times"],
                    deterministic,
                ),
            )
        ]
        if re.stationary_start and re.probability > 0:
            sources.append(
                _Arrivals(
                    DETECTED,
                    self.factories["prior_reentry"],
                    arrival_times(
                        prior_reentry_rates(self.cal.days, a.per_month, re.hazard_per_day, re.window_years * 365.25),
                        self.streams["prior_reentry.times"],
                        deterministic,
                    ),
                )
            )
        if sc.self_referral.per_month > 0:
            sources.append(
                _Arrivals(
                    SELF_REFERRED,
                    self.factories["self_referral"],
                    arrival_times(
                        daily_rates(self.cal, sc.self_referral.per_month),
                        self.streams["self_referral.times"],
                        deterministic,
                    ),
                )
            )
        env.process(self._intake(sources))
        env.process(self._lists())
        env.run(until=self.horizon + 0.5)
        self.police.settle()

    # ------------------------------------------------------------------------------- accounting
    def live_cases(self) -> int:
        """Cases held anywhere in the model's structures at the end (for the conservation check)."""
        closing_later = self.outcomes.closing_later
        return (
            self.police.live()
            + self.caution.live()
            + self.self_referral.live()
            + self.scheme.live()
            + self.court.live()
            + closing_later
        )

    def pool_objects(self) -> dict[str, Any]:
        """Every capacity pool by name."""
        return {
            "forensics": self.police.examiners,
            "forensics_outsourced": self.police.outsourced,
            "charging": self.court.lawyers,
            "magistrates": self.court.mags.pool,
            "crown": self.court.crown.pool,
            "caution_assessors": self.caution.assessors,
            "self_referral_assessors": self.self_referral.assessors,
            "treatment_places": self.self_referral.places,
        }

    def court_level(self, name: str) -> Any:
        """The court level ``magistrates`` or ``crown`` (its list is ``.pool``)."""
        return self.court.mags if name == "magistrates" else self.court.crown

    def pools(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Servers sitting and server-days used on each day, per capacity pool."""
        return {
            name: (np.asarray(p.counts, dtype=float), np.asarray(p.busy_by_day))
            for name, p in self.pool_objects().items()
        }

    def dispose(self) -> None:
        """Drop every case still held, once results are computed.

        The stages refer to each other (the police and the diversions), so without this the cases of
        a finished replication would wait for the cyclic garbage collector, whose full pass costs
        tens of milliseconds per replication; emptying the containers lets reference counting free them.
        """
        for pool in self.pool_objects().values():
            pool.clear()
        self.scheme.clear()
        self.outcomes.clear()
        for factory in self.factories.values():
            factory.clear()

    @property
    def cases_created(self) -> int:
        return self._next_id


def prior_reentry_rates(days: int, per_month: float, hazard: float, window: float) -> np.ndarray:
    """Expected new cases a day, from day 0, of people detected before the start who reoffend after it.

    In a steady state with ``per_month`` detections a month, each at risk for ``window`` days at
    ``hazard`` a day, reoffences come at ``per_month`` x P(reoffend within the window) a month; of
    those at time t after the start, the ones from people detected before it are the ones whose
    reoffence came later than t after detection: rate x (exp(-hazard t) - exp(-hazard window)).
    Time in custody is ignored here (it delays a few reoffences). The model's own re-entries take
    over as this stream fades, so the re-entry stream starts at its steady level."""
    t = np.arange(days) + 0.5
    return np.clip(np.exp(-hazard * t) - math.exp(-hazard * window), 0.0, None) * per_month / DAYS_PER_MONTH


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> tuple[Model, Any]:
    """Build and run one replication."""
    model = Model(scenario, replication, seed)
    rec = model.run()
    return model, rec


__all__ = ["Model", "run_replication", "S"]
