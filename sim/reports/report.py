"""One self-contained HTML report for a run, comparison, sweep or calibration folder.

The figures are drawn by :mod:`sim.reports.figures`, saved as PNG and SVG in ``figures/`` beside the
report, and embedded in ``report.html`` as PNG data, so the page needs no network and no other
file to open. The page carries the notice that the model is illustrative and not a tool for
assessing individuals, the headline results with their intervals, the run's metadata, and every
parameter with its source.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import NOTICE, __version__
from sim.errors import ScenarioError
from sim.experiments.replications import MAX_REPS
from sim.experiments.runfolder import asked
from sim.experiments.sensitivity import small_sample
from sim.inputs.explain import parameters
from sim.inputs.loading import SET_SOURCE
from sim.inputs.names import inside
from sim.inputs.reading import read_bounded
from sim.inputs.scenario import Scenario
from sim.reports import figures as F
from sim.results import manifests
from sim.results.identity import KINDS
from sim.results.manifests import (
    COMPARISON_NAME,
    MANIFEST_NAME,
    AnyManifest,
    CheckManifest,
    ComparedManifest,
    ComparisonManifest,
    ComparisonRecord,
    FitManifest,
    ManifestError,
    RobustnessManifest,
    RunManifest,
    SweepManifest,
)
from sim.results.metrics import ADDED_LOAD
from sim.results.output import atomic_write
from sim.results.stats import summarise
from sim.results.store import STORE_NAME, Store, StoreDamaged
from sim.results.units import unit

SUMMARY_METRICS = (
    ("court.receipts_per_year", "court receipts a year"),
    ("court.disposals", "court disposals"),
    ("court.backlog_end", "court backlog at the end"),
    ("court.crown.backlog_end", "Crown backlog at the end"),
    ("court.wait_days_mean", "days from charge to disposal (mean)"),
    ("court.crown.wait_weeks_mean", "Crown wait to main hearing, weeks (mean)"),
    ("court.crown.wait_weeks_median", "Crown wait to main hearing, weeks (median)"),
    ("court.crown.wait_weeks_p90", "Crown wait to main hearing, weeks (90th percentile)"),
    ("court.sitting_days_used", "sitting days used by these cases"),
    ("court.crown.capacity_share", "share of Crown sitting days used by these cases"),
    ("court.crown.list.backlog_end", "Crown open caseload at the end, all cases"),
    ("court.crown.list.wait_weeks_mean", "Crown wait to main hearing, all cases, weeks (mean)"),
    ("court.crown.list.utilisation", "Crown sitting days used, all cases"),
    ("forensics.wait_days_mean", "forensic wait, days (mean)"),
    ("forensics.attrition", "dropped while waiting for examination"),
    ("scheme.referred", "referred to deferred prosecution"),
    ("scheme.completed", "completed the scheme"),
    ("scheme.prosecuted_after_failure", "prosecuted after failing the scheme"),
    ("caution.issued", "cautions issued"),
    ("sentence.custody_share", "custody share of sentences"),
    ("prison.population_end", "prison population at the end"),
)


class ReportError(Exception):
    """The folder is not one a report can be made from."""


@dataclass
class Report:
    kind: str  # run, comparison, sweep or calibration
    title: str
    folder: Path
    figures: list[tuple[str, str, Any]] = field(default_factory=list)  # (name, caption, Figure)
    sections: list[str] = field(default_factory=list)  # HTML blocks after the figures


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _fmt(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _json(path: Path) -> dict:
    """A JSON file of the folder, or one line saying that it is missing or damaged."""
    try:
        data = json.loads(read_bounded(path, "a folder's record"))
    except ScenarioError as exc:
        raise ReportError(str(exc)) from None
    except ValueError as exc:
        raise ReportError(f"{path}: damaged ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: damaged (not a JSON object)")
    return data


def _manifest(folder: Path) -> AnyManifest:
    """The folder's manifest as the model of its kind, or one line saying what is wrong with it."""
    try:
        return manifests.read(folder)
    except ManifestError as exc:
        raise ReportError(str(exc)) from None


def _scenario_manifest(folder: Path) -> RunManifest | ComparedManifest:
    manifest = _manifest(folder)
    if not isinstance(manifest, (RunManifest, ComparedManifest)):
        raise ReportError(f"{folder}: holds {KINDS[manifest.kind]}, not a scenario's run")
    return manifest


def _series(folder: Path, name: str | None) -> tuple[F.Series, RunManifest | ComparedManifest]:
    """A scenario's replications, read from its store as its manifest describes them, under ``name``
    (by default the scenario's)."""
    manifest = _scenario_manifest(folder)
    if manifest.status != "complete":
        raise ReportError(f"{folder}: the run is not complete (status {manifest.status!r}); finish it with --resume")
    n = manifest.replications
    try:
        sc = Scenario.model_validate(manifest.scenario)
    except ValueError:
        raise ReportError(f"{folder / MANIFEST_NAME}: damaged (no valid scenario)") from None
    if n is None or not 0 < n <= MAX_REPS:
        raise ReportError(f"{folder / MANIFEST_NAME}: damaged (replications {n!r})")
    if not (folder / STORE_NAME).is_file():
        raise ReportError(f"{folder}: no {STORE_NAME} to draw from")
    try:
        expected = asked(manifest.work)
    except (KeyError, TypeError):
        raise ReportError(f"{folder / MANIFEST_NAME}: damaged (no record of the work asked for)") from None
    with Store(folder / STORE_NAME, readonly=True) as store:
        problem = store.damage(expected, sc.run.months)
        if problem:
            raise StoreDamaged(f"{store.path}: {problem}")
        results = [r for r in store.results(0) if r.replication < n]
    if [r.replication for r in results] != list(range(n)):
        raise StoreDamaged(f"{folder / STORE_NAME}: holds {len(results)} of the {n} replications its manifest names")
    if not results[0].monthly:
        raise ReportError(f"{folder}: no monthly results to draw")
    return F.Series.of(name or sc.name, sc, results), manifest


def _summary_table(series: list[F.Series], comparison: ComparisonRecord | None) -> str:
    head = "".join(f"<th>{_esc(s.name)}</th>" for s in series)
    rows = []
    for key, label in SUMMARY_METRICS:
        cells = []
        for i, s in enumerate(series):
            st = summarise(r.headline[key] for r in s.results)
            text = _fmt(st["mean"])
            if st["ci_low"] is not None:
                text += f" <span class=ci>({_fmt(st['ci_low'])} to {_fmt(st['ci_high'])})</span>"
            d = comparison.metrics[key][s.name].diff if comparison and i > 0 else None
            if d is not None and d.mean is not None and d.ci_low is not None and d.share_lower is not None:
                text += (
                    f"<br><span class=diff>difference {_fmt(d.mean)} ({_fmt(d.ci_low)} to "
                    f"{_fmt(d.ci_high)}), lower in {d.share_lower:.0%} of replications</span>"
                )
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr><th scope=row>{_esc(label)}<br><code>{_esc(key)}</code></th>{''.join(cells)}</tr>")
    note = (
        "<p class=small>Means with 95% confidence intervals across replications. "
        + (_esc(comparison.paired_differences) if comparison else "")
        + "</p>"
    )
    return f"<h2>Headline results</h2><table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>{note}"


def _parameters_table(scenario: dict[str, Any], title: str, only_differing_from: dict | None = None) -> str:
    sc = Scenario.model_validate(scenario)
    base = (
        {p.key: p.value for p in parameters(Scenario.model_validate(only_differing_from))}
        if only_differing_from
        else None
    )
    rows = []
    for p in parameters(sc):
        if base is not None and base.get(p.key) == p.value:
            continue
        rows.append(
            f"<tr><td><code>{_esc(p.key)}</code></td><td>{_esc(p.value)}</td><td>{_esc(p.unit)}</td>"
            f"<td>{_esc(p.set_by)}</td><td>{_esc(p.source)}</td></tr>"
        )
    if not rows:
        return ""
    return (  # collapsed: a reader opens the table when wanted
        f"<details><summary><b>{_esc(title)}</b> ({len(rows)} parameters)</summary><table class=params><tr>"
        f"<th>parameter</th><th>value</th><th>unit</th><th>set by</th><th>source</th></tr>{''.join(rows)}</table>"
        "</details>"
    )


def _metadata(manifest: AnyManifest, name: str | None = None) -> str:
    """How the folder was made: its scenario (or ``name``), seed, replications, hash, run time, command."""
    shown = manifest.as_json()
    items = [
        ("scenario", name or shown.get("scenario_name")),
        ("seed", manifest.seed),
        ("replications", shown.get("replications")),
        ("scenario hash", manifest.scenario_hash),
        ("runtime (s)", shown.get("runtime_s")),
        ("command", " ".join(shown.get("command") or [])),
        ("versions", ", ".join(f"{k} {v}" for k, v in (shown.get("versions") or {}).items())),
    ]
    stopping = shown.get("stopping")
    if stopping:
        items.append(("replications chosen by", stopping["reason"]))
    rows = "".join(f"<tr><th scope=row>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in items if v is not None)
    return f"<table class=meta>{rows}</table>"


def _warnings(runs: list[tuple[str, RunManifest | ComparedManifest]]) -> str:
    """Each scenario's warnings: no capacity, queues still growing, and which capacity binds."""
    items = [f"<li><b>{_esc(name)}</b>: {_esc(w)}</li>" for name, m in runs for w in m.warnings or []]
    text = (
        ("<ul>" + "".join(items) + "</ul>")
        if items
        else (
            "<p>None: no stage without capacity, no queue still growing, no warm-up too short or drift, no capacity "
            "busy above 98%.</p>"
        )
    )
    return (
        "<h2>Warnings and what binds</h2><p class=small>A capacity busy above 98% of the time binds: what passes "
        "it is set by capacity, not demand. A queue still growing at the end never settled: read it as a "
        "trajectory.</p>" + text
    )


def _decision_order(runs: list[tuple[str, RunManifest | ComparedManifest]]) -> str:
    rows = []
    for name, m in runs:
        order = Scenario.model_validate(m.scenario).decision.order_text() or [
            "no diversion rule: every case is charged"
        ]
        rows.append(f"<tr><th scope=row>{_esc(name)}</th><td>{'<br>'.join(_esc(o) for o in order)}</td></tr>")
    return "<h2>Decision rules, in the order they are tried</h2><table>" + "".join(rows) + "</table>"


def _freed_and_widening(comp: ComparisonRecord) -> str:
    base = comp.base
    rows = []
    for name, days in comp.sitting_days_freed.items():
        for prefix, label in (("court.crown", "Crown Court"), ("court.magistrates", "magistrates' courts")):
            d = days[f"{prefix}.sitting_days_freed_per_year"]
            sh = days[f"{prefix}.sitting_days_freed_share_of_capacity"]
            ci = "" if d.ci_low is None else f" ({_fmt(d.ci_low)} to {_fmt(d.ci_high)})"
            share = "-" if sh.mean is None else f"{sh.mean:.2%}"
            rows.append(
                f"<tr><td>{_esc(name)}</td><td>{_esc(label)}</td><td>{_fmt(d.mean)}{ci}</td><td>{share}</td></tr>"
            )
    out = (
        (
            "<h2>Sitting days freed</h2><p class=small>Days a year these cases no longer use against the base "
            f"({_esc(base)}), paired by replication, and their share of the level's capacity (all cases). The days go "
            "to "
            "other work when the list has work waiting; waits move only as far as the whole list moves.</p>"
            "<table><tr><th>scenario</th><th>court</th><th>days freed a year (95% CI)</th><th>share of "
            "capacity</th></tr>" + "".join(rows) + "</table>"
        )
        if rows
        else ""
    )
    nw = comp.net_widening
    if nw:
        fates = list(next(iter(nw.values())).under_base)
        head = "".join(f"<th>{_esc(f)} under {_esc(base)}</th>" for f in fates)
        body = "".join(
            f"<tr><td>{_esc(name)}</td><td>{_fmt(v.diverted.mean)}</td>"
            + "".join(f"<td>{_share(v.under_base[f].mean)}</td>" for f in fates)
            + "</tr>"
            for name, v in nw.items()
        )
        out += (
            "<h2>Who the diversion takes: net-widening</h2><p "
            f"class=small>{_esc(comp.net_widening_note)}</p>"
            f"<table><tr><th>scenario</th><th>diverted (mean)</th>{head}</tr>{body}</table>"
        )
    return out


#: the loads a policy adds or removes outside the courts, and what everything costs


def _added_load_section(comp: ComparisonRecord) -> str:
    """Each load elsewhere and each cost: the base's figure and every policy's paired difference."""
    names = comp.scenarios
    head = f"<th>metric</th><th>unit</th><th>{_esc(names[0])} (base)</th>" + "".join(
        f"<th>{_esc(n)}: difference (95% CI)</th>" for n in names[1:]
    )
    rows = []
    for key in ADDED_LOAD:
        m = comp.metrics.get(key)
        if m is None:
            continue
        cells = []
        for n in names[1:]:
            d = m[n].diff
            ci = "" if d is None or d.ci_low is None else f" ({_fmt(d.ci_low)} to {_fmt(d.ci_high)})"
            cells.append(f"<td>{_fmt(None if d is None else d.mean)}{ci}</td>")
        rows.append(
            f"<tr><td>{_esc(key)}</td><td class=small>{_esc(unit(key))}</td><td>{_fmt(m[names[0]].mean)}</td>"
            + "".join(cells)
            + "</tr>"
        )
    return (
        "<h2>Added load elsewhere, and cost</h2><p class=small>What each policy adds to (or removes from) the other "
        "stages, and the cost of every load at the scenario's unit costs (GBP; its [costs] section, each with its "
        "source): paired differences from the base. Totals are over the reported years; prison is the population at "
        "the end. The difference of cost.total_gbp is the policy's net cost (negative: a saving).</p>"
        f"<table><tr>{head}</tr>" + "".join(rows) + "</table>"
    )


def _how_fast_section(comp: ComparisonRecord) -> str:
    """Months to half and nine tenths of each policy's long-run effect, with their bootstrap intervals."""
    rows = []
    for name, speed in comp.how_fast.items():
        for series, t in speed["times"].items():
            e = t["long_run_effect_per_month"]
            cells = []
            for pct in (50, 90):
                x = t[f"months_to_{pct}pct"]
                ci = "" if x["ci_low"] is None else f" ({x['ci_low']:.0f} to {x['ci_high']:.0f})"
                cells.append("<td>no clear effect</td>" if x["months"] is None else f"<td>{x['months']:.0f}{ci}</td>")
            rows.append(
                f"<tr><td>{_esc(name)}</td><td>{_esc(series)}</td><td>{_fmt(e['mean'])}</td>" + "".join(cells) + "</tr>"
            )
    if not rows:
        return ""
    return (
        "<h2>How fast</h2><p class=small>Months from the policy's start (decision.policy_start_month; month 0 is "
        "the start of the warm-up) until a "
        "centred five-month moving mean of the paired difference first reaches 50% and 90% of the long-run effect "
        "(the mean difference over the last twelve months), with bootstrap 95% intervals over the replications. "
        "monthly_differences.csv and differences_by_year.csv in the folder hold the series.</p>"
        "<table><tr><th>scenario</th><th>series</th><th>long-run effect a month</th><th>months to 50%</th>"
        "<th>months to 90%</th></tr>" + "".join(rows) + "</table>"
    )


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def build(folder: Path) -> Report:
    """The report of the folder's kind, as its manifest records it."""
    manifest = _manifest(folder)
    if isinstance(manifest, (RunManifest, ComparedManifest)):
        return _run_report(folder)
    if isinstance(manifest, ComparisonManifest):
        return _comparison_report(folder, manifest)
    if isinstance(manifest, SweepManifest):
        return _sweep_report(folder, manifest)
    if isinstance(manifest, RobustnessManifest):
        return _robustness_report(folder, manifest)
    return _calibration_report(folder, manifest)


def _with_set(scenario: dict[str, Any]) -> str:
    """`` with KEY=VALUE, ...`` for the values a run's scenario took from ``--set`` (its sources say which)."""
    sources = scenario.get("sources") or {}
    keys = [k for k, v in sources.items() if v == SET_SOURCE and not k.startswith("run.")]
    if not keys:
        return ""
    shown = []
    for key in keys:
        node: Any = scenario
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        shown.append(f"{key}={json.dumps(node) if not isinstance(node, str) else node}")
    return " with " + ", ".join(shown)


def _run_report(folder: Path) -> Report:
    """A run, or one scenario of a comparison: its trajectories, results, stability and parameters."""
    s, manifest = _series(folder, None)
    name = s.name
    series = [s]
    rep = Report("run", f"{name}{_with_set(manifest.scenario)}: {len(s.results)} replications", folder)
    _trajectory_figures(rep, series)
    rep.sections.append(_summary_table(series, None))
    _stability(rep, series, [manifest])
    rep.sections.append(_warnings([(name, manifest)]))
    rep.sections.append(_decision_order([(name, manifest)]))
    rep.sections.append("<h2>Run</h2>" + _metadata(manifest))
    rep.sections.append("<h2>Parameters and their sources</h2>" + _parameters_table(manifest.scenario, name))
    return rep


def _comparison_report(folder: Path, manifest: ComparisonManifest) -> Report:
    """A comparison: paired differences, each scenario's trajectories, days freed and net-widening."""
    if manifest.status != "complete":
        raise ReportError(f"{folder}: the comparison is not complete; finish it with --resume")
    try:
        comp = manifests.read_comparison(folder)
    except ManifestError as exc:
        raise ReportError(str(exc)) from None
    names = comp.scenarios
    try:
        read = [_series(inside(folder, name), name) for name in names]
    except ValueError as exc:
        raise ReportError(f"{folder / COMPARISON_NAME}: damaged ({exc})") from None
    series = [s for s, _ in read]
    runs = [m for _, m in read]
    rep = Report(
        "comparison",
        f"{' vs '.join(names)}{_with_set(runs[0].scenario)}: {comp.replications} paired replications",
        folder,
    )
    _trajectory_figures(rep, series)
    rep.figures.insert(
        0,
        (
            "differences",
            "Paired differences from the base scenario, as a share of the base's mean, with 95% confidence intervals.",
            F.forest(comp.as_json()),
        ),
    )
    if len(series) > 1:
        rep.figures.insert(
            1,
            (
                "how_fast",
                "How fast each policy acts: its paired difference from the base, month by month from its start.",
                F.how_fast(series[0], series[1:]),
            ),
        )
    rep.sections.append(_summary_table(series, comp))
    _stability(rep, series, runs)
    rep.sections.append(_freed_and_widening(comp))
    rep.sections.append(_how_fast_section(comp))
    rep.sections.append(_added_load_section(comp))
    rep.sections.append(_warnings(list(zip(names, runs))))
    rep.sections.append(_decision_order(list(zip(names, runs))))
    rep.sections.append("<h2>Runs</h2>" + "".join(f"<h3>{_esc(n)}</h3>{_metadata(m, n)}" for n, m in zip(names, runs)))
    params = _parameters_table(runs[0].scenario, f"{names[0]} (base): every parameter")
    for name, m in zip(names[1:], runs[1:]):
        params += _parameters_table(m.scenario, f"{name}: parameters that differ from the base", runs[0].scenario)
    rep.sections.append("<h2>Parameters and their sources</h2>" + params)
    return rep


def _robustness_report(folder: Path, manifest: RobustnessManifest) -> Report:
    """A robustness folder: the tornado of key differences, the table with its flags, the parameters."""
    from sim.reports.robustness import report_parts

    if manifest.status != "complete":
        raise ReportError(f"{folder}: the robustness run is not complete; run it again into a new --out")
    data = _json(folder / "robustness.json")
    rep = Report(
        "robustness",
        f"robustness of {data['other']} vs {data['base']}: {len(data['points'])} points, "
        f"{data['replications']} paired replications each",
        folder,
    )
    rep.figures, rep.sections = report_parts(data)
    scenarios = manifest.effective_scenarios
    params = _parameters_table(scenarios[data["base"]], f"{data['base']} (base): every parameter")
    params += _parameters_table(
        scenarios[data["other"]], f"{data['other']}: parameters that differ from the base", scenarios[data["base"]]
    )
    rep.sections.append("<h2>Run</h2>" + _metadata(manifest, f"{data['other']} vs {data['base']}"))
    rep.sections.append("<h2>Parameters and their sources (base point)</h2>" + params)
    return rep


def _calibration_report(folder: Path, manifest: CheckManifest | FitManifest) -> Report:
    """A calibrate-check or calibrate folder: every target's band beside the model, fit and held out."""
    fitted = isinstance(manifest, FitManifest)
    record = _json(folder / ("fit.json" if fitted else "checks.json"))
    checks = record["checks"]
    if not isinstance(checks, list) or not checks or not all(isinstance(c, dict) for c in checks):
        raise ReportError(f"{folder}: damaged (no list of checks)")
    what = "calibration" if fitted else "calibration check"
    name = record.get("scenario_name") or Path(str(record.get("scenario", "scenario"))).stem
    rep = Report("calibration", f"{name}: {what} against {record.get('targets_name') or record.get('targets')}", folder)
    rep.figures.append(
        (
            "targets",
            "Each published figure's band (grey) and the model's mean (dot) with its 95% CI (line) "
            "over the replications. Fit targets may have been tuned to; held-out targets never were, so "
            "they are the test of the calibration.",
            F.target_bands(checks),
        )
    )
    body = ""
    for role, title in (("fit", "Fit targets"), ("holdout", "Held-out targets (never fitted)")):
        mine = [c for c in checks if c.get("role", "fit") == role]
        if not mine:
            continue
        body += (
            f"<h3>{title}: {sum(bool(c['within']) for c in mine)} of {len(mine)} met</h3><table><tr><th>target</th>"
            "<th>compared with</th><th>model mean</th><th>95% CI</th><th>band</th><th>unit</th><th>met</th>"
            "<th>source</th></tr>"
        )
        for c in mine:
            body += (
                f"<tr><td>{_esc(c['target'])}</td><td>{_esc(c['metric'])}</td><td>{_fmt(c['mean'])}</td>"
                f"<td class=ci>{_fmt(c['ci_low'])} to {_fmt(c['ci_high'])}</td><td>{_fmt(c['low'])} to "
                f"{_fmt(c['high'])}</td>"
                f"<td>{_esc(c['unit'])}</td><td>{'yes' if c['within'] else '<b>NO</b>'}</td>"
                f"<td class=small>{_esc(c['source'])} {_esc(c.get('units', ''))}</td></tr>"
            )
        body += "</table>"
    meta = [
        ("replications", record.get("replications")),
        ("seed", record.get("seed")),
        ("date", record.get("date")),
        ("targets file", record.get("targets")),
    ]
    if fitted:
        meta += [
            ("fitted", ", ".join(f"{k} = {v:.6g}" for k, v in record.get("values", {}).items())),
            ("evaluations", record.get("evaluations")),
            ("objective (fit targets)", record.get("objective")),
        ]
    rep.sections.append("<h2>Targets</h2>" + body)
    rep.sections.append(
        "<h2>Check</h2><table class=meta>"
        + "".join(f"<tr><th scope=row>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in meta)
        + "</table>"
    )
    return rep


def _stability(rep: Report, series: list[F.Series], runs: list[RunManifest | ComparedManifest]) -> None:
    """The warm-up diagnostic of each scenario: figure and table (see sim.results.warmup and docs/warmup.md)."""
    from sim.results.warmup import BIAS_WARN, DRIFT_WARN, of_scenario, signed_share

    found = {s.name: of_scenario(s.results, Scenario.model_validate(m.scenario)) for s, m in zip(series, runs)}
    rep.figures.append(
        (
            "warmup",
            "Each key series over every simulated month, warm-up included (grey), and below it the "
            "MSER-5 statistic (White 1997) against the months truncated. The dashed line is the MSER-5 "
            "truncation point, where the statistic is least; a minimum on the last month searched (half "
            "the run) means no truncation point: the series has not settled.",
            F.warmup(series, found),
        )
    )

    def pct(x: float | None) -> str:
        return "-" if x is None else signed_share(x)

    body = ""
    for name, rows in found.items():
        for st in rows:
            cut = "none found" if st.truncation_months is None else str(st.truncation_months)
            drift = "-" if st.drift_per_year is None else f"{_fmt(st.drift_per_year)} {st.unit}"
            if st.drift_ci[0] is not None:
                drift += f" <span class=ci>({_fmt(st.drift_ci[0])} to {_fmt(st.drift_ci[1])})</span>"
            share = pct(st.drift_share)
            if st.drift_share_ci[0] is not None:
                share += f" <span class=ci>({pct(st.drift_share_ci[0])} to {pct(st.drift_share_ci[1])})</span>"
            body += (
                f"<tr><td>{_esc(name)}</td><td>{_esc(st.label)}<br><code>{_esc(st.series)}</code></td><td>{cut}</td>"
                f"<td>{st.warmup_months}</td><td>{pct(st.bias)}</td><td>{drift}</td><td>{share}</td>"
                f"<td>{_esc(st.verdict)}</td></tr>"
            )
    rep.sections.append(
        "<h2>Warm-up and stability</h2><p class=small>MSER-5 truncation in months from the start of the simulation, "
        "against the configured warm-up (<code>run.warmup_months</code>). Off settled: how far the reported window's "
        f"mean is from the mean after the truncation point; above {BIAS_WARN:.0%} the warm-up is too short and the "
        "warnings say so. Drift: the least-squares slope a year over the reported months after the truncation point "
        "(after the warm-up where none is found), with its 95% interval across replications, and as a share of the "
        f"series' mean a year; named in the warnings when the whole interval is beyond {DRIFT_WARN:.0%} a year, and "
        "called by design when the scenario changes its inputs during the run. A list that starts at a published "
        "caseload and drains or fills towards its balance moves for years by design: read its early months as that "
        "path, and the paired differences (which the start-up moves alike in every scenario) as the policy's effect. "
        "See docs/warmup.md.</p><table><tr><th>scenario</th><th>series</th><th>MSER-5 truncation (months)</th>"
        "<th>configured warm-up (months)</th><th>reported mean off settled</th><th>drift a year (95% CI)</th>"
        "<th>drift, share of mean a year (95% CI)</th><th>verdict</th></tr>" + body + "</table>"
    )


def _trajectory_figures(rep: Report, series: list[F.Series]) -> None:
    rep.figures += [
        (
            "backlog",
            "Cases in court at the end of each month. Bold: mean over replications; band: middle 95% of "
            "replications; faint: each replication. An overloaded court never settles, so read the trajectory.",
            F.backlog(series),
        ),
        (
            "crown_list",
            "The Crown Court's whole list, which these cases share: its open caseload and the Ministry of "
            "Justice's waiting time (sending to the main hearing) over all its cases.",
            F.crown_list(series),
        ),
        (
            "receipts_disposals",
            "Cases reaching court (charged) and leaving it (sentenced or acquitted) each month.",
            F.receipts_disposals(series),
        ),
        (
            "wait_distribution",
            "Distribution of the time from charge to disposal, pooled over replications.",
            F.wait_distribution(series),
        ),
        ("outcomes", "How cases closed in the reporting window ended, by route.", F.outcomes(series)),
    ]
    rep.figures.append(
        (
            "route_flows",
            "Each route's flow: how many people met each stage of it over the reporting window (the "
            "status quo's court route, cautions, self-referral, deferred prosecution), scenario by scenario.",
            F.route_flows(series),
        )
    )
    rep.figures.append(
        ("utilisation", "Share of each finite resource's capacity in use, month by month.", F.utilisation(series))
    )


def _sweep_report(folder: Path, manifest: SweepManifest) -> Report:
    import pandas as pd

    if manifest.status != "complete":
        raise ReportError(f"{folder}: the sweep is not complete; finish it with --resume")
    spec = manifest.sweep
    try:
        points = pd.read_csv(folder / "points.csv")
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder / 'points.csv'}: missing or damaged ({type(exc).__name__})") from None
    factors = list(spec["factors"])
    rep = Report("sweep", f"sweep {spec['name']}: {manifest.points} points, {manifest.tasks} tasks", folder)
    # a sweep against a scenario is about the difference the policy makes: its figures show that
    against = spec.get("against")
    prefix = "effect." if against else ""
    metrics = {
        prefix + m: points[f"{prefix}{m}.mean"].to_numpy(dtype=float)
        for m in ("court.receipts_per_year", "court.backlog_end", "court.wait_days_mean")
        if f"{prefix}{m}.mean" in points
    }
    versus = f" minus the same under '{against}' (the policy's effect)" if against else ""
    rep.figures.append(
        (
            "factor_effects",
            f"Each court-load metric{versus} against each factor: a dot per design point (mean over "
            "its replications) and the mean by level or bin.",
            F.factor_effects(factors, points[factors].to_numpy(dtype=float), metrics, bool(against)),
        )
    )
    backlog_key = prefix + "court.backlog_end"
    if spec["design"] == "grid" and len(factors) >= 2 and backlog_key in metrics:
        x = points[factors].to_numpy(dtype=float)
        backlog = metrics[backlog_key]
        pairs = [(a, b) for a in range(len(factors)) for b in range(a + 1, len(factors))][:3]  # the first three
        for a, b in pairs:
            rep.figures.append(
                (
                    f"interaction_{a}_{b}",
                    f"Two factors of the grid together: the court backlog at the end{versus} (mean over the other "
                    "factors' levels and the replications) at each pair of levels.",
                    F.interaction((factors[a], factors[b]), x[:, [a, b]], backlog_key, backlog),
                )
            )
    for method in ("sobol", "morris"):
        path = folder / f"sensitivity_{method}.csv"
        if path.exists():
            rows = pd.read_csv(path).drop(columns="notice").to_dict("records")
            small = small_sample(method, int(spec.get("samples", 0)))
            rep.figures.append(
                (
                    f"sensitivity_{method}",
                    "Inputs ranked by influence on each metric, with 95% bootstrap "
                    "intervals; the 'replication' bar is the model's own noise: an input below it cannot be "
                    "told from chance at this sample size." + (f" {small[0].upper()}{small[1:]}." if small else ""),
                    F.sensitivity_bars(method, rows, spec["metrics"]),
                )
            )
    rep.sections.append(
        "<h2>Sweep</h2>"
        + "<table class=meta>"
        + "".join(
            f"<tr><th scope=row>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
            for k, v in (
                ("design", spec["design"]),
                ("factors", ", ".join(factors)),
                ("points", manifest.points),
                ("tasks", manifest.tasks),
                ("failed tasks", manifest.failed_tasks),
                ("seed", spec["seed"]),
                ("common random numbers", spec["common_random_numbers"]),
                ("compared with", against or "nothing (levels only)"),
            )
        )
        + "</table>"
    )
    rep.sections.append(
        "<h2>Base scenario: parameters and their sources</h2>" + _parameters_table(manifest.scenario, spec["base"])
    )
    return rep


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:0 auto;
     padding:1rem 1.5rem;color:#111}
.notice{border:2px solid #111;background:#fff8e1;padding:.8rem 1rem;font-weight:600;margin:1rem 0}
figure{margin:1.5rem 0;border-top:1px solid #ddd;padding-top:1rem}figure img{max-width:100%;height:auto}
figcaption{font-size:13px;color:#333;margin-top:.3rem}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}
td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
.ci,.diff,.small{color:#444;font-size:12px}
table.params td:last-child{max-width:480px}code{font-size:12px}
"""


def render(rep: Report) -> tuple[str, dict[str, tuple[bytes, bytes]]]:
    """The HTML page and each figure's PNG and SVG bytes."""
    images: dict[str, tuple[bytes, bytes]] = {}
    blocks = []
    for name, caption, fig in rep.figures:
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", bbox_inches="tight")
        fig.savefig(svg, format="svg", bbox_inches="tight")
        F.plt.close(fig)
        images[name] = (png.getvalue(), svg.getvalue())
        title = fig.texts[0].get_text() if fig.texts else (fig.axes[0].get_title() if fig.axes else name)
        data = base64.b64encode(png.getvalue()).decode()
        blocks.append(
            f'<figure id="{name}"><img alt="{_esc(title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
        )
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>divertsim report: {_esc(rep.title)}</title><style>{CSS}</style></head><body>"
        f"<div class=notice id=notice>{_esc(NOTICE)}</div>"
        f"<h1>{_esc(rep.title)}</h1><p class=small>divertsim {__version__} report of "
        f"<code>{_esc(rep.folder.name)}</code>"
        f" ({rep.kind}), made {stamp}.</p>"
        + "".join(blocks)
        + "".join(rep.sections)
        + f"<div class=notice>{_esc(NOTICE)}</div></body></html>\n"
    )
    return page, images


def report_path(folder: Path, out: Path | None) -> Path:
    """Where the report goes: ``--out`` as a file, or ``report.html`` inside ``--out`` when it
    names a folder, or inside the run's folder. The figures go into ``figures/`` beside it, so
    everything written is inside the folder the user chose."""
    if out is None:
        return folder / "report.html"
    if out.is_dir():
        return out / "report.html"
    if out.exists() and not out.is_file():
        raise ReportError(f"{out}: exists and is neither a file nor a folder")
    if not out.parent.is_dir():
        raise ReportError(f"{out}: no such folder {out.parent}")
    return out


def write(folder: Path, out: Path | None = None) -> Path:
    """Build, render and write the report and its figures; return the report's path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    target = report_path(folder, out)
    try:
        rep = build(folder)
    except (KeyError, TypeError) as exc:  # a record that parses but lacks what divertsim wrote into it
        raise ReportError(f"{folder}: a record of the folder is damaged ({type(exc).__name__}: {exc})") from None
    page, images = render(rep)
    fig_dir = target.parent / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    for name, (png, svg) in images.items():
        atomic_write(fig_dir / f"{name}.png", png)
        atomic_write(fig_dir / f"{name}.svg", svg)
    atomic_write(target, page)
    return target
