"""The project's own error type: one readable line naming the file, the key and the problem."""

from __future__ import annotations

import re

#: longest quoted value an error line shows back (a value of a megabyte helps nobody)
MAX_SHOWN = 60
#: longest key or problem an error line carries
MAX_PART = 400

_QUOTED = re.compile(rf"""(['"])([^'"]{{{MAX_SHOWN + 1},}})\1""")


def printable(text: str) -> str:
    """``text`` with control characters (a NUL in a file name, say) shown as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def shorten(text: str, limit: int = MAX_PART) -> str:
    """``text`` with long quoted values cut, and cut as a whole to ``limit`` characters."""
    text = _QUOTED.sub(lambda m: f"{m[1]}{m[2][: MAX_SHOWN - 3]}...{m[1]} ({len(m[2]):,} characters)", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScenarioError(Exception):
    """A scenario, sweep file or command-line argument that cannot be used as given.

    The CLI prints ``str(error)`` as a single line and exits with status 2; nothing else is shown and
    nothing is written.
    """

    #: most problems one error line lists (the rest are counted)
    MAX_LISTED = 12

    def __init__(
        self, source: str, key: str | None, problem: str, more: list[tuple[str | None, str]] | None = None
    ) -> None:
        self.source = shorten(printable(source), 500)
        self.key = shorten(printable(key), 120) if key else key
        self.problem = shorten(printable(" ".join(str(problem).split())))  # one line, whatever the cause said
        #: the file's other problems, each ``(key, problem)``: a file is reported whole, on the same line
        self.more = [
            (shorten(printable(k), 120) if k else k, shorten(printable(" ".join(str(p).split())), 200))
            for k, p in (more or [])
        ]
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [(self.key, self.problem), *self.more]
        shown = [f"{k}: {p}" if k else p for k, p in parts[: self.MAX_LISTED]]
        rest = len(parts) - len(shown)
        text = "; ".join(shown) + (f"; and {rest} more problem{'s' if rest > 1 else ''}" if rest else "")
        return f"{self.source}: {text}"
