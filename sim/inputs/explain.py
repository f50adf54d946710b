"""Every effective parameter of a scenario with its value, unit and source, for ``divertsim explain``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.inputs.distributions import _Dist
from sim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Parameter:
    key: str
    value: str
    unit: str
    source: str
    set_by: str  # "default" or "scenario"


def _show(value: Any) -> str:
    if isinstance(value, _Dist):
        return value.describe()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, BaseModel):
        return ", ".join(f"{k}={_show(v)}" for k, v in value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _walk(
    model: BaseModel, default: BaseModel | None, prefix: str, sources: dict[str, str], out: list[Parameter]
) -> None:
    for name, field in type(model).model_fields.items():
        key = f"{prefix}{name}"
        value = getattr(model, name)
        dvalue = getattr(default, name, None) if default is not None else None
        if isinstance(value, BaseModel) and not isinstance(value, _Dist):
            _walk(value, dvalue if isinstance(dvalue, BaseModel) else None, key + ".", sources, out)
            continue
        if key == "sources":
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if key == "decision.rules":
            for rname, rule in value.items():
                out.append(
                    Parameter(f"{key}.{rname}", _show(rule), "-", _rule_source(sources, f"{key}.{rname}"), "scenario")
                )
            continue
        set_by = "default" if value == dvalue else "scenario"
        if key in ("name", "description"):
            out.append(Parameter(key, _show(value), "-", "scenario file", set_by))
            continue
        source = sources.get(key) or (
            str(extra.get("source", "")) if set_by == "default" else "set by scenario (no source given)"
        )
        out.append(Parameter(key, _show(value), str(extra.get("unit", "")), source, set_by))


def _rule_source(sources: dict[str, str], key: str) -> str:
    """A rule's source: those of its own fields first (``take_up: ...``), then the rule's."""
    parts = [f"{k[len(key) + 1 :]}: {v}" for k, v in sources.items() if k.startswith(key + ".")]
    return "; ".join([*parts, sources.get(key, "scenario policy")])


def parameters(scenario: Scenario) -> list[Parameter]:
    """One row per parameter, in pipeline order."""
    out: list[Parameter] = []
    _walk(scenario, Scenario(), "", scenario.sources, out)
    return out
