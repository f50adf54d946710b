"""What one replication leaves behind: the transition log and a few event series.

The hot path only appends numbers to lists here (a list append is the cheapest store there is,
interpreted or compiled; ``array.append`` parses its argument on every call). Every few simulated
weeks the model calls :meth:`Record.flush`, which moves what has been appended into NumPy chunks,
so a long run holds its record as packed numbers, not as millions of Python objects. After the run
:meth:`Record.seal` joins the chunks into a plain namespace of NumPy arrays under the same names:
that, not the live record, is what a finished model exposes as ``Model.rec``. Every table, stock,
flow, wait and utilisation is computed afterwards, vectorised, by :mod:`sim.results.metrics`, so that
measuring costs the simulation almost nothing and a new result never needs a change to the model.
"""

from __future__ import annotations

import struct
from types import SimpleNamespace
from typing import Any, Final

import numpy as np

#: a log entry packs the case id and its state into one integer: ``case << STATE_BITS | state``
STATE_BITS: Final = 6
#: struct codes of the packed types
_CODES: Final = {np.int64: "q", np.float64: "d", np.int8: "b"}


class TransitionLog:
    """(case, state, time) for every move of every case, in the order they were decided.

    Within one case the order is chronological (a case's next move is only decided after its
    previous one), which is what lets :mod:`sim.results.metrics` read the state of any case at any time.
    """

    def __init__(self) -> None:
        self.key: list[int] = []  # case << STATE_BITS | state
        self.time: list[float] = []
        self.prev: list[int] = []  # the row of the same case's previous entry, -1 for its first


class Record:
    """Event series beside the log; each ``*_t`` series holds times, paired series hold values."""

    def __init__(self) -> None:
        self.log = TransitionLog()
        self.arrival_t: list[float] = []  # every new case (all origins)
        self.arrival_origin: list[int] = []
        self.arrest_t: list[float] = []
        self.forensic_start_t: list[float] = []
        self.forensic_wait: list[float] = []
        self.triage_start_t: list[float] = []
        self.triage_ineligible_t: list[float] = []
        self.attrition_t: list[float] = []  # examinations dropped while waiting
        self.outsourced_t: list[float] = []  # examinations sent to outside providers
        self.charging_start_t: list[float] = []
        self.charging_wait: list[float] = []
        self.court_disposal_t: list[float] = []
        self.court_wait: list[float] = []  # charge to disposal
        self.court_disposal_crown: list[int] = []  # 1 if disposed of in the Crown Court
        self.crown_main_t: list[float] = []
        self.crown_wait: list[float] = []  # sending to the main hearing (the MoJ's waiting time)
        self.crown_main_kind: list[int] = []  # plea hearing, cracked trial or trial (sim.engine.lists.MAIN_*)
        self.crown_trial_t: list[float] = []
        self.crown_trial_wait: list[float] = []  # sending to the start of the (effective) trial
        self.crown_receipt_t: list[float] = []
        self.scheme_group_t: list[float] = []
        self.scheme_group_size: list[float] = []
        self.scheme_session_t: list[float] = []  # every group session held
        self.scheme_followup_t: list[float] = []  # every follow-up session held (completions)
        self.scheme_fail_t: list[float] = []
        self.scheme_fail_proceeds: list[int] = []
        self.scheme_wait: list[float] = []  # referral to group start, at the group start time
        self.scheme_lapsed_t: list[float] = []  # deferrals that never started within the limit
        self.caution_lapsed_t: list[float] = []
        self.self_referral_lapsed_t: list[float] = []
        self.self_referral_excluded_t: list[float] = []
        self.displaced_t: list[float] = []  # detections that a self-referral made unnecessary
        self.mags_cracked_t: list[float] = []
        self.caution_simple_t: list[float] = []
        self.caution_conditional_t: list[float] = []
        self.caution_breach_t: list[float] = []
        self.course_hours_t: list[float] = []
        self.course_hours: list[float] = []
        self.register_t: list[float] = []
        self.prison_in: list[float] = []
        self.prison_out: list[float] = []
        self.prison_case: list[int] = []
        self.programme_t: list[float] = []
        self.reoffence_t: list[float] = []
        self.reoffence_case: list[int] = []  # the case whose person reoffended
        self.self_referral_caution_t: list[float] = []
        # every hearing of a late prosecution (a diverted case whose scheme or conditions failed or
        # lapsed, or whose triage found it ineligible): its start, its sitting days, 1 if in the Crown Court
        self.late_hearing_t: list[float] = []
        self.late_hearing_days: list[float] = []
        self.late_hearing_crown: list[int] = []
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name, _ in SERIES}

    def _series(self, name: str) -> list[Any]:
        if name.startswith("log."):
            return getattr(self.log, name[4:])  # type: ignore[no-any-return]
        return getattr(self, name)  # type: ignore[no-any-return]

    def flush(self) -> None:
        """Move every value appended so far into NumPy chunks (bounded memory on long runs).

        The lists are emptied in place, so a reference the model holds to one stays valid."""
        for name, dtype in SERIES:
            values = self._series(name)
            if values:
                # struct packs a list about a third faster than np.fromiter converts it
                packed = struct.pack(f"{len(values)}{_CODES[dtype]}", *values)
                self._parts[name].append(np.frombuffer(packed, dtype=dtype))
                values.clear()

    def seal(self) -> SimpleNamespace:
        """End of the run: every series as one NumPy array, under the same names (``log.key``...)."""
        self.flush()
        arrays: dict[str, Any] = {}
        for name, dtype in SERIES:
            parts = self._parts[name]
            arrays[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            parts.clear()
        log = SimpleNamespace(key=arrays.pop("log.key"), time=arrays.pop("log.time"), prev=arrays.pop("log.prev"))
        return SimpleNamespace(log=log, **arrays)


_INT8: Final = frozenset(
    {"arrival_origin", "scheme_fail_proceeds", "crown_main_kind", "court_disposal_crown", "late_hearing_crown"}
)
_INT64: Final = frozenset({"prison_case", "reoffence_case"})
#: every series and its type once packed
SERIES: Final = (("log.key", np.int64), ("log.time", np.float64), ("log.prev", np.int64)) + tuple(
    (name, np.int8 if name in _INT8 else np.int64 if name in _INT64 else np.float64)
    for name in (
        "arrival_t",
        "arrival_origin",
        "arrest_t",
        "forensic_start_t",
        "forensic_wait",
        "triage_start_t",
        "triage_ineligible_t",
        "attrition_t",
        "outsourced_t",
        "charging_start_t",
        "charging_wait",
        "court_disposal_t",
        "court_wait",
        "court_disposal_crown",
        "crown_main_t",
        "crown_wait",
        "crown_main_kind",
        "crown_trial_t",
        "crown_trial_wait",
        "crown_receipt_t",
        "scheme_group_t",
        "scheme_group_size",
        "scheme_session_t",
        "scheme_followup_t",
        "scheme_fail_t",
        "scheme_fail_proceeds",
        "scheme_wait",
        "scheme_lapsed_t",
        "caution_lapsed_t",
        "self_referral_lapsed_t",
        "self_referral_excluded_t",
        "displaced_t",
        "mags_cracked_t",
        "caution_simple_t",
        "caution_conditional_t",
        "caution_breach_t",
        "course_hours_t",
        "course_hours",
        "register_t",
        "prison_in",
        "prison_out",
        "prison_case",
        "programme_t",
        "reoffence_t",
        "reoffence_case",
        "self_referral_caution_t",
        "late_hearing_t",
        "late_hearing_days",
        "late_hearing_crown",
    )
)
