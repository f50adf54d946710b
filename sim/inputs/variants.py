"""A new scenario to edit: a variant of an existing one, for ``divertsim new NAME --from SCENARIO``.

The variant extends its source rather than copying it, so it holds only what differs and picks up
any later correction of the source. ``extends`` names a file beside the variant or a shipped
scenario by its file name alone; a source that is neither (a file in another folder) is copied
whole instead, with its own ``extends`` chain already merged, every value there to edit. A variant
that extends lists every lever a user moves to ask a policy question, commented out, at the
source's value and with the source's justification, so that uncommenting a line is all it takes;
a changed value should get its own entry in ``[sources]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim import NOTICE
from sim.errors import ScenarioError
from sim.inputs.explain import parameters
from sim.inputs.levers import LEVERS
from sim.inputs.loading import load_raw, resolve, shipped_dir, validate
from sim.inputs.names import check_name
from sim.inputs.tomltext import dumps, value


def variant_text(name: str, source: str, where: Path) -> str:
    """The text of scenario ``name``, a variant of ``source``, to be written at ``where``."""
    try:
        check_name(name)
    except ValueError as exc:
        raise ScenarioError("NAME", name, str(exc)) from None
    path = resolve(source)
    raw = load_raw(path)
    sc = validate({**raw, "name": raw.get("name", path.stem)}, str(path))
    by_name = path.parent.resolve() == shipped_dir().resolve() or path.parent.resolve() == where.parent.resolve()
    lines = [
        f"# {name}: a variant of {sc.name}. Change what differs; everything else comes from {sc.name}.",
        "# Give every value you change its source (or say ASSUMPTION) under [sources].",
        f"# {NOTICE}",
        "",
    ]
    if by_name:
        lines += [f"extends = {value(path.name)}", f"name = {value(name)}"]
        lines.append(f"description = {value(f'A variant of {sc.name}: say what differs, and why.')}")
    else:  # extends cannot name a file in another folder: the variant starts as a whole copy
        copied = {**raw, "name": name, "description": f"A variant of {sc.name} (copied from {path.name})."}
        lines.append(dumps(copied).rstrip("\n"))
    if by_name:
        lines += ["", f"# The levers, at the values of {sc.name} (uncomment a line to change it):"]
        current = {p.key: p for p in parameters(sc)}
        data = sc.model_dump(mode="json", by_alias=True)
        for lever in sorted({lv.key for lv in LEVERS}):
            held = _value(data, lever)
            if held is None:
                continue
            p = current.get(lever)
            notes = [n for n in ((p.unit if p and p.unit != "-" else ""), (p.source if p else "")) if n]
            lines.append(f"# {lever} = {value(held)}" + (f"  # {'; '.join(notes)}" if notes else ""))
        lines += ["", "[sources]", '# "scheme.completion_rate" = "ASSUMPTION: why this value"']
    return "\n".join(lines) + "\n"


def _value(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if not isinstance(node, dict) else None
