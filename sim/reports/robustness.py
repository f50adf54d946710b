"""The report's part for a robustness folder: the tornado of key differences and the table of flags."""

from __future__ import annotations

import html
from typing import Any

from sim.experiments.robustness import CORNER, KEY_DIFFERENCES, conclusion, detail, number, where, with_ci
from sim.reports import figures as F


def report_parts(data: dict[str, Any]) -> tuple[list[tuple[str, str, Any]], list[str]]:
    """The report's figure (a tornado of the key differences over the factors) and its section: the flags,
    the table of every headline difference, the factors and the definitions."""
    esc = html.escape
    metrics = data["metrics"]
    keys = list(dict.fromkeys([*data["flagged"], *(k for k in KEY_DIFFERENCES if k in metrics)]))[:12]
    figures = [
        (
            "robustness",
            f"Each key difference ({data['other']} against {data['base']}) at each factor's low and "
            "high setting, the other factors at the base: bars run from the base point's difference (solid line; "
            "grey band: its 95% CI) to the difference at the setting, whiskers are that point's 95% CI, the dashed "
            "line is zero. A panel titled SIGN FLIP has a point whose CI lies wholly on the other side of zero.",
            F.tornado(data, [(k, metrics[k]["label"]) for k in keys]),
        )
    ]
    if data["flagged"]:
        items = "".join(
            f"<li><b>{esc(metrics[k]['label'])}</b> (<code>{esc(k)}</code>): {esc(where(metrics[k]))}. "
            f"Difference (95% CI): {esc(detail(data, k))}</li>"
            for k in data["flagged"]
        )
        head = (
            f"<div class=notice style='border-color:#D55E00;background:#fdecea'>Policy conclusions whose sign flips "
            f"inside the plausible structural ranges:<ul>{items}</ul></div>"
        )
    else:
        head = f"<p><b>{esc(conclusion(data))}.</b></p>"
    rows = []
    for key, m in metrics.items():
        flag = {"flip": "<b style='color:#D55E00'>SIGN FLIP</b>", "weak": "weak", "robust": "-"}[m["flag"]]
        rows.append(
            f"<tr><th scope=row>{esc(m['label'])}<br><code>{esc(key)}</code></th><td>{esc(m['difference'])}</td>"
            f"<td>{esc(with_ci(m['base']))}</td><td>{number(m['mean_min'])} to {number(m['mean_max'])}</td>"
            f"<td>{number(m['ci_low_min'])} to {number(m['ci_high_max'])}</td><td>{flag}</td>"
            f"<td class=small>{esc(where(m))}</td></tr>"
        )
    factors = "".join(
        f"<tr><td><code>{esc(f['name'])}</code></td><td>{esc(', '.join(f['keys']))}</td>"
        f"<td>{'x' if f['applied'].startswith('multiplies') else ''}{f['low']:g} / "
        f"{'x' if f['applied'].startswith('multiplies') else ''}{f['high']:g}</td>"
        f"<td>{esc(f['meaning'])}</td><td class=small>{esc(f['why'])}</td></tr>"
        for f in data["factors"]
    )
    section = (
        "<h2>Robustness of the policy difference</h2>"
        + head
        + f"<p class=small>{esc(data['other'])} against {esc(data['base'])}: {len(data['points'])} points "
        "(the base, each factor low and "
        f"high{', the capacity corners' if any(p['factor'] == CORNER for p in data['points']) else ''}), "
        f"{data['replications']} paired replications each over {data['years']:g} "
        f"year{'' if data['years'] == 1 else 's'}. "
        f"{esc(data['paired_differences'])}</p>"
        f"<p class=small>{esc(data['flip_definition'])} {esc(data['weak_definition'])}</p>"
        "<table><tr><th>difference</th><th>read as</th><th>base point (95% CI)</th><th>range of the mean</th>"
        "<th>range of the CIs</th><th>flag</th><th>where</th></tr>" + "".join(rows) + "</table>"
        "<h3>Structural factors</h3><p class=small>Each is applied to both scenarios alike, one at a time; a "
        "multiplier "
        "scales each scenario's own value (schedules and year-by-year inputs included), a value is set.</p>"
        "<table><tr><th>factor</th><th>keys</th><th>low / high</th><th>what it moves</th><th>range from</th></tr>"
        + factors
        + "</table>"
    )
    return figures, [section]
