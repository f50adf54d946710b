"""The tables ``run`` and ``compare`` print: which metrics, in what unit, laid out for a reader or a pipe.

``--metrics`` chooses the rows by name patterns; ``--format`` says who reads them. ``table`` is for
a person at an 80-column terminal: each row gives the metric's unit, the mean with its 95% CI
(mean ± half-width: the intervals are symmetric t intervals; large figures in k or m), and in a comparison the paired
difference from the base, its share of the base's mean and how often the policy came out lower.
``csv`` and ``json`` are for programs: the same figures unrounded, with the CI's ends, one record
per metric and scenario, and the illustrative notice inside the data itself (a ``notice`` column,
a ``notice`` key) so that it travels with every copy.
"""

from __future__ import annotations

import csv
import difflib
import fnmatch
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sim import NOTICE
from sim.results.numbers import number_short, with_ci  # noqa: F401  (number_short: for the command modules)
from sim.results.output import csv_cell
from sim.results.units import percent_change, unit

Format = Literal["table", "csv", "json"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json")
WIDTH = 80


@dataclass
class Row:
    """One metric of one scenario; the ``diff_*`` fields are set for a scenario compared with a base."""

    metric: str
    unit: str
    scenario: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    is_base: bool = False
    diff_mean: float | None = None
    diff_ci_low: float | None = None
    diff_ci_high: float | None = None
    change: float | None = None  # the difference as a share of the base's mean
    share_lower: float | None = None  # share of paired replications in which this scenario is lower


def choose(patterns: Sequence[str], available: Sequence[str], default: Sequence[str]) -> list[str]:
    """The metrics named by ``patterns`` (shell-style, comma-separated or repeated), in pipeline order.

    Raises ValueError naming a pattern that matches nothing, with the nearest names.
    """
    wanted = [p.strip() for text in patterns for p in text.split(",") if p.strip()]
    if not wanted:
        return list(default)
    chosen: set[str] = set()
    for pattern in wanted:
        hits = fnmatch.filter(available, pattern)
        if not hits:
            near = difflib.get_close_matches(pattern, available, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(near)}?)" if near else " (see summary.json for every metric's name)"
            raise ValueError(f"--metrics: {pattern!r} matches no metric{hint}")
        chosen.update(hits)
    return [m for m in available if m in chosen]


def run_rows(scenario: str, summaries: dict[str, dict[str, Any]], years: float) -> list[Row]:
    """Rows of one scenario's summaries (``{metric: summarise(...)}``)."""
    return [
        Row(m, unit(m, years), scenario, s["mean"], s["ci_low"], s["ci_high"], int(s["n"]), is_base=True)
        for m, s in summaries.items()
    ]


def comparison_rows(data: dict[str, Any], metrics: Iterable[str], years: float) -> list[Row]:
    """Rows of a comparison's ``data`` (see :func:`sim.experiments.compare.comparison`), base first."""
    names, n = data["scenarios"], int(data["replications"])
    rows = []
    for m in metrics:
        by_name = data["metrics"][m]
        base = by_name[names[0]]
        for i, name in enumerate(names):
            s = by_name[name]
            row = Row(m, unit(m, years), name, s["mean"], s["ci_low"], s["ci_high"], n, is_base=i == 0)
            if i > 0:
                d = s["diff"]
                row.diff_mean, row.diff_ci_low, row.diff_ci_high = d["mean"], d["ci_low"], d["ci_high"]
                row.change = percent_change(d["mean"], base["mean"])
                row.share_lower = d["share_lower"]
            rows.append(row)
    return rows


def render(rows: list[Row], fmt: Format, title: str, meta: dict[str, Any] | None = None) -> str:
    """``rows`` as text in ``fmt``; ``title`` heads a table, ``meta`` joins the JSON document."""
    if fmt == "csv":
        return _csv(rows)
    if fmt == "json":
        return json.dumps({"notice": NOTICE, **(meta or {}), "rows": [_finite(asdict(r)) for r in rows]}, indent=2)
    return "\n".join(_table(rows, title))


def _table(rows: list[Row], title: str) -> list[str]:
    lines = _wrap(title)
    if any(not r.is_base for r in rows):
        return lines + _comparison_table(rows)
    values = [with_ci(r.mean, r.ci_low, r.ci_high) for r in rows]
    value_w = max(len("mean ± 95% CI"), *(len(v) for v in values))
    name_w = min(max(len("metric"), *(len(r.metric) for r in rows)), 39)
    unit_w = min(max(len("unit"), *(len(r.unit) for r in rows)), WIDTH - name_w - value_w - 2)
    if unit_w < 12:  # huge figures: the names give way before the units do
        unit_w = 12
        name_w = WIDTH - unit_w - value_w - 2
    lines.append(f"{'metric':<{name_w}} {'unit':<{unit_w}} {'mean ± 95% CI':>{value_w}}")
    for r, value in zip(rows, values):
        lines.append(f"{_cut(r.metric, name_w):<{name_w}} {_cut(r.unit, unit_w):<{unit_w}} {value:>{value_w}}")
    return lines


def _comparison_table(rows: list[Row]) -> list[str]:
    """A metric's name and unit on one line, then a line per scenario: mean ± CI, difference ± CI, %, lower in."""
    name_w = min(max(len(r.scenario) + (7 if r.is_base else 0) for r in rows), 26)
    head = f"  {'scenario':<{name_w}} {'mean ± 95% CI':>16} {'difference ± CI':>16} {'change':>7} {'lower':>6}"
    lines = [head]
    last = None
    for r in rows:
        if r.metric != last:
            lines.append(f"{r.metric} [{r.unit}]")
            last = r.metric
        label = f"{r.scenario} (base)" if r.is_base else r.scenario
        value = with_ci(r.mean, r.ci_low, r.ci_high)
        if r.is_base:
            lines.append(f"  {_cut(label, name_w):<{name_w}} {value:>16}")
            continue
        diff = with_ci(r.diff_mean, r.diff_ci_low, r.diff_ci_high)
        change = "-" if r.change is None else f"{r.change:+.1%}"
        lower = "-" if r.share_lower is None else f"{r.share_lower:.0%}"
        lines.append(f"  {_cut(label, name_w):<{name_w}} {value:>16} {diff:>16} {change:>7} {lower:>6}")
    return lines + _wrap(
        "(difference: scenario - base, paired by replication; change: the difference over the base's mean; "
        "lower: the share of paired replications in which the scenario is lower)"
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrap(text: str) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > WIDTH:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    return [*lines, line] if line else lines


def _csv(rows: list[Row]) -> str:
    """Every row carries the notice (a printed table is short, and each row may be copied alone)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*Row.__dataclass_fields__, "notice"])
    for r in rows:
        w.writerow([*(csv_cell(v) for v in asdict(r).values()), NOTICE])
    return buf.getvalue().rstrip("\n")


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}
