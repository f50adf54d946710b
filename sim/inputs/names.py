"""Names that become folder names: a scenario's, a sweep's, a compared scenario's.

``compare`` writes each scenario into ``OUT/<name>``, and default folders are
``results/<name>-<time>``, so a name is checked as a name: not empty, not ``.`` or ``..``, no
path separator, no control character, not hidden, and short enough for any file system. With
that, every folder divertsim writes is inside the folder the user chose (:func:`inside`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

MAX_NAME = 100


def check_name(name: str) -> str:
    """``name`` if it can be used as a folder name; else ValueError saying why."""
    if not name.strip():
        raise ValueError("a name must not be empty")
    if name in (".", ".."):
        raise ValueError(f"'{name}' is not a name")
    if "/" in name or "\\" in name:
        raise ValueError("a name must not contain / or \\ (it names a folder, not a path)")
    if not name.isprintable():
        raise ValueError("a name must not contain control characters")
    if name.startswith("."):
        raise ValueError("a name must not start with '.' (it would name a hidden folder)")
    if name != name.strip():
        raise ValueError("a name must not start or end with a space")
    if len(name) > MAX_NAME:
        raise ValueError(f"a name is at most {MAX_NAME} characters (got {len(name):,})")
    return name


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, checked to stay inside ``folder`` whatever ``name`` holds."""
    path = folder / check_name(name)
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"'{name}' would be written outside {folder}")
    return path


#: longest part of a folder name that spells out the overrides (longer ones end in a digest)
MAX_TAG = 80


def overrides_label(texts: list[str]) -> str:
    """``KEY=VALUE, ...`` of the overrides, for titles ("" without any)."""
    return ", ".join(" ".join(t.split()) for t in texts)


def overrides_tag(texts: list[str]) -> str:
    """``+KEY=VALUE+...`` for a default folder name, in characters safe in any file system, cut to
    :data:`MAX_TAG` with a digest of the whole so that different overrides never share a name."""
    if not texts:
        return ""
    tag = "+" + "+".join(re.sub(r"[^A-Za-z0-9._=-]", "_", t) for t in texts)
    if len(tag) > MAX_TAG:
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:8]
        tag = tag[: MAX_TAG - 9] + "~" + digest
    return tag
