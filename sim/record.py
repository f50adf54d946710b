"""What one replication leaves behind: the transition log and a few event series.

The hot path only appends numbers to lists here (a list append is the cheapest store there is,
interpreted or compiled; ``array.append`` parses its argument on every call). Every few simulated
weeks the model calls :meth:`Record.flush`, which moves what has been appended into NumPy chunks,
so a long run holds its record as packed numbers, not as millions of Python objects. After the run
:meth:`Record.seal` joins the chunks: every series is then a NumPy array. Every table, stock,
flow, wait and utilisation is computed afterwards, vectorised, by :mod:`sim.metrics`, so that
measuring costs the simulation almost nothing and a new result never needs a change to the model.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

#: a log entry packs the case id and its state into one integer: ``case << STATE_BITS | state``
STATE_BITS: Final = 6


class _Chunks:
    """The flushed part of every series of one object, by attribute name."""

    __slots__ = ("dtypes", "parts")

    def __init__(self, dtypes: dict[str, Any]) -> None:
        self.dtypes = dtypes
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in dtypes}

    def flush(self, owner: Any) -> None:
        # the lists are emptied in place: the model may hold their bound ``append``
        for name, dtype in self.dtypes.items():
            values = getattr(owner, name)
            if values:
                self.parts[name].append(np.fromiter(values, dtype, len(values)))
                values.clear()

    def seal(self, owner: Any) -> None:
        self.flush(owner)
        for name, dtype in self.dtypes.items():
            parts = self.parts[name]
            setattr(owner, name, np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))
            parts.clear()


class TransitionLog:
    """(case, state, time) for every move of every case, in the order they were decided.

    Within one case the order is chronological (a case's next move is only decided after its
    previous one), which is what lets :mod:`sim.metrics` read the state of any case at any time.
    """

    def __init__(self) -> None:
        self.key: list[int] = []      # case << STATE_BITS | state
        self.time: list[float] = []
        self._chunks = _Chunks({"key": np.int64, "time": np.float64})

    def __len__(self) -> int:
        return len(self.key) + sum(len(c) for c in self._chunks.parts["key"])


class Record:
    """Event series beside the log; each ``*_t`` series holds times, paired series hold values."""

    def __init__(self) -> None:
        self.log = TransitionLog()
        self.arrival_t: list[float] = []          # every new case (all origins)
        self.arrival_origin: list[int] = []
        self.arrest_t: list[float] = []
        self.forensic_start_t: list[float] = []
        self.forensic_wait: list[float] = []
        self.charging_start_t: list[float] = []
        self.charging_wait: list[float] = []
        self.court_disposal_t: list[float] = []
        self.court_wait: list[float] = []         # charge to disposal
        self.crown_main_t: list[float] = []
        self.crown_wait: list[float] = []         # sending to the main hearing (trial or sentence)
        self.crown_trial_t: list[float] = []
        self.crown_trial_wait: list[float] = []   # sending to the start of the (effective) trial
        self.crown_receipt_t: list[float] = []
        self.scheme_group_t: list[float] = []
        self.scheme_group_size: list[float] = []
        self.scheme_session_t: list[float] = []   # every group session held
        self.scheme_followup_t: list[float] = []  # every follow-up session held (completions)
        self.scheme_fail_t: list[float] = []
        self.scheme_fail_proceeds: list[int] = []
        self.scheme_wait: list[float] = []        # referral to group start, at the group start time
        self.caution_simple_t: list[float] = []
        self.caution_conditional_t: list[float] = []
        self.caution_breach_t: list[float] = []
        self.course_hours_t: list[float] = []
        self.course_hours: list[float] = []
        self.register_t: list[float] = []
        self.prison_in: list[float] = []
        self.prison_out: list[float] = []
        self.programme_t: list[float] = []
        self.reoffence_t: list[float] = []
        self.self_referral_caution_t: list[float] = []
        self._chunks = _Chunks({name: np.int8 if name in _INT8 else np.float64
                                for name in vars(self) if name != "log"})

    def flush(self) -> None:
        """Move every value appended so far into NumPy chunks (bounded memory on long runs)."""
        self.log._chunks.flush(self.log)
        self._chunks.flush(self)

    def seal(self) -> None:
        """End of the run: every series becomes one NumPy array."""
        self.log._chunks.seal(self.log)
        self._chunks.seal(self)


_INT8 = frozenset({"arrival_origin", "scheme_fail_proceeds"})
