"""The project's own error type: one readable line naming the file, the key and the problem."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with control characters (a NUL in a file name, say) shown as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


class ScenarioError(Exception):
    """A scenario, sweep file or command-line argument that cannot be used as given.

    The CLI prints ``str(error)`` as a single line and exits with status 2; nothing else is shown and
    nothing is written.
    """

    def __init__(self, source: str, key: str | None, problem: str) -> None:
        self.source = printable(source)
        self.key = printable(key) if key else key
        self.problem = printable(" ".join(str(problem).split()))  # one line, whatever the cause said
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        return f"{where}: {self.problem}"
