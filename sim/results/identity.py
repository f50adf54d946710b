"""What a results folder holds, and the check that ``--resume`` continues the same thing.

A folder records its kind (a run, a comparison, a sweep), the hash of what its results depend on
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

from sim.errors import ScenarioError
from sim.inputs.reading import read_bounded

KINDS = {"run": "a run", "compare": "a comparison", "sweep": "a sweep"}
COMMANDS = {"run": "divertsim run", "compare": "divertsim compare", "sweep": "divertsim sweep"}


class IdentityError(Exception):
    """The folder holds something other than what the command would continue."""


@dataclass(frozen=True)
class Identity:
    kind: str
    digest: str
    seed: int
    work: dict[str, Any]

    def meta(self) -> dict[str, str]:
        """The entries of a store's meta table (text only)."""
        return {
            "kind": self.kind,
            "hash": self.digest,
            "seed": str(self.seed),
            "work": json.dumps(self.work, sort_keys=True),
        }

    def manifest(self) -> dict[str, Any]:
        """The entries of a manifest."""
        return {"kind": self.kind, "scenario_hash": self.digest, "seed": self.seed, "work": self.work}

    def check_meta(self, meta: dict[str, str], where: Path) -> None:
        """Refuse a store whose meta table records another kind, scenario, seed or work."""
        try:
            work = json.loads(meta["work"]) if "work" in meta else None
            seed = int(meta["seed"]) if "seed" in meta else None
        except ValueError:
            raise IdentityError(f"{where}: the store's record of its run is damaged") from None
        self._compare(meta.get("kind"), meta.get("hash"), seed, work, where)

    def check_manifest(self, manifest: dict[str, Any], where: Path) -> None:
        """Refuse a manifest that records another kind, scenario, seed or work."""
        self._compare(
            manifest.get("kind"), manifest.get("scenario_hash"), manifest.get("seed"), manifest.get("work"), where
        )

    def _compare(self, kind: Any, digest: Any, seed: Any, work: Any, where: Path) -> None:
        if kind != self.kind:
            held = KINDS.get(kind) if isinstance(kind, str) else None
            if held is None:
                raise IdentityError(f"{where}: records no kind of run divertsim knows; choose another --out")
            raise IdentityError(
                f"{where}: holds {held}, not {KINDS[self.kind]}; resume it with "
                f"`{COMMANDS[kind]} ... --resume` or choose another --out"
            )
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


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, None if it has none; a manifest that is not a JSON object is damage."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(read_bounded(path, "a manifest"))
    except ScenarioError as exc:
        raise IdentityError(f"{path}: {exc.problem}") from None
    except ValueError as exc:
        raise IdentityError(f"{path}: damaged ({type(exc).__name__}); it cannot be resumed") from None
    if not isinstance(data, dict):
        raise IdentityError(f"{path}: damaged (not a JSON object); it cannot be resumed")
    return data
