"""What a comparison reads case by case: each first-time detection's fate, and reoffending by route.

Replication r of two scenarios sees the same first-time detections in the same order with the
same draws, so comparing what each came to under each scenario is exact for the run (who a
diversion takes, and what they would have met otherwise). Reoffending per person-year at risk is
read by the route a person was on at each moment, so routes compare like with like.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.case import ORIGINS
from sim.engine.record import STATE_BITS
from sim.engine.states import S
from sim.results.translog import TransitionLog, mask, risk_spans

if TYPE_CHECKING:
    from sim.engine.model import Model

#: fate codes of a first-time detection (RepResult.fates): what it came to by the horizon
FATE_OPEN, FATE_PROSECUTED, FATE_CAUTIONED, FATE_NFA, FATE_DIVERTED, FATE_DISPLACED = range(6)
FATES = ("open", "prosecuted", "cautioned", "nfa", "diverted", "displaced")
_DIVERSION_STATES = (S.SCHEME_WAITING, S.CAUTION_ASSESSMENT)
_NFA_STATES = (S.CLOSED_NFA_POLICE, S.CLOSED_NFA_DECISION, S.CLOSED_NFA_CPS, S.CLOSED_NFA_ATTRITION)
_CAUTION_STATES = (S.CLOSED_SIMPLE_CAUTION,)


#: the route a person is on in each state, for reoffending per person-year at risk
AWAITING = "awaiting_prosecution"


def _route_of_states() -> list[str]:
    from sim.engine.routes.outcomes import OPEN_ROUTE, REOFFEND_ROUTE

    routes = [AWAITING] * (1 << STATE_BITS)
    for state, route in {**OPEN_ROUTE, **REOFFEND_ROUTE}.items():
        routes[state] = route
    return routes


def reoffending_by_route(model: Model, log: TransitionLog) -> dict[str, list[float]]:
    """Reoffences and person-years at risk in the observed window, by the route each person was on.

    Every case is at risk from its first entry in the log for ``reoffending.window_years`` at
    liberty (custody does not count) or until it reoffends; each interval of the log counts for
    the route of its state (awaiting prosecution, in a diversion, or after the case ended on a
    route), and a reoffence for the route its person was on when it happened. With equal route
    multipliers the hazard is the same everywhere, so every route shows the same rate up to noise.
    """
    rec = model.rec
    W, H = model.observed_from, model.horizon
    t0, end, jail_to = risk_spans(model, log)
    src = rec.reoffence_case
    case = log.case
    lo = np.maximum(np.maximum(log.time, t0[case]), W)
    jailed = log.state == S.CLOSED_CUSTODY
    lo[jailed] = np.maximum(lo[jailed], jail_to[case[jailed]])
    hi = np.minimum(np.minimum(log.until, end[case]), H)
    years = np.clip(hi - lo, 0.0, None) / 365.25
    names = _route_of_states()
    route_code = {name: i for i, name in enumerate(dict.fromkeys(names))}
    code_of_state = np.array([route_code[r] for r in names])
    row_route = code_of_state[log.state]
    py = np.bincount(row_route, years, len(route_code))
    # each reoffence counts for the route of the state its person was in when it happened
    t_re = rec.reoffence_t
    keep = (t_re >= W) & (t_re < H)
    hits = np.zeros(len(route_code))
    if np.any(keep):
        # each reoffender's last entry, then back along its entries to the one before the reoffence
        # (the state just before it: a reoffence that ends a diversion counts for the diversion)
        last = np.ones(len(case), dtype=bool)
        last[log.prev[log.prev >= 0]] = False
        last_row = np.full(model.cases_created, -1)
        last_row[case[last]] = np.flatnonzero(last)
        row, t = last_row[src[keep]], t_re[keep]
        while True:
            back = log.time[row] >= t
            if not back.any():
                break
            row[back] = log.prev[row[back]]
        hits = np.bincount(row_route[row], None, len(route_code)).astype(float)
    return {name: [float(hits[i]), float(py[i])] for name, i in route_code.items() if py[i] > 0 or hits[i] > 0}


def fates(model: Model, log: TransitionLog) -> bytes:
    """What each first-time detection (in arrival order, displaced ones included) came to by the horizon.

    Diverted (referred to the scheme or a conditional caution) comes first, then prosecuted (received
    by the court), cautioned, no further action, else still open. Replication r of two scenarios
    sees the same detections in the same order with the same draws, so comparing these codes
    case by case shows what those diverted would have met under the other scenario."""
    rec = model.rec
    origin = rec.arrival_origin
    external = np.flatnonzero(origin == ORIGINS.index("external"))  # case ids are creation order
    code = np.full(len(origin), FATE_OPEN, dtype=np.int8)
    for states, fate in (
        (_NFA_STATES, FATE_NFA),
        (_CAUTION_STATES + (S.CLOSED_CONDITIONAL_CAUTION,), FATE_CAUTIONED),
        ((S.MAGS_FOR_FIRST,), FATE_PROSECUTED),
        (_DIVERSION_STATES, FATE_DIVERTED),
    ):
        rows = mask(log, states) & (log.time < model.horizon)
        code[log.case[rows]] = fate
    made = code[external]
    # detections displaced by a self-referral have no case: they are marked where they would have come
    displaced = np.sort(rec.displaced_t)
    if not len(displaced):
        return made.tobytes()
    times = np.concatenate((rec.arrival_t[external], displaced))
    kinds = np.concatenate((made, np.full(len(displaced), FATE_DISPLACED, dtype=np.int8)))
    return kinds[np.argsort(times, kind="stable")].tobytes()
