"""What one replication leaves behind: the transition log and a few event series.

The hot path only appends numbers to typed arrays here. Every table, stock, flow, wait and
utilisation is computed afterwards, vectorised, by :mod:`sim.metrics`, so that measuring costs the
simulation almost nothing and a new result never needs a change to the model.
"""

from __future__ import annotations

from array import array


#: a log entry packs the case id and its state into one integer: ``case << STATE_BITS | state``
STATE_BITS = 6


class TransitionLog:
    """(case, state, time) for every move of every case, in the order they were decided.

    Within one case the order is chronological (a case's next move is only decided after its
    previous one), which is what lets :mod:`sim.metrics` read the state of any case at any time.
    """

    __slots__ = ("key", "time")

    def __init__(self) -> None:
        self.key = array("q")   # case << STATE_BITS | state
        self.time = array("d")

    def __len__(self) -> int:
        return len(self.key)


class Record:
    """Event series beside the log; each ``*_t`` array holds times, paired arrays hold values."""

    def __init__(self) -> None:
        self.log = TransitionLog()
        self.arrival_t = array("d")          # every new case (all origins)
        self.arrival_origin = array("b")
        self.arrest_t = array("d")
        self.forensic_start_t = array("d")
        self.forensic_wait = array("d")
        self.charging_start_t = array("d")
        self.charging_wait = array("d")
        self.court_disposal_t = array("d")
        self.court_wait = array("d")         # charge to disposal
        self.crown_main_t = array("d")
        self.crown_wait = array("d")         # sending to the main hearing (trial or sentence)
        self.crown_trial_t = array("d")
        self.crown_trial_wait = array("d")   # sending to the start of the (effective) trial
        self.crown_receipt_t = array("d")
        self.scheme_group_t = array("d")
        self.scheme_group_size = array("d")
        self.scheme_session_t = array("d")   # every group session held
        self.scheme_followup_t = array("d")  # every follow-up session held (completions)
        self.scheme_fail_t = array("d")
        self.scheme_fail_proceeds = array("b")
        self.scheme_wait = array("d")        # referral to group start, at the group start time
        self.caution_simple_t = array("d")
        self.caution_conditional_t = array("d")
        self.caution_breach_t = array("d")
        self.course_hours_t = array("d")
        self.course_hours = array("d")
        self.register_t = array("d")
        self.prison_in = array("d")
        self.prison_out = array("d")
        self.programme_t = array("d")
        self.reoffence_t = array("d")
        self.self_referral_caution_t = array("d")
