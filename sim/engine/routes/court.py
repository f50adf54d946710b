"""Charging and the courts: magistrates' court and Crown Court as lists of courtroom sitting time.

The charging decision takes lawyer time from a finite pool; charged cases are received by the
magistrates' court for a first hearing after a listing delay. There a share is sent to the Crown
Court (plea and trial preparation hearing after the sending delay); the rest stay. A guilty plea
leads to sentence (after a pre-sentence report where one is needed); a not-guilty plea to a trial
listing once the case is ready. A listing may be ineffective and relisted; at the listing that goes
ahead a share of not-guilty pleas change to guilty (a cracked trial: a short hearing, then
sentence); the rest are tried, then a verdict. Every hearing takes sitting hours of its level.

A level is *shared* by default (:mod:`sim.engine.lists`): its sitting days are the national allocation and
these cases' hearings queue among the rest of the caseload, so what they free is used by other
work. A *dedicated* level (``shared = false``) serves these cases alone on its sitting days (a
:class:`~sim.engine.servers.ServerPool`, the textbook queue the oracles check).

The Crown Court waiting time is the Ministry of Justice's measure: from receipt (sending) to the
main hearing, which is the start of the trial for a trial, and for a guilty plea the hearing at
which the plea is entered (the plea and trial preparation hearing, or the trial date when a trial
cracks).
"""

from __future__ import annotations

import math
from typing import Final, cast

import numpy as np

from sim.engine.arrivals import daily_rates
from sim.engine.calendar import level_by_day, servers_by_day, sitting_days_to_rooms, working_mask
from sim.engine.case import (
    CHARGED,
    CONVICTED,
    GUILTY,
    LATE_GUILTY,
    PSR,
    RELISTINGS,
    TO_CROWN,
    Block,
    Case,
    Layout,
    Sampler,
    field,
)
from sim.engine.context import Context
from sim.engine.lists import FIRST as BG_FIRST
from sim.engine.lists import (
    MAIN_CRACKED,
    MAIN_PLEA,
    MAIN_TRIAL,
    Flow,
    SharedList,
)
from sim.engine.lists import (
    SENTENCE as BG_SENTENCE,
)
from sim.engine.lists import (
    TRIAL as BG_TRIAL,
)
from sim.engine.routes.outcomes import Outcomes
from sim.engine.routes.stage import Stage
from sim.engine.servers import INF, Job, Receiver, ServerPool
from sim.engine.states import S
from sim.inputs.scenario import CourtLevel

# kind of hearing a case is listed for (Final: compiled, each is a constant, not a global's lookup)
FIRST: Final = 0
PTPH: Final = 1
TRIAL: Final = 2
SENTENCE: Final = 3
SHORT: Final = 0  # the priority class of short hearings
LONG: Final = 1
# the stage's pools
CHARGING: Final = 0
MAGS: Final = 1
CROWN: Final = 2


class Level:
    """One court level: its list and the states and draws its hearings use."""

    def __init__(
        self,
        ctx: Context,
        layout: Layout,
        name: str,
        cfg: CourtLevel,
        first: Sampler,
        receiver: Receiver,
        crown: bool,
        states: tuple[int, int],
    ) -> None:
        cal = ctx.cal
        level = level_by_day(cal, cfg.sitting_days_per_month, ctx.sc.steps(f"court.{name}.sitting_days_per_month"))
        rooms = sitting_days_to_rooms(level, cfg.sitting_days_per_week)
        counts = servers_by_day(rooms, working_mask(cal, cfg.sitting_days_per_week))
        classes = 1 if cfg.listing == "fifo" else 2
        tag = CROWN if crown else MAGS
        self.shared = cfg.shared
        self.pool: ServerPool | SharedList
        if cfg.shared:
            weight = INF if cfg.listing == "short_first" else cfg.short_hearing_weight
            flow = background_flow(ctx, cfg, crown)
            shared = SharedList(name, counts, receiver, classes, tag, weight, flow)
            place_initial_background(shared, flow, cfg, ctx.streams[f"court.{name}.background.initial"])
            self.pool = shared
        else:
            self.pool = ServerPool(name, counts, receiver, n_classes=classes, tag=tag)
        self.long = LONG if classes == 2 else SHORT
        self.ineffective_work = ctx.sc.court.ineffective_hours / cfg.hours_per_sitting_day
        self.crown = crown
        self.for_trial, self.for_sentence = states
        # each hearing's length, drawn as work in this level's sitting days
        scale = 1 / cfg.hours_per_sitting_day
        self._c_first = layout.sample(f"court.{name}.{'ptph' if crown else 'first_hearing'}_hours", first, scale)
        self._c_trial = layout.sample(f"court.{name}.trial_hours", cfg.trial_hours, scale)
        self._c_cracked = layout.sample(f"court.{name}.cracked_hours", cfg.cracked_hours, scale)
        self._c_sentence = layout.sample(f"court.{name}.sentence_hours", cfg.sentence_hours, scale)

    def first_work(self, case: Case) -> float:
        """Sitting time of the level's first hearing (in the Crown Court, the plea and trial preparation hearing)."""
        return case.draw(self._c_first)

    def trial_work(self, case: Case) -> float:
        """Sitting time of the listing that goes ahead: a cracked trial's short hearing, or the trial."""
        return case.draw(self._c_cracked if case.bits & LATE_GUILTY else self._c_trial)

    def sentence_work(self, case: Case) -> float:
        return case.draw(self._c_sentence)


def background_flow(ctx: Context, cfg: CourtLevel, crown: bool) -> Flow:
    """The rest of the level's caseload as :class:`~sim.engine.lists.Flow`: Poisson receipts by day."""
    bg = cfg.background
    court = ctx.sc.court
    hours = cfg.hours_per_sitting_day
    level = "crown" if crown else "magistrates"
    rates = daily_rates(
        ctx.cal, bg.receipts_per_month, 0.0, ctx.sc.steps(f"court.{level}.background.receipts_per_month")
    )
    gen = ctx.streams[f"court.{'crown' if crown else 'magistrates'}.background.receipts"]
    receipts = gen.poisson(rates).astype(float)
    first_rate = float(rates[0]) if len(rates) else 0.0
    sent = 0.0 if crown else float(getattr(bg, "sent_to_crown_share", 0.0))
    return Flow(
        receipts.tolist(),
        bg.first_hearing_days,
        sent,
        bg.guilty_plea_share,
        bg.psr_share,
        court.psr_delay_days.mean,
        bg.trial_ready_days,
        court.ineffective_trial_share,
        court.relist_delay_days.mean,
        bg.late_guilty_plea_share,
        bg.conviction_at_trial,
        (bg.first_hearing_hours + bg.other_hours) / hours,
        bg.trial_hours / hours,
        bg.cracked_hours / hours,
        court.ineffective_hours / hours,
        bg.sentence_hours / hours,
        first_rate,
    )


def place_initial_background(lst: SharedList, flow: Flow, cfg: CourtLevel, gen: np.random.Generator) -> None:
    """The level's open caseload at the start: cases between hearings in the proportions a steady
    flow at the first day's receipts would hold, and the rest waiting in the trial list, received
    uniformly up to ``initial_max_age_days`` before the start."""
    bg = cfg.background
    total = bg.initial_cases
    if total <= 0:
        return
    r = flow.first_rate
    stay = 1.0 - flow.sent_share
    g = flow.guilty_share
    to_trial = stay * (1 - g)
    convicted = stay * g + to_trial * (flow.cracked_share + (1 - flow.cracked_share) * flow.conviction_share)
    stages = [
        (BG_FIRST, r * flow.first_delay, flow.first_delay),
        (BG_TRIAL, r * to_trial * flow.trial_ready, flow.trial_ready),
        (BG_SENTENCE, r * convicted * flow.psr_share * flow.psr_delay, flow.psr_delay),
    ]
    pipeline = sum(n for _, n, _ in stages)
    scale = min(1.0, total / pipeline) if pipeline > 0 else 0.0
    parts = 8
    for kind, n, delay in stages:  # mid-way through their delay, evenly
        for k in range(parts):
            ready = delay * (k + 0.5) / parts
            lst.place_initial(n * scale / parts, kind, ready, ready - delay)
    queued = total - pipeline * scale
    if queued <= 0:
        return
    short = queued * _short_share(lst, flow, to_trial, convicted)
    if short > 0:  # first hearings waiting for a slot: the short queue a loaded list holds, up to four weeks old
        for k in range(parts):
            age = 28.0 * (k + 0.5) / parts
            lst.place_initial(short / parts, BG_FIRST, -age, -age - flow.first_delay)
    trials = queued - short
    ages = np.sort(gen.random(parts * 4))[::-1] * bg.initial_max_age_days
    for age in ages.tolist():  # waiting for a trial listing since they were ready, oldest first
        lst.place_initial(trials / len(ages), BG_TRIAL, -age, -age - flow.first_delay - flow.trial_ready)


def _short_share(lst: SharedList, flow: Flow, to_trial: float, convicted: float) -> float:
    """The share of a loaded list's waiting cases that wait for a short hearing.

    A list with two classes gives the short class a share ``w q0 / (w q0 + q1)`` of each day, by
    queued work ``q``; held at capacity, each class's share equals its share of the work demanded,
    so in the steady state ``q0 / q1 = D0 / (w D1)``. Starting with every waiting case in the trial
    queue instead starves first hearings for months while the short queue builds, a start-up
    transient that the evidence does not show. Returns 0 for a first-come list or no weighting."""
    w = lst.short_weight
    if lst.n_classes != 2 or not np.isfinite(w) or w <= 0 or flow.listing_work <= 0:
        return 0.0
    stay = 1.0 - flow.sent_share
    d0 = stay * flow.first_work + convicted * flow.psr_share * flow.sentence_work  # short work per case received
    d1 = to_trial * flow.listing_work / max(1e-9, 1.0 - flow.ineffective_share)
    if d1 <= 0:
        return 0.0
    work_ratio = d0 / (w * d1)  # queued short work over queued long work
    n_ratio = work_ratio * flow.listing_work / flow.first_work if flow.first_work > 0 else 0.0  # in cases
    return n_ratio / (1.0 + n_ratio)


class CourtRoute(Stage):
    """The charging decision and both court levels; its cases end with the outcomes stage."""

    outcomes: Outcomes

    def __init__(self, ctx: Context, layout: Layout) -> None:
        self.ctx = ctx
        sc = ctx.sc
        court = sc.court
        self.cfg = court
        ch = court.charging
        level = level_by_day(ctx.cal, ch.lawyers)
        self.lawyers = ServerPool(
            "charging", servers_by_day(level, working_mask(ctx.cal, ch.working_days_per_week)), self, tag=CHARGING
        )
        self.mags = Level(
            ctx,
            layout,
            "magistrates",
            court.magistrates,
            court.magistrates.first_hearing_hours,
            self,
            False,
            (S.MAGS_FOR_TRIAL, S.MAGS_FOR_SENTENCE),
        )
        self.crown = Level(
            ctx,
            layout,
            "crown",
            court.crown,
            court.crown.ptph_hours,
            self,
            True,
            (S.CROWN_FOR_TRIAL, S.CROWN_FOR_SENTENCE),
        )
        # what each case carries for this stage
        layout.yes_no("court.allocation", TO_CROWN, court.crown_share)
        layout.yes_no("court.verdict", CONVICTED, court.conviction_at_trial)
        layout.yes_no("court.psr", PSR, court.psr_share)
        layout.yes_no("court.late_plea", LATE_GUILTY, court.late_guilty_plea_share)
        layout.yes_no("court.charge", CHARGED, *sc.by_admission(ch.charge_share, ch.charge_admission_odds_ratio))
        layout.yes_no(
            "court.plea", GUILTY, *sc.by_admission(court.guilty_plea_share, court.guilty_plea_admission_odds_ratio)
        )
        self._c_charging = layout.sample("court.charging.effort_days", ch.effort_days)
        self._c_first_hearing_delay = layout.sample("court.first_hearing_delay_days", court.first_hearing_delay_days)
        self._c_sending_delay = layout.sample("court.sending_delay_days", court.sending_delay_days)
        self._c_trial_ready = layout.sample("court.trial_ready_days", court.trial_ready_days)
        self._c_psr_delay = layout.sample("court.psr_delay_days", court.psr_delay_days)
        self._c_relist_delay = layout.sample("court.relist_delay_days", court.relist_delay_days)
        p = court.ineffective_trial_share
        self._log_ineffective = math.log(p) if 0 < p < 1 else None
        layout.decide(self.decide, "court.ineffective_listings")

    def connect(self, outcomes: Outcomes) -> None:
        """Where this stage's cases go next: every case ends here, with the outcomes stage."""
        self.outcomes = outcomes

    def decide(self, block: Block) -> None:
        """The number of ineffective listings before each case's trial is heard: geometric in the
        ineffective share, capped."""
        court = self.cfg
        ur = block.uniform("court.ineffective_listings")
        if self._log_ineffective is None:
            relist = np.full(block.n, court.max_relistings if court.ineffective_trial_share >= 1 else 0)
        else:
            relist = np.minimum(np.floor(np.log1p(-ur) / self._log_ineffective), court.max_relistings)
        block.code(RELISTINGS, relist)

    # --------------------------------------------------------------------------------- charging
    def charge(self, case: Case, t: float) -> None:
        """Queue ``case`` for a charging decision from ``t``."""
        self.ctx.move(case, S.CHARGING, t)
        self.lawyers.push(t, case.draw(self._c_charging), case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        if tag == CHARGING:
            self._charging_starts(cast(Case, job), ready, start, end)
            return
        case = cast(Case, job)
        if case.diverted:  # a late prosecution: the court time it takes is what failure adds
            rec = self.ctx.out
            rec.late_hearing_t.append(start)
            rec.late_hearing_days.append(case.work)  # read before the hearing offers the case on
            rec.late_hearing_crown.append(1 if tag == CROWN else 0)
        if tag == MAGS:
            self._mags_starts(case, start, end)
        else:
            self._crown_starts(case, start, end)

    def _charging_starts(self, case: Case, ready: float, start: float, end: float) -> None:
        rec = self.ctx.out
        rec.charging_start_t.append(start)
        rec.charging_wait.append(start - ready)
        if case.bits & CHARGED:
            self.receive_charged(case, end, end + case.draw(self._c_first_hearing_delay))
        else:
            self.outcomes.close(case, S.CLOSED_NFA_CPS, end)

    def receive_charged(self, case: Case, t: float, ready: float) -> None:
        """A court receipt: charged at ``t``, first hearing listable from ``ready``."""
        case.t_charged = t
        case.relists_left = field(case.bits, RELISTINGS)
        case.hearing = FIRST
        self.ctx.move(case, S.MAGS_FOR_FIRST, t)
        self.mags.pool.push(ready, self.mags.first_work(case), case, SHORT)

    def send_to_crown(self, case: Case, t: float, ready: float) -> None:
        case.t_sent = t
        case.hearing = PTPH
        ctx = self.ctx
        ctx.move(case, S.CROWN_FOR_PTPH, t)
        ctx.out.crown_receipt_t.append(t)
        self.crown.pool.push(ready, self.crown.first_work(case), case, SHORT)

    # ---------------------------------------------------------------------------------- hearings
    def _mags_starts(self, case: Case, start: float, end: float) -> None:
        kind = case.hearing
        if kind == FIRST:
            if case.bits & TO_CROWN:
                self.send_to_crown(case, end, end + case.draw(self._c_sending_delay))
            else:
                self._plea(case, self.mags, start, end)
        elif kind == TRIAL:
            self._trial(case, self.mags, start, end)
        else:
            self._sentenced(case, self.mags, end)

    def _crown_starts(self, case: Case, start: float, end: float) -> None:
        kind = case.hearing
        if kind == PTPH:
            self._plea(case, self.crown, start, end)
        elif kind == TRIAL:
            self._trial(case, self.crown, start, end)
        else:
            self._sentenced(case, self.crown, end)

    def _plea(self, case: Case, level: Level, start: float, end: float) -> None:
        if case.bits & GUILTY:
            if level.crown:
                self._crown_main_hearing(case, start, MAIN_PLEA)
            self._convicted(case, level, end)
        else:
            self.list_trial(case, level, end, end + case.draw(self._c_trial_ready))

    def list_trial(self, case: Case, level: Level, t: float, ready: float) -> None:
        """Wait from ``t`` for a trial listing from ``ready``; an ineffective listing uses little time."""
        case.hearing = TRIAL
        self.ctx.move(case, level.for_trial, t)
        work = level.ineffective_work if case.relists_left > 0 else level.trial_work(case)
        level.pool.push(ready, work, case, level.long)

    def _trial(self, case: Case, level: Level, start: float, end: float) -> None:
        if case.relists_left > 0:  # ineffective: relisted
            case.relists_left -= 1
            self.list_trial(case, level, end, end + case.draw(self._c_relist_delay))
            return
        rec = self.ctx.out
        if case.bits & LATE_GUILTY:  # the trial cracks: a guilty plea on the day
            if level.crown:
                self._crown_main_hearing(case, start, MAIN_CRACKED)
            else:
                rec.mags_cracked_t.append(start)
            self._convicted(case, level, end)
            return
        case.tried = True
        if level.crown:
            self._crown_main_hearing(case, start, MAIN_TRIAL)
            rec.crown_trial_t.append(start)
            rec.crown_trial_wait.append(start - case.t_sent)
        if case.bits & CONVICTED:
            self._convicted(case, level, end)
        else:
            self._disposed(case, level, end)
            self.outcomes.close(case, S.CLOSED_ACQUITTED, end)

    def _convicted(self, case: Case, level: Level, end: float) -> None:
        if case.bits & PSR:
            case.hearing = SENTENCE
            self.ctx.move(case, level.for_sentence, end)
            level.pool.push(end + case.draw(self._c_psr_delay), level.sentence_work(case), case, SHORT)
        else:  # sentenced at the same hearing
            self._sentenced(case, level, end)

    def _crown_main_hearing(self, case: Case, start: float, kind: int) -> None:
        rec = self.ctx.out
        rec.crown_main_t.append(start)
        rec.crown_wait.append(start - case.t_sent)
        rec.crown_main_kind.append(kind)

    def _disposed(self, case: Case, level: Level, t: float) -> None:
        rec = self.ctx.out
        rec.court_disposal_t.append(t)
        rec.court_wait.append(t - case.t_charged)
        rec.court_disposal_crown.append(1 if level.crown else 0)

    def _sentenced(self, case: Case, level: Level, t: float) -> None:
        self._disposed(case, level, t)
        self.outcomes.sentence(case, t, level.crown)

    # ------------------------------------------------------------------------------- the lists
    def advance(self, until: float) -> None:
        self.lawyers.advance(until)
        self.mags.pool.advance(until)
        self.crown.pool.advance(until)

    def live(self) -> int:
        return self.lawyers.waiting() + self.mags.pool.waiting() + self.crown.pool.waiting()

    # ---------------------------------------------------------------------------- initial stock
    def initial_magistrates(self, case: Case, t: float) -> None:
        self.receive_charged(case, t, t)

    def initial_crown_trial(self, case: Case, t: float) -> None:
        case.t_charged = t
        case.t_sent = t
        case.relists_left = field(case.bits, RELISTINGS)
        self.list_trial(case, self.crown, t, t)
