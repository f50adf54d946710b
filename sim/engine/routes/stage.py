"""What a stage is to the stages that send it cases, and to the model that draws up its lists.

Stages are handed each other as this base class where the one that sends a case must not depend on
the one that takes it (the police send diverted cases to the scheme and the caution route, which
send failures back to the police). Compiled, a call through a known base class is a native call.
"""

from __future__ import annotations

from sim.engine.case import Case
from sim.engine.servers import Receiver


class Stage(Receiver):
    def receive(self, case: Case, t: float) -> None:
        """Take ``case`` in at ``t``."""
        raise NotImplementedError

    def advance(self, until: float) -> None:
        """Draw up the stage's lists up to ``until``."""
        raise NotImplementedError

    def live(self) -> int:
        """Cases the stage holds (for the conservation check)."""
        raise NotImplementedError
