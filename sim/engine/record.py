"""What one replication leaves behind: the transition log and a few event series.

The hot path only appends numbers here, to series that store them unboxed (:class:`Floats`,
:class:`Ints`, on mypyc's typed vectors): compiled, an append is a store into a buffer of doubles or
64-bit integers, with no Python number made per value (a list of numbers allocated a float or an int
object for each, a fifth of the model's allocations). Every few simulated weeks the model calls
:meth:`Record.flush`, which copies what has been appended into NumPy chunks, so a long run holds
its record as packed numbers, not as millions of Python objects. After the run
:meth:`Record.seal` joins the chunks into a plain namespace of NumPy arrays under the same names:
that, not the live record, is what a finished model exposes as ``Model.rec``. Every table, stock,
flow, wait and utilisation is computed afterwards, vectorised, by :mod:`sim.results.metrics`, so that
measuring costs the simulation almost nothing and a new result never needs a change to the model.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Final

import numpy as np
from librt.vecs import append, vec
from mypy_extensions import i64

#: a log entry packs the case id and its state into one integer: ``case << STATE_BITS | state``
STATE_BITS: Final = 6


class Floats:
    """A series of doubles, appended unboxed; :meth:`take` hands them over as a NumPy array."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: vec[float] = vec[float]()

    def append(self, x: float) -> None:
        self.values = append(self.values, x)

    def extend(self, xs: list[float]) -> None:
        values = self.values
        for x in xs:
            values = append(values, x)
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def take(self) -> Any:
        """What has been appended, as float64; the series goes on empty, with room for as many."""
        n = len(self.values)
        # a copy: the vector's buffer has up to twice the room it uses, which a chunk would keep
        out = np.frombuffer(memoryview(self.values), dtype=np.float64).copy()
        self.values = vec[float](capacity=n)
        return out


class Ints:
    """A series of 64-bit integers, appended unboxed; :meth:`take` hands them over as a NumPy array."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: vec[i64] = vec[i64]()

    def append(self, x: i64) -> None:
        self.values = append(self.values, x)

    def __len__(self) -> int:
        return len(self.values)

    def take(self) -> Any:
        """What has been appended, as int64; the series goes on empty, with room for as many."""
        n = len(self.values)
        # a copy: the vector's buffer has up to twice the room it uses, which a chunk would keep
        out = np.frombuffer(memoryview(self.values), dtype=np.int64).copy()
        self.values = vec[i64](capacity=n)
        return out


class TransitionLog:
    """(case, state, time) for every move of every case, in the order they were decided.

    Within one case the order is chronological (a case's next move is only decided after its
    previous one), which is what lets :mod:`sim.results.metrics` read the state of any case at any time.
    """

    def __init__(self) -> None:
        self.key = Ints()  # case << STATE_BITS | state
        self.time = Floats()
        self.prev = Ints()  # the row of the same case's previous entry, -1 for its first

    def add(self, key: i64, t: float, prev: i64) -> None:
        self.key.append(key)
        self.time.append(t)
        self.prev.append(prev)


class Record:
    """Event series beside the log; each ``*_t`` series holds times, paired series hold values."""

    def __init__(self) -> None:
        self.log = TransitionLog()
        self.arrival_t = Floats()  # every new case (all origins)
        self.arrival_origin = Ints()
        self.arrest_t = Floats()
        self.forensic_start_t = Floats()
        self.forensic_wait = Floats()
        self.triage_start_t = Floats()
        self.triage_ineligible_t = Floats()
        self.attrition_t = Floats()  # examinations dropped while waiting
        self.outsourced_t = Floats()  # examinations sent to outside providers
        self.charging_start_t = Floats()
        self.charging_wait = Floats()
        self.court_disposal_t = Floats()
        self.court_wait = Floats()  # charge to disposal
        self.court_disposal_crown = Ints()  # 1 if disposed of in the Crown Court
        self.crown_main_t = Floats()
        self.crown_wait = Floats()  # sending to the main hearing (the MoJ's waiting time)
        self.crown_main_kind = Ints()  # plea hearing, cracked trial or trial (sim.engine.lists.MAIN_*)
        self.crown_trial_t = Floats()
        self.crown_trial_wait = Floats()  # sending to the start of the (effective) trial
        self.crown_receipt_t = Floats()
        self.scheme_group_t = Floats()
        self.scheme_group_size = Floats()
        self.scheme_session_t = Floats()  # every group session held
        self.scheme_followup_t = Floats()  # every follow-up session held (completions)
        self.scheme_fail_t = Floats()
        self.scheme_fail_proceeds = Ints()
        self.scheme_wait = Floats()  # referral to group start, at the group start time
        self.scheme_lapsed_t = Floats()  # deferrals that never started within the limit
        self.caution_lapsed_t = Floats()
        self.self_referral_lapsed_t = Floats()
        self.self_referral_excluded_t = Floats()
        self.displaced_t = Floats()  # detections that a self-referral made unnecessary
        self.mags_cracked_t = Floats()
        self.caution_simple_t = Floats()
        self.caution_conditional_t = Floats()
        self.caution_breach_t = Floats()
        self.course_hours_t = Floats()
        self.course_hours = Floats()
        self.register_t = Floats()
        self.prison_in = Floats()
        self.prison_out = Floats()
        self.prison_case = Ints()
        self.programme_t = Floats()
        self.reoffence_t = Floats()
        self.reoffence_case = Ints()  # the case whose person reoffended
        self.self_referral_caution_t = Floats()
        # every hearing of a late prosecution (a diverted case whose scheme or conditions failed or
        # lapsed, or whose triage found it ineligible): its start, its sitting days, 1 if in the Crown Court
        self.late_hearing_t = Floats()
        self.late_hearing_days = Floats()
        self.late_hearing_crown = Ints()
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name, _ in SERIES}

    def _series(self, name: str) -> Floats | Ints:
        if name.startswith("log."):
            return getattr(self.log, name[4:])  # type: ignore[no-any-return]
        return getattr(self, name)  # type: ignore[no-any-return]

    def flush(self) -> None:
        """Move every value appended so far into NumPy chunks (bounded memory on long runs).

        Each series lets go of its values and goes on empty, so a reference the model holds to one
        stays valid."""
        for name, dtype in SERIES:
            series = self._series(name)
            if len(series):
                values = series.take()
                self._parts[name].append(values.astype(dtype) if dtype is np.int8 else values)

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
