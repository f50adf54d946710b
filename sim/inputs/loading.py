"""Scenario files: find, read, follow ``extends``, apply ``--set`` overrides, validate.

Scenario files are data only: TOML parsed by :mod:`tomllib`, nothing evaluated, nothing unpickled.
``extends`` names another scenario by its file name alone (a path, absolute or with ``..``, is
refused), whose keys this file overrides: a file beside the file that names it, or else a shipped
scenario (``extends = "justice-2019"`` or ``"justice-2019.toml"``); only regular files resolve, and
a missing target or a cycle is an error that names the chain.
Every problem ends in one :class:`~sim.errors.ScenarioError` naming the file, and every dotted key
that is wrong with what is wrong with it.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.inputs.reading import parse_value, read_toml
from sim.inputs.scenario import Scenario

MAX_EXTENDS_DEPTH = 16


def shipped_dir() -> Path:
    """The shipped ``scenarios/`` folder: beside the package in a checkout (and an editable
    install), or the copy a wheel carries inside the package (``sim/_shipped/scenarios``)."""
    package = Path(__file__).resolve().parent.parent  # sim/, above sim/inputs/
    beside = package.parent / "scenarios"
    inside = package / "_shipped" / "scenarios"
    return inside if inside.is_dir() else beside


def resolve(name_or_path: str) -> Path:
    """A scenario path from a path or a shipped name (``justice-2019`` or ``justice-2019.toml``)."""
    candidate = Path(name_or_path)
    if is_file(candidate):
        return candidate
    if exists(candidate) and (candidate.suffix == ".toml" or "/" in name_or_path):
        return candidate  # a named pipe, a folder, a device: read_toml says which, without reading it
    stem = candidate.name if candidate.suffix == ".toml" else candidate.name + ".toml"
    for folder in (Path.cwd() / "scenarios", shipped_dir()):
        path = folder / stem
        if is_file(path):
            return path
    names = [p.stem for p in list_shipped()]
    hint = did_you_mean(candidate.stem, names)
    raise ScenarioError(
        name_or_path, None, f"no such scenario file or shipped scenario{hint} (shipped: {', '.join(names) or 'none'})"
    )


def resolve_in(name_or_path: str, folder: str) -> Path:
    """A sweep or targets file from a path or the name of one shipped in ``scenarios/<folder>``
    (``justice-grid`` for ``scenarios/sweeps/justice-grid.toml``). A path is returned as given,
    so that reading it says what is wrong with it."""
    candidate = Path(name_or_path)
    if exists(candidate) or "/" in name_or_path:
        return candidate
    stem = candidate.name if candidate.suffix == ".toml" else candidate.name + ".toml"
    for root in (Path.cwd() / "scenarios", shipped_dir()):
        path = root / folder / stem
        if is_file(path):
            return path
    names = list_shipped_in(folder)
    hint = did_you_mean(candidate.stem, names)
    kind = {"sweeps": "sweep"}.get(folder, folder)
    raise ScenarioError(
        name_or_path, None, f"no such {kind} file or shipped {kind}{hint} (shipped: {', '.join(names) or 'none'})"
    )


def list_shipped_in(folder: str) -> list[str]:
    """The names of the sweep or targets files shipped in ``scenarios/<folder>``."""
    return sorted(p.stem for p in (shipped_dir() / folder).glob("*.toml"))


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the system cannot even look up (too long, say)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    """``path.exists()``, False for a name the system cannot even look up."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def list_shipped() -> list[Path]:
    folder = shipped_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: tables merge key by key, any other value replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The merged raw data of ``path`` and everything it ``extends``."""
    path = path.resolve() if exists(path) else path
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(str(path), "extends", f"cycle: {cycle}")
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(str(path), "extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")
    data = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(path), "extends", "must be the path of another scenario file")
    if "/" in parent or "\\" in parent or parent in (".", "..") or Path(parent).is_absolute():
        raise ScenarioError(
            str(path),
            "extends",
            f"'{parent}' is a path: extends names a file beside {path.name}, by its file name alone",
        )
    target = path.parent / parent
    if not is_file(target):
        stem = parent if parent.endswith(".toml") else parent + ".toml"
        shipped = shipped_dir() / stem
        if not is_file(path.parent / stem) and not is_file(shipped):
            names = [p.stem for p in list_shipped()]
            raise ScenarioError(
                str(path),
                "extends",
                f"target '{parent}' is not a file beside {path.name} nor a shipped scenario"
                + did_you_mean(Path(stem).stem, names),
            )
        target = path.parent / stem if is_file(path.parent / stem) else shipped
    return deep_merge(load_raw(target, (*_chain, path)), data)


def parse_override(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` from the command line; VALUE is read as a TOML value, else as a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected KEY=VALUE, e.g. court.crown.sitting_days_per_month=350")
    key, _, value = text.partition("=")
    key = key.strip()
    if not key or any(not part.isidentifier() for part in key.split(".")):
        raise ScenarioError("--set", key or text, "key must be a dotted parameter name such as scheme.completion_rate")
    return key, parse_value(value.strip(), "--set", key)


def set_dotted(data: dict[str, Any], key: str, value: Any, source: str = "--set") -> None:
    """Set ``a.b.c`` inside nested tables, refusing keys the scenario does not have."""
    parts = key.split(".")
    if not is_known_key(Scenario, parts):
        hint = did_you_mean(key, all_keys()) or " (see `divertsim explain SCENARIO` for every key)"
        raise ScenarioError(source, key, "unknown parameter" + hint)
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


#: the source a value given on the command line is credited to
SET_SOURCE = "set on the command line (--set)"


def credit(data: dict[str, Any], key: str, source: str) -> None:
    """Credit ``key``'s value to ``source``, dropping the justification of the value it replaced
    (and of any key inside it): a source describes a value, and that value is gone."""
    sources = data.get("sources")
    if sources is None:
        sources = data["sources"] = {}
    if not isinstance(sources, dict):
        return  # validation says what is wrong with it
    for held in [k for k in sources if isinstance(k, str) and k.startswith(key + ".")]:
        del sources[held]
    sources[key] = source


def is_known_key(model: type[BaseModel], parts: list[str]) -> bool:
    field = model.model_fields.get(parts[0])
    if field is None:
        return False
    if len(parts) == 1:
        return True
    ann = field.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return is_known_key(ann, parts[1:])
    origin = getattr(ann, "__origin__", None)
    if origin is dict:  # rules.<name>.<field>, multipliers.<route>
        value_type = ann.__args__[1]  # type: ignore[union-attr]
        if len(parts) == 2:
            return True
        if isinstance(value_type, type) and issubclass(value_type, BaseModel):
            return is_known_key(value_type, parts[2:])
    return len(parts) >= 2 and _is_distribution(ann)  # e.g. police.investigation_delay_days.mode


def _is_distribution(ann: Any) -> bool:
    return "DistSpec" in repr(ann) or "Fixed" in repr(ann)


DIST_TAGS = ("fixed", "exponential", "uniform", "triangular", "lognormal", "gamma")


def format_loc(loc: Iterable[Any]) -> str:
    """A pydantic error location as the dotted key a user writes."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in DIST_TAGS or str(item).startswith("function-"):
            continue  # the branch names of a distribution's union are noise to a user
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def problem_text(err: Mapping[str, Any]) -> str:
    msg = err.get("msg", "invalid value")
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        return "unknown key"
    if err.get("type") == "missing":
        return "required key is missing"
    if "input" in err and err.get("type") not in ("model_type", "dict_type") and not isinstance(err["input"], dict):
        shown = repr(err["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{msg} (got {shown})"
    return msg


def validate(data: dict[str, Any], label: str) -> Scenario:
    """Validate merged raw data, or raise one error line naming every problem found in it."""
    _reject_non_finite(data, label, [])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        found = [(format_loc(e["loc"]) or None, _with_hint(e)) for e in exc.errors()]
        found += _unknown_sources(data.get("sources"))
        raise ScenarioError(label, *found[0], more=found[1:]) from None
    unknown = _unknown_sources(scenario.sources)
    if unknown:
        raise ScenarioError(label, *unknown[0], more=unknown[1:])
    return scenario


def _unknown_sources(sources: Any) -> list[tuple[str | None, str]]:
    if not isinstance(sources, dict):
        return []
    return [
        (f"sources.{key}", "names no parameter" + did_you_mean(key, all_keys()))
        for key in sources
        if isinstance(key, str) and not is_known_key(Scenario, key.split("."))
    ]


def every_problem(label: str, exc: ValidationError) -> ScenarioError:
    """One error line naming every problem pydantic found in a file (a sweep or targets file)."""
    found = [(format_loc(e["loc"]) or None, problem_text(e)) for e in exc.errors()]
    return ScenarioError(label, *found[0], more=found[1:])


def _with_hint(err: Mapping[str, Any]) -> str:
    """The problem, and for an unknown key the nearest key the scenario has."""
    text = problem_text(err)
    if err.get("type") == "extra_forbidden":
        text += did_you_mean(format_loc(err["loc"]), all_keys())
    return text


def did_you_mean(given: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the nearest of ``known``, or nothing if none is near."""
    near = difflib.get_close_matches(given, list(known), n=1, cutoff=0.75)
    return f" (did you mean {near[0]}?)" if near else ""


@functools.cache
def all_keys() -> tuple[str, ...]:
    """Every dotted parameter key of a scenario (tables' own fields; not the keys inside a
    distribution or a named rule), for suggestions."""
    return tuple(_keys(Scenario, ""))


def _keys(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _keys(ann, key + ".")
        else:
            yield key


def _reject_non_finite(node: Any, label: str, path: list[str]) -> None:
    """NaN and infinities are never meaningful inputs here; say so before pydantic does."""
    if isinstance(node, dict):
        for key, value in node.items():
            _reject_non_finite(value, label, [*path, str(key)])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _reject_non_finite(value, label, [*path[:-1], f"{path[-1]}[{i}]"] if path else [f"[{i}]"])
    elif isinstance(node, float) and not math.isfinite(node):
        raise ScenarioError(label, ".".join(path), f"must be a finite number (got {node})")


def load_scenario(name_or_path: str, overrides: Iterable[str] = ()) -> Scenario:
    """The validated scenario for a file or shipped name, with ``KEY=VALUE`` overrides applied."""
    path = resolve(name_or_path)
    data = load_raw(path)
    data.setdefault("name", path.stem)
    for text in overrides:
        key, value = parse_override(text)
        set_dotted(data, key, value)
        credit(data, key, SET_SOURCE)
    label = str(path) if not overrides else f"{path} (with --set)"
    return validate(data, label)


def value_at(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Whether a dotted key is in a scenario's effective data (:func:`effective_dict`), and its value."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def has_key(scenario: Scenario, key: str) -> bool:
    """Whether a dotted key names a value the scenario has: a rule it lacks has no take-up, so a
    setting of one applies only to the scenarios with that rule."""
    return value_at(effective_dict(scenario), key)[0]


def effective_dict(scenario: Scenario) -> dict[str, Any]:
    """Every parameter with defaults filled in, as plain JSON-able data."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of what a replication's results depend on.

    Names, notes and the number of replications are left out: replication r is the same whatever
    the total, so a run can be resumed or extended with more replications.
    """
    data = effective_dict(scenario)
    for key in ("name", "description", "sources"):
        data.pop(key, None)
    data["run"].pop("replications", None)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
