"""Charging and the courts: magistrates' court and Crown Court as pools of courtroom sitting time.

The charging decision takes lawyer time from a finite pool; charged cases are received by the
magistrates' court for a first hearing after a listing delay. There a share is sent to the Crown
Court (plea and trial preparation hearing after the sending delay); the rest stay. A guilty plea
leads to sentence (after a pre-sentence report where one is needed); a not-guilty plea to a trial,
listed once the case is ready, which may be ineffective and relisted before it is heard; then a
verdict. Every hearing consumes sitting hours of its level; a level's capacity is its sitting days
per month (optionally changing from a month on) times the hours of a sitting day. Short hearings are
listed ahead of trials unless the level lists first come, first served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from ..calendar import level_by_day, servers_by_day, sitting_days_to_rooms, working_mask
from ..case import CHARGED, CONVICTED, GUILTY, PSR, TO_CROWN, Case
from ..scenario import CourtLevel
from ..servers import Job, Receiver, ServerPool
from ..states import S

if TYPE_CHECKING:
    from ..model import Model

# kind of hearing a case is listed for (Final: compiled, each is a constant, not a global's lookup)
FIRST: Final = 0
PTPH: Final = 1
TRIAL: Final = 2
SENTENCE: Final = 3
SHORT: Final = 0  # the priority class of short hearings
# the stage's pools
CHARGING: Final = 0
MAGS: Final = 1
CROWN: Final = 2


class Level:
    """One court level: its courtrooms and the states and draws its hearings use."""

    def __init__(self, m: "Model", name: str, cfg: CourtLevel, receiver: Receiver, crown: bool,
                 states: tuple[int, int]) -> None:
        # hearing lengths arrive in the case's row as work in this level's sitting days
        level = level_by_day(m.cal, cfg.sitting_days_per_month, [(s.from_month, s.value) for s in cfg.schedule])
        rooms = sitting_days_to_rooms(level, cfg.sitting_days_per_week)
        counts = servers_by_day(rooms, working_mask(m.cal, cfg.sitting_days_per_week))
        short_first = cfg.listing == "short_first"
        self.pool = ServerPool(name, counts, receiver, n_classes=2 if short_first else 1, tag=CROWN if crown else MAGS)
        self.long = 1 if short_first else 0
        self.ineffective_work = m.sc.court.ineffective_hours / cfg.hours_per_sitting_day
        self.crown = crown
        self.for_trial, self.for_sentence = states

    def trial_work(self, case: Case) -> float:
        return case.crown_trial_work if self.crown else case.mags_trial_work

    def sentence_work(self, case: Case) -> float:
        return case.crown_sentence_work if self.crown else case.mags_sentence_work


class CourtRoute(Receiver):
    def __init__(self, m: "Model") -> None:
        self.m = m
        sc = m.sc
        court = sc.court
        ch = court.charging
        level = level_by_day(m.cal, ch.lawyers)
        self.lawyers = ServerPool("charging", servers_by_day(level, working_mask(m.cal, ch.working_days_per_week)),
                                  self, tag=CHARGING)
        self.mags = Level(m, "magistrates", court.magistrates, self, False,
                          (S.MAGS_FOR_TRIAL, S.MAGS_FOR_SENTENCE))
        self.crown = Level(m, "crown", court.crown, self, True,
                           (S.CROWN_FOR_TRIAL, S.CROWN_FOR_SENTENCE))

    # --------------------------------------------------------------------------------- charging
    def charge(self, case: Case, t: float) -> None:
        """Queue ``case`` for a charging decision from ``t``."""
        self.m.move(case, S.CHARGING, t)
        self.lawyers.push(t, case.charging_days, case)

    def started(self, tag: int, job: Job, cls: int, ready: float, start: float, end: float) -> None:
        if tag == MAGS:
            self._mags_starts(cast(Case, job), start, end)
        elif tag == CROWN:
            self._crown_starts(cast(Case, job), start, end)
        else:
            self._charging_starts(cast(Case, job), ready, start, end)

    def _charging_starts(self, case: Case, ready: float, start: float, end: float) -> None:
        m = self.m
        m.out.charging_start_t.append(start)
        m.out.charging_wait.append(start - ready)
        if case.bits & CHARGED:
            self.receive_charged(case, end, end + case.first_hearing_delay)
        else:
            m.outcomes.close(case, S.CLOSED_NFA_CPS, end)

    def receive_charged(self, case: Case, t: float, ready: float) -> None:
        """A court receipt: charged at ``t``, first hearing listable from ``ready``."""
        case.t_charged = t
        case.hearing = FIRST
        self.m.move(case, S.MAGS_FOR_FIRST, t)
        self.mags.pool.push(ready, case.mags_first_work, case, SHORT)

    def send_to_crown(self, case: Case, t: float, ready: float) -> None:
        case.t_sent = t
        case.hearing = PTPH
        m = self.m
        m.move(case, S.CROWN_FOR_PTPH, t)
        m.out.crown_receipt_t.append(t)
        self.crown.pool.push(ready, case.crown_ptph_work, case, SHORT)

    # ---------------------------------------------------------------------------------- hearings
    def _mags_starts(self, case: Case, start: float, end: float) -> None:
        kind = case.hearing
        if kind == FIRST:
            if case.bits & TO_CROWN:
                self.send_to_crown(case, end, end + case.sending_delay)
            else:
                self._plea(case, self.mags, start, end)
        elif kind == TRIAL:
            self._trial(case, self.mags, start, end)
        else:
            self._sentenced(case, end)

    def _crown_starts(self, case: Case, start: float, end: float) -> None:
        kind = case.hearing
        if kind == PTPH:
            self._plea(case, self.crown, start, end)
        elif kind == TRIAL:
            self._trial(case, self.crown, start, end)
        else:
            if not case.tried:  # a guilty plea: the sentencing hearing is the main hearing
                self._crown_main_hearing(case, start)
            self._sentenced(case, end)

    def _plea(self, case: Case, level: Level, start: float, end: float) -> None:
        if case.bits & GUILTY:
            self._convicted(case, level, start, end)
        else:
            self.list_trial(case, level, end, end + case.trial_ready_days)

    def list_trial(self, case: Case, level: Level, t: float, ready: float) -> None:
        """Wait from ``t`` for a trial listing from ``ready``; an ineffective listing uses little time."""
        case.hearing = TRIAL
        self.m.move(case, level.for_trial, t)
        work = level.ineffective_work if case.relists_left > 0 else level.trial_work(case)
        level.pool.push(ready, work, case, level.long)

    def _trial(self, case: Case, level: Level, start: float, end: float) -> None:
        if case.relists_left > 0:  # ineffective: relisted
            case.relists_left -= 1
            self.list_trial(case, level, end, end + case.relist_delay)
            return
        case.tried = True
        if level is self.crown:
            self._crown_main_hearing(case, start)
            rec = self.m.out
            rec.crown_trial_t.append(start)
            rec.crown_trial_wait.append(start - case.t_sent)
        if case.bits & CONVICTED:
            self._convicted(case, level, start, end)
        else:
            self._disposed(case, end)
            self.m.outcomes.close(case, S.CLOSED_ACQUITTED, end)

    def _convicted(self, case: Case, level: Level, start: float, end: float) -> None:
        if case.bits & PSR:
            case.hearing = SENTENCE
            self.m.move(case, level.for_sentence, end)
            level.pool.push(end + case.psr_delay, level.sentence_work(case), case, SHORT)
        else:  # sentenced at the same hearing
            if level is self.crown and case.hearing == PTPH:
                self._crown_main_hearing(case, start)
            self._sentenced(case, end)

    def _crown_main_hearing(self, case: Case, start: float) -> None:
        rec = self.m.out
        rec.crown_main_t.append(start)
        rec.crown_wait.append(start - case.t_sent)

    def _disposed(self, case: Case, t: float) -> None:
        rec = self.m.out
        rec.court_disposal_t.append(t)
        rec.court_wait.append(t - case.t_charged)

    def _sentenced(self, case: Case, t: float) -> None:
        self._disposed(case, t)
        self.m.outcomes.sentence(case, t)

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
        self.list_trial(case, self.crown, t, t)
