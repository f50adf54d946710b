"""Plain data written back as TOML text that :mod:`tomllib` reads to the same data.

Used to write a whole scenario into one file (``calibrated.toml``), so that the file stands on
its own wherever the folder holding it is moved: every top-level table is a ``[section]`` and
everything inside it an inline value.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(text: str) -> str:
    return text if _BARE.match(text) else json.dumps(text)


def value(v: Any) -> str:
    """One TOML value: strings, booleans, finite numbers, dates, arrays and inline tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML text of a scenario holds finite numbers only (got {v})")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON's escapes are TOML's
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def dumps(data: dict[str, Any]) -> str:
    """The document: top-level values first, then one ``[section]`` per table. TOML has no null:
    a key whose value is None (unset, so its default) is left out."""
    lines = [f"{key(k)} = {value(v)}" for k, v in data.items() if v is not None and not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{key(k)}]", *(f"{key(sk)} = {value(sv)}" for sk, sv in v.items() if sv is not None)]
    return "\n".join(lines) + "\n"
