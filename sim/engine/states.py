"""Where a case can be: the states of the transition log, grouped by stage.

Every move of a case is logged as (case, state, time); all results are read off that log. A case
is in exactly one state at a time; the ``CLOSED_*`` states are terminal.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Final


class S:
    """The states as plain integers, for the hot path: in Python 3.11 reading an enum member costs
    about 150 ns and hashing one calls Python code, while these are ordinary class attributes.
    :class:`State` is the same set as an enum, for names."""

    INVESTIGATION: Final = 1  # detected, awaiting interview and device seizure
    FORENSICS: Final = 2  # waiting for, or in, digital-forensic examination
    SCHEME_WAITING: Final = 3  # deferred prosecution agreed, waiting for a group place
    SCHEME_COURSE: Final = 4  # attending the group sessions
    SCHEME_FOLLOW_UP: Final = 5  # between the last group session and the follow-up session
    CAUTION_ASSESSMENT: Final = 6  # waiting for, or in, the risk assessment for a conditional caution
    CAUTION_COURSE: Final = 7  # conditional caution given, course condition outstanding
    SELF_REFERRAL_HANDOVER: Final = 8
    SELF_REFERRAL_ASSESSMENT: Final = 9
    TREATMENT: Final = 10  # waiting for, or in, a treatment place
    CHARGING: Final = 11  # waiting for, or at, the charging decision
    # court states last from the case's arrival at a hearing's list until the hearing is over
    MAGS_FOR_FIRST: Final = 12  # charged, awaiting (or at) the first hearing
    MAGS_FOR_TRIAL: Final = 13
    MAGS_FOR_SENTENCE: Final = 14
    CROWN_FOR_PTPH: Final = 15  # sent to the Crown Court, for the plea and trial preparation hearing
    CROWN_FOR_TRIAL: Final = 16
    CROWN_FOR_SENTENCE: Final = 17
    TRIAGE: Final = 18  # diverted at interview (or self-referred): waiting for, or in, a triage examination
    CLOSED_NFA_POLICE: Final = 40  # no further action after examination (evidential)
    CLOSED_NFA_DECISION: Final = 41  # no further action chosen by a policy rule
    CLOSED_NFA_CPS: Final = 42  # not charged
    CLOSED_SIMPLE_CAUTION: Final = 43
    CLOSED_CONDITIONAL_CAUTION: Final = 44
    CLOSED_SCHEME_COMPLETED: Final = 45
    CLOSED_LATE_PROSECUTION_DROPPED: Final = 46
    CLOSED_SELF_REFERRAL_CAUTION: Final = 47
    CLOSED_ACQUITTED: Final = 48
    CLOSED_CUSTODY: Final = 49
    CLOSED_SUSPENDED: Final = 50
    CLOSED_COMMUNITY: Final = 51
    CLOSED_NFA_ATTRITION: Final = 52  # dropped while waiting for examination (forensics.attrition_per_year)


def _by_name(members: dict[str, int]) -> Any:
    """The states as an enum, for their names; built by a call (not a class statement) so that the
    compiled module holds it as the ordinary Python object it is."""
    return IntEnum("State", members, module=__name__)  # type: ignore[misc]


State = _by_name({k: v for k, v in vars(S).items() if k.isupper()})
"""Every state by name: ``State(code).name``."""

OPEN_STATES = tuple(int(s) for s in State if s < 40)
CLOSED_STATES = tuple(int(s) for s in State if s >= 40)
MAGS_STATES = (S.MAGS_FOR_FIRST, S.MAGS_FOR_TRIAL, S.MAGS_FOR_SENTENCE)
CROWN_STATES = (S.CROWN_FOR_PTPH, S.CROWN_FOR_TRIAL, S.CROWN_FOR_SENTENCE)
COURT_STATES = MAGS_STATES + CROWN_STATES
COURT_DISPOSALS = (S.CLOSED_ACQUITTED, S.CLOSED_CUSTODY, S.CLOSED_SUSPENDED, S.CLOSED_COMMUNITY)
SCHEME_STATES = (S.SCHEME_WAITING, S.SCHEME_COURSE, S.SCHEME_FOLLOW_UP)

#: Stage of each open state, for the open-at-end breakdown.
STAGE_OF = {
    S.INVESTIGATION: "police",
    S.FORENSICS: "forensics",
    S.TRIAGE: "forensics",
    S.SCHEME_WAITING: "scheme",
    S.SCHEME_COURSE: "scheme",
    S.SCHEME_FOLLOW_UP: "scheme",
    S.CAUTION_ASSESSMENT: "caution",
    S.CAUTION_COURSE: "caution",
    S.SELF_REFERRAL_HANDOVER: "self_referral",
    S.SELF_REFERRAL_ASSESSMENT: "self_referral",
    S.TREATMENT: "self_referral",
    S.CHARGING: "charging",
    **dict.fromkeys(MAGS_STATES, "magistrates"),
    **dict.fromkeys(CROWN_STATES, "crown"),
}
