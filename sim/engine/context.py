"""What every stage of one replication shares: the scenario, the calendar, the streams, the record.

A stage is handed this, the :class:`~sim.engine.case.Layout` it declares its cases' draws on, and
(in ``connect``) the stages its cases go to next; it reaches nothing else. The transition log is
written here because every stage writes it: ``move`` links each entry to the case's previous one.
"""

from __future__ import annotations

from sim.engine.calendar import Calendar
from sim.engine.case import Case
from sim.engine.record import Record, TransitionLog
from sim.engine.streams import Streams
from sim.inputs.scenario import Scenario


class Context:
    def __init__(self, scenario: Scenario, cal: Calendar, streams: Streams, out: Record) -> None:
        self.sc = scenario
        self.cal = cal
        self.horizon = cal.horizon
        self.streams = streams
        self.out = out  # what the run records, as it goes
        self._log: TransitionLog = out.log
        self._log_rows = 0

    def move(self, case: Case, state: int, t: float) -> None:
        """Log that ``case`` is in ``state`` from time ``t`` (linked to the case's previous entry)."""
        self._log.add(case.key | state, t, case.row)
        case.row = self._log_rows
        self._log_rows += 1
