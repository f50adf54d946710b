"""The app's levers: the scenario keys a what-if screen moves, in the policy's vocabulary, by stage.

Each control names a scenario key, a label, its stage, the range a user may choose in (absolute,
or relative to the value the compared scenarios hold) and its step. Its unit and source are read
from the scenario's own parameter record (``divertsim explain``), so the screen shows the same
evidence the docs do. A control appears when at least one compared scenario has its key (the
scheme's take-up only with a scheme), and a moved control is sent to those scenarios alone (see
:func:`sim.api.compare`).

Illustrative policy model over aggregate rates: a lever moves a rate, share or capacity for a
population, never anything about a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.inputs.explain import Parameter, parameters
from sim.inputs.loading import effective_dict, value_at
from sim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Control:
    key: str
    label: str
    stage: str
    #: the range: absolute (low, high), or with ``relative`` multiples of the scenarios' value
    low: float
    high: float
    step: float
    relative: bool = False
    #: a choice between these values, not a number
    choices: tuple[str, ...] = ()


STAGES = (
    "Take-up and completion",
    "Places and facilitators",
    "Eligibility",
    "Courts",
    "Forensics",
    "Demand",
    "Unit costs",
)

CONTROLS: tuple[Control, ...] = (
    Control("decision.rules.deferred_prosecution.take_up", "JUSTICE take-up", STAGES[0], 0.0, 1.0, 0.05),
    Control("decision.rules.conditional_caution.take_up", "conditional caution take-up", STAGES[0], 0.0, 1.0, 0.05),
    Control("scheme.completion_rate", "scheme completion rate", STAGES[0], 0.5, 1.0, 0.01),
    Control("scheme.late_prosecution_proceeds", "late prosecutions that proceed", STAGES[0], 0.0, 1.0, 0.05),
    Control("scheme.facilitators", "scheme facilitators", STAGES[1], 0.0, 2.0, 1.0, relative=True),
    Control("scheme.group_size", "places in a group", STAGES[1], 4.0, 20.0, 1.0),
    Control(
        "decision.rules.deferred_prosecution.point",
        "JUSTICE decided at",
        STAGES[2],
        0.0,
        0.0,
        0.0,
        choices=("interview", "after_forensics"),
    ),
    Control("court.crown.sitting_days_per_month", "Crown sitting days a month", STAGES[3], 0.6, 1.4, 50.0, True),
    Control(
        "court.magistrates.sitting_days_per_month",
        "magistrates' sitting days a month",
        STAGES[3],
        0.6,
        1.4,
        100.0,
        True,
    ),
    Control("forensics.examiners", "forensic examiners", STAGES[4], 0.5, 2.0, 1.0, relative=True),
    Control("arrivals.per_month", "detections a month", STAGES[5], 0.5, 1.5, 10.0, relative=True),
    Control("costs.crown_sitting_day", "Crown sitting day", STAGES[6], 0.25, 3.0, 50.0, relative=True),
    Control("costs.magistrates_sitting_day", "magistrates' sitting day", STAGES[6], 0.25, 3.0, 50.0, relative=True),
    Control("costs.forensic_examination", "forensic examination", STAGES[6], 0.25, 3.0, 10.0, relative=True),
    Control("costs.scheme_session", "scheme session (per participant)", STAGES[6], 0.25, 3.0, 10.0, relative=True),
    Control("costs.prison_place_year", "prison place-year", STAGES[6], 0.25, 3.0, 500.0, relative=True),
)


@dataclass(frozen=True)
class Shown:
    """A control as one comparison's screen shows it: its value, range, unit and source."""

    control: Control
    value: Any
    low: float
    high: float
    unit: str
    source: str

    @property
    def key(self) -> str:
        return self.control.key


def _evidence(rows: dict[str, Parameter], key: str) -> tuple[str, str]:
    """The unit and source of ``key`` in a scenario's parameter record (a rule's field: the rule's)."""
    if key in rows:
        return rows[key].unit, rows[key].source
    rule = key.rsplit(".", 1)[0]
    if rule in rows:
        return ("share" if key.endswith("take_up") else "-"), rows[rule].source
    return "", ""


def shown(scenarios: Sequence[Scenario]) -> list[Shown]:
    """The controls some scenario has, each at the value of the first scenario (policies first,
    then the base) that has it, with the range that value sets for the relative ones."""
    order = [*scenarios[1:], scenarios[0]]  # a policy's own value of a shared key is what it changes
    data = [effective_dict(sc) for sc in order]
    records: dict[int, dict[str, Parameter]] = {}
    out: list[Shown] = []
    for c in CONTROLS:
        found = next(((i, v) for i, d in enumerate(data) for has, v in (value_at(d, c.key),) if has), None)
        if found is None:
            continue
        i, value = found
        if c.choices:
            low, high = 0.0, 0.0
        elif c.relative and value:
            # whole steps either side of the scenario's own value, so that the slider can show it exactly
            low = max(0.0, value - c.step * math.floor((1 - c.low) * value / c.step))
            high = value + c.step * math.floor((c.high - 1) * value / c.step)
        elif c.relative:
            low, high = 0.0, max(c.high, 10.0) * c.step
        else:
            low, high = c.low, c.high
        if i not in records:
            records[i] = {p.key: p for p in parameters(order[i])}
        unit, source = _evidence(records[i], c.key)
        out.append(Shown(c, value, low, high, unit, source))
    return out


def moved(screen: Sequence[Shown], values: dict[str, Any]) -> dict[str, Any]:
    """The overrides to send: the controls whose value differs from what the scenarios hold,
    clipped to their range (a browser can send anything), whole numbers where the key is one."""
    out: dict[str, Any] = {}
    for s in screen:
        if s.key not in values or values[s.key] is None:
            continue
        v = values[s.key]
        if s.control.choices:
            if v in s.control.choices and v != s.value:
                out[s.key] = v
            continue
        try:
            x = min(max(float(v), s.low), s.high)
        except (TypeError, ValueError):
            continue
        step = s.control.step
        if abs(x - float(s.value)) < step / 2:
            continue  # where the scenario has it (a slider reports its own grid and float residue)
        if step:  # on the lever's steps from its low end, without a slider's residue (0.6000000000000001)
            x = round(s.low + round((x - s.low) / step) * step, 10)
        if isinstance(s.value, int) and not isinstance(s.value, bool):
            x = int(round(x))
        if x != s.value:
            out[s.key] = x
    return out
