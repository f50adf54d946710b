"""Reading input files and TOML text with every read and every depth bounded.

A user may name anything as a scenario, sweep or targets file: a named pipe (which would block
for ever), ``/dev/zero`` (which never ends), a folder, a file of a gigabyte. Only regular files
are read, and at most :data:`MAX_FILE_BYTES` of them. TOML that parses may still be hostile:
arrays nested thousands deep overflow the parser's recursion, dotted keys thousands deep
overflow every later step, an integer of thousands of digits cannot even be printed. Each of
these ends in one :class:`~sim.errors.ScenarioError` line, never in a traceback, and no value
that large is shown back.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError

#: Files larger than this are refused before parsing (a scenario is a few kilobytes).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables and arrays an input may have (a scenario needs about six levels).
MAX_DEPTH = 32
#: Largest whole number an input may hold (a seed is below 2**63; nothing else comes near).
MAX_INT = 2**63
#: Longest value accepted by ``--set`` (a command line is not a file).
MAX_OVERRIDE_CHARS = 10_000


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, what: str = "an input file") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most :data:`MAX_FILE_BYTES`.

    The file is opened without blocking (a named pipe would otherwise wait for a writer) and
    checked on the open descriptor, so that what is checked is what is read.
    """
    label = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ScenarioError(label, None, f"cannot read file ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(label, None, f"is {_kind(info.st_mode)}, not {what}")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(label, None, f"file is {info.st_size:,} bytes; {what} is at most {MAX_FILE_BYTES:,}")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:  # a file that grows (or lies about its size) is still bounded
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ScenarioError(label, None, f"cannot read file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise ScenarioError(label, None, f"file is over {MAX_FILE_BYTES:,} bytes; {what} is at most {MAX_FILE_BYTES:,}")
    return b"".join(chunks)


def decode(raw: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark is harmless), or one line saying why the bytes are not text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(label, None, "UTF-16 text: save the file as UTF-8")
    if b"\x00" in raw:
        raise ScenarioError(label, None, "binary file, not TOML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(label, None, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ScenarioError(label, None, "empty file")
    return text


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """Parse TOML text and check its shape; every failure is one line naming ``label``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, None, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(label, None, f"arrays or inline tables nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # the interpreter's limit on converting long digit strings
        if "integer string conversion" in str(exc):
            raise ScenarioError(label, None, "a whole number has thousands of digits") from None
        raise ScenarioError(label, None, f"invalid TOML: {exc}") from None
    check_shape(data, label)
    return data


def check_shape(data: Any, label: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and integers of :data:`MAX_INT` or more.

    Walks without recursion, so a document of any depth is checked without overflowing the
    stack; the dotted key is shown cut to its first levels.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        node, where = stack.pop()
        if len(where) > MAX_DEPTH:
            shown = dotted(where[:4]) + "..."
            raise ScenarioError(label, shown, f"tables or arrays nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((v, (*where, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*where, f"[{i}]")) for i, v in enumerate(node))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= MAX_INT:
            digits = node.bit_length() * 0.30103
            raise ScenarioError(
                label,
                dotted(where) or None,
                f"whole number too large (about {digits:,.0f} digits; at most {MAX_INT:,})",
            )


def dotted(parts: tuple[str, ...]) -> str:
    """``("a", "b", "[0]")`` as the key a user writes: ``a.b[0]``."""
    return "".join(p if p.startswith("[") or i == 0 else "." + p for i, p in enumerate(parts))


def read_toml(path: Path, what: str = "a scenario file") -> dict[str, Any]:
    """Parse one TOML file, turning every way it can be unreadable into a one-line error."""
    label = str(path)
    return parse_toml(decode(read_bounded(path, what), label), label)


def parse_value(text: str, label: str, key: str) -> Any:
    """A ``--set`` value read as a TOML value (else as a string), bounded like a file."""
    if len(text) > MAX_OVERRIDE_CHARS:
        raise ScenarioError(label, key, f"value is {len(text):,} characters; at most {MAX_OVERRIDE_CHARS:,}")
    try:
        parsed = parse_toml(f"v = {text}", label)["v"]
    except ScenarioError as exc:
        if exc.problem.startswith("invalid TOML"):
            return text
        raise ScenarioError(label, key, exc.problem) from None
    return parsed
