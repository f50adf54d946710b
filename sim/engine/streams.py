"""Named random-number streams, one per random process, all spawned from one master seed.

Common random numbers depend on two things: every random process owns its own generator, and the
seed a process gets depends only on (master seed, replication, the process's *name*), never on the
order in which processes are created or on which other processes exist. Adding a stream for a new
process, or a scenario that never touches a process, therefore leaves every other stream's numbers
exactly as they were. Names are hashed with BLAKE2 (stable across Python runs, unlike ``hash``).
"""

from __future__ import annotations

import hashlib

import numpy as np

#: Version tag folded into every stream's seed; bump only if the stream layout changes on purpose.
_STREAM_NAMESPACE = 0x6469_7674  # "divt"


def name_key(name: str) -> int:
    """A stable 32-bit integer for a stream name (independent of ``PYTHONHASHSEED``)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


def seed_sequence(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The seed sequence for stream ``name`` in replication ``replication`` under master ``seed``."""
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative")
    return np.random.SeedSequence(entropy=seed, spawn_key=(_STREAM_NAMESPACE, replication, name_key(name)))


class Streams:
    """Factory of named generators for one replication.

    ``streams["court.plea"]`` always returns the same generator object within a replication, so a
    process that asks twice keeps drawing from one sequence.
    """

    __slots__ = ("seed", "replication", "_generators")

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(seed_sequence(self.seed, self.replication, name)))
            self._generators[name] = gen
        return gen

    def names(self) -> list[str]:
        """Names of the streams used so far (for the run manifest and tests)."""
        return sorted(self._generators)
