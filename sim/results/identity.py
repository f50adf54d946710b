"""What a results folder holds, and the check that ``--resume`` continues the same thing.

A folder records its kind (a run, a comparison, a sweep...), the hash of what its results depend on
(the scenario, or the sweep and its base), the seed and the work asked for (replications, or the
stopping rule of ``--reps auto``, or the sweep's design), in its manifest and in its store. A
resume that asks for anything else would file results under the wrong name or mix two runs in
one table, so it is refused in one line before a byte of the folder changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: every kind of folder divertsim writes, as a message names it
KINDS = {
    "run": "a run",
    "compare": "a comparison",
    "sweep": "a sweep",
    "robustness": "a robustness run",
    "calibrate-check": "a calibration check",
    "calibrate": "a calibration",
}
#: the kinds ``--resume`` continues, and the command that does
COMMANDS = {"run": "divertsim run", "compare": "divertsim compare", "sweep": "divertsim sweep"}


class IdentityError(Exception):
    """The folder holds something other than what the command would continue."""


def other_kind(where: Path, held: str, kind: str) -> str:
    """The line that refuses to continue a folder of kind ``held`` as one of ``kind``."""
    if held not in COMMANDS:
        return f"{where}: holds {KINDS[held]}, not {KINDS[kind]}; it cannot be resumed: choose another --out"
    return (
        f"{where}: holds {KINDS[held]}, not {KINDS[kind]}; resume it with "
        f"`{COMMANDS[held]} ... --resume` or choose another --out"
    )


@dataclass(frozen=True)
class Identity:
    """What a folder holds: its kind, the hash of what its results depend on, the seed and the work."""

    kind: str
    digest: str
    seed: int
    work: dict[str, Any]

    def check_kind(self, kind: Any, where: Path) -> None:
        """Refuse a record of another kind, or of none divertsim knows (checked before the rest of
        the record is read, so that a folder of another kind is named as such)."""
        if kind == self.kind:
            return
        if not isinstance(kind, str) or kind not in KINDS:
            raise IdentityError(f"{where}: records no kind of run divertsim knows; choose another --out")
        raise IdentityError(other_kind(where, kind, self.kind))

    def check(self, kind: Any, digest: Any, seed: Any, work: Any, where: Path) -> None:
        """Refuse a record of another kind, scenario, seed or work."""
        self.check_kind(kind, where)
        what = KINDS[self.kind]
        if seed != self.seed:
            raise IdentityError(f"{where}: holds {what} with seed {seed}, not {self.seed}; resume with the same seed")
        if work != self.work:
            raise IdentityError(
                f"{where}: holds {what} of other work ({describe(work)}, now {describe(self.work)}); "
                "resume with the same options, or choose another --out"
            )
        if digest != self.digest:
            raise IdentityError(
                f"{where}: holds {what} of a different scenario (hash {digest}, now {self.digest}); "
                "resume with the same files and options"
            )


def describe(work: Any) -> str:
    """The work asked for, as a user wrote it."""
    if not isinstance(work, dict):
        return "none recorded"
    years = work.get("years")
    over = f" over {years:g} year{'' if years == 1 else 's'}" if isinstance(years, (int, float)) else ""
    if work.get("replications") == "auto":
        return f"--reps auto --precision {work.get('precision')} --max-reps {work.get('max_reps')}{over}"
    if "replications" in work:
        n = work["replications"]
        return f"{n} replication{'' if n == 1 else 's'}{over}"
    if "design" in work:
        return (
            f"a {work['design']} design of {work.get('tasks')} tasks, {work.get('reps')} replications a point, "
            f"{work.get('samples')} samples"
        )
    return json.dumps(work, sort_keys=True)
