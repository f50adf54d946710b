"""The figures of a report, drawn with matplotlib from finished results.

Every figure has a title, axes labelled with their units, and the same colour, line style and
marker for the same scenario in every figure, chosen so that scenarios stay distinguishable in
grey-scale print (the Okabe-Ito palette, which differs in lightness, plus a line style each).
Bands are the middle 95% of replications; faint lines are individual replications (as simmer.plot
and the EMA Workbench draw them); a trajectory's mean is the bold line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.engine.calendar import add_months  # noqa: E402
from sim.results.metrics import WAIT_BINS_DAYS, RepResult  # noqa: E402

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario
    from sim.results.warmup import Stability

PALETTE = ("#000000", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

plt.rcParams.update(
    {
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
    }
)


def look(i: int) -> dict[str, Any]:
    """The colour, line style and marker of the i-th scenario, the same in every figure."""
    return {
        "color": PALETTE[i % len(PALETTE)],
        "linestyle": STYLES[i % len(STYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


@dataclass
class Series:
    """One scenario's replications, ready to draw."""

    name: str
    results: list[RepResult]
    months: list[dt.date]  # the first day of each reporting month
    warmup: int  # months of warm-up at the start

    @classmethod
    def of(cls, name: str, scenario: Scenario, results: list[RepResult]) -> Series:
        """A scenario's replications under ``name``, on its own calendar and warm-up."""
        run = scenario.run
        return cls(name, results, [add_months(run.start_date, k) for k in range(run.months)], run.warmup_months)

    def monthly(self, key: str) -> np.ndarray:
        """Replications x months, warm-up months dropped."""
        return np.array([r.monthly[key][self.warmup :] for r in self.results], dtype=float)

    @property
    def dates(self) -> list[dt.date]:
        return self.months[self.warmup :]


def _trajectory(ax, s: Series, i: int, key: str, faint: bool = True) -> None:
    y = s.monthly(key)
    x = s.dates
    st = look(i)
    if faint:
        for row in y:
            ax.plot(x, row, color=st["color"], linewidth=0.5, alpha=0.18)
    if len(y) > 1:
        lo, hi = np.nanpercentile(y, [2.5, 97.5], axis=0)
        ax.fill_between(x, lo, hi, color=st["color"], alpha=0.15, linewidth=0)
    ax.plot(x, np.nanmean(y, axis=0), color=st["color"], linestyle=st["linestyle"], linewidth=1.8, label=s.name)


def _legend_below(fig: Figure, ax, rows_of: int = 4) -> None:
    """The scenarios' legend under the panels, clear of every line, then the layout around it."""
    handles, labels = ax.get_legend_handles_labels()
    rows = max(1, math.ceil(len(labels) / rows_of))
    room = (0.28 * rows + 0.15) / fig.get_figheight()  # inches of legend as a share of the figure
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), rows_of), frameon=False,
                   bbox_to_anchor=(0.5, 0.0), fontsize=8)  # fmt: skip
    fig.tight_layout(rect=(0, room if handles else 0, 1, 1))


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _two_panels(
    series: Sequence[Series],
    keys: tuple[str, str],
    titles: tuple[str, str],
    ylabel: str,
    suptitle: str,
    faint: bool,
    sharey: bool,
) -> Figure:
    """Two monthly measures side by side, one line (and band) per scenario in each."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True, sharey=sharey)
    for i, s in enumerate(series):
        for ax, key in zip(axes, keys):
            _trajectory(ax, s, i, key, faint=faint)
    for ax, title in zip(axes, titles):
        ax.set_title(title)
        ax.set_xlabel("month")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)  # counts, waits and days: from zero, so a change is seen at its true size
        _date_axis(ax)
    fig.suptitle(suptitle)
    _legend_below(fig, axes[0])
    return fig


def backlog(series: Sequence[Series]) -> Figure:
    return _two_panels(
        series,
        ("court_backlog_end", "crown_backlog_end"),
        ("All courts", "Crown Court"),
        "cases in court at the end of the month",
        "Court backlog: mean, middle 95% of replications, and each replication",
        faint=True,
        sharey=False,
    )


def crown_list(series: Sequence[Series]) -> Figure:
    """The Crown Court's whole list, which these cases share: its open caseload and its waiting time."""
    return _two_panels(
        series,
        ("crown_list_backlog_end", "crown_list_wait_weeks_mean"),
        ("Open caseload, all cases (end of month)", "Waiting time, all cases: sending to main hearing"),
        "cases / weeks",
        "The Crown Court's whole list (these cases and the rest of the caseload)",
        faint=True,
        sharey=False,
    )


def receipts_disposals(series: Sequence[Series]) -> Figure:
    return _two_panels(
        series,
        ("court_receipts", "court_disposals"),
        ("Receipts (charged cases reaching court)", "Disposals (sentence or acquittal)"),
        "cases per month",
        "Monthly court receipts and disposals (mean and middle 95% of replications)",
        faint=False,
        sharey=True,
    )


def wait_distribution(series: Sequence[Series]) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 3.8))
    edges = np.array(WAIT_BINS_DAYS[:-1]) / 7.0
    right = 0.0
    for i, s in enumerate(series):
        counts = np.sum([r.court_wait_hist for r in s.results if r.court_wait_hist], axis=0)
        if not np.sum(counts):
            continue
        share = counts[:-1] / counts.sum()
        reach = int(np.searchsorted(np.cumsum(share), 0.995 * share.sum()))  # the bin holding the 99.5th percentile
        right = max(right, edges[min(reach + 2, len(edges) - 1)])
        st = look(i)
        ax.step(
            edges[:-1],
            share * 100,
            where="post",
            color=st["color"],
            linestyle=st["linestyle"],
            linewidth=1.6,
            label=f"{s.name} ({counts[-1] / counts.sum():.1%} over 4 years)",
        )
    ax.set_xlim(0, right or None)
    ax.set_xlabel("weeks from charge to disposal (to the 99.5th percentile)")
    ax.set_ylabel("share of disposals (% per fortnight)")
    ax.set_title("Waiting time from charge to disposal, all replications pooled")
    _legend_below(fig, ax, rows_of=2)
    return fig


OUTCOME_ORDER = (
    ("nfa_police", "no further action (evidence)"),
    ("nfa_decision", "no further action (policy)"),
    ("nfa_cps", "not charged"),
    ("simple_caution", "simple caution"),
    ("conditional_caution", "conditional caution"),
    ("scheme_completed", "deferred prosecution completed"),
    ("late_prosecution_dropped", "late prosecution dropped"),
    ("self_referral_caution", "self-referral caution"),
    ("acquitted", "acquitted"),
    ("community", "community order"),
    ("suspended", "suspended sentence"),
    ("custody", "immediate custody"),
)
GREYS = (
    "#f0f0f0",
    "#d9d9d9",
    "#bdbdbd",
    "#E69F00",
    "#F0E442",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#969696",
    "#0072B2",
    "#737373",
    "#000000",
)
HATCHES = ("", "..", "//", "", "xx", "", "\\\\", "++", "", "--", "oo", "")


def outcomes(series: Sequence[Series]) -> Figure:
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.55 * len(series) + 1.2))
    names = [s.name for s in series]
    totals = []
    for s in series:
        agg: dict[str, float] = {}
        for r in s.results:
            for k, v in r.outcomes.items():
                agg[k] = agg.get(k, 0) + v
        totals.append(agg)
    left = np.zeros(len(series))
    for j, (key, label) in enumerate(OUTCOME_ORDER):
        share = np.array([t.get(key, 0) / max(sum(t.values()), 1) * 100 for t in totals])
        if not share.any():
            continue
        ax.barh(
            names, share, left=left, color=GREYS[j], hatch=HATCHES[j], edgecolor="#444444", linewidth=0.4, label=label
        )
        left += share
    ax.set_xlabel("share of cases closed in the reporting window (%)")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_title("Where cases end, by route")
    ax.legend(frameon=False, ncol=3, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    return fig


#: each route's stages as headline counts, in the order a case meets them
ROUTE_FLOWS = (
    (
        "Police and forensics",
        (
            ("cases.new", "detected"),
            ("forensics.examinations", "examined"),
            ("forensics.triage_examinations", "triaged"),
            ("forensics.triage_ineligible", "triage: not eligible"),
            ("forensics.attrition", "lost to delay"),
            ("forensics.outsourced", "outsourced"),
        ),
    ),
    (
        "Charge and court",
        (
            ("charging.decisions", "charging decisions"),
            ("court.receipts", "received"),
            ("court.crown.receipts", "sent to the Crown"),
            ("court.crown.cracked_trials", "cracked trials"),
            ("sentence.convictions", "convicted"),
            ("sentence.custody", "custody"),
            ("sentence.community", "community order"),
        ),
    ),
    (
        "Cautions",
        (
            ("caution.simple", "simple"),
            ("caution.conditional", "conditional"),
            ("caution.breached", "conditions breached"),
            ("caution.lapsed", "lapsed"),
        ),
    ),
    (
        "Self-referral",
        (
            ("self_referral.referred", "referred"),
            ("self_referral.cautioned", "cautioned"),
            ("self_referral.excluded", "excluded"),
            ("self_referral.lapsed", "lapsed"),
            ("self_referral.displaced", "displaced"),
        ),
    ),
    (
        "Deferred prosecution",
        (
            ("scheme.referred", "referred"),
            ("scheme.started", "started a group"),
            ("scheme.completed", "completed"),
            ("scheme.failed", "failed"),
            ("scheme.lapsed", "lapsed"),
            ("scheme.prosecuted_after_failure", "prosecuted after failing"),
        ),
    ),
)


def route_flows(series: Sequence[Series]) -> Figure:
    """Every route a case can take, one panel each (a route no scenario uses is left out): how many
    people met each of its stages over the reporting window, a bar per scenario in its own colour."""
    means = [{k: float(np.mean([r.headline.get(k, 0.0) for r in s.results])) for k in s.results[0].headline}
             for s in series]  # fmt: skip
    used = [(title, stages) for title, stages in ROUTE_FLOWS if any(m.get(stages[0][0], 0) > 0 for m in means)]
    fig, axes = plt.subplots(len(used), 1, figsize=(9, 2.4 * len(used) + 0.9), squeeze=False)
    width = 0.8 / len(series)
    for ax, (title, stages) in zip(axes[:, 0], used):
        x = np.arange(len(stages))
        for i, (s, m) in enumerate(zip(series, means)):
            st = look(i)
            ax.bar(x + i * width, [m.get(k, 0.0) for k, _ in stages], width, color=st["color"],
                   edgecolor="#333333", hatch=HATCHES[i % 3 * 2], label=s.name)  # fmt: skip
        ax.set_xticks(x + width * (len(series) - 1) / 2, [label for _, label in stages], fontsize=7)
        ax.set_ylabel("people (mean)")
        ax.set_ylim(bottom=0)
        ax.set_title(title, fontsize=9, loc="left")
    axes[0, 0].legend(frameon=False, fontsize=7, ncol=min(len(series), 4), loc="lower right",
                      bbox_to_anchor=(1.0, 1.02))  # fmt: skip
    fig.suptitle("Each route's flow over the reporting window: people at each stage (mean of replications)")
    fig.tight_layout()
    return fig


RESOURCES = (
    ("forensics_utilisation", "forensic examiners"),
    ("charging_utilisation", "charging lawyers"),
    ("magistrates_utilisation", "magistrates' sitting days"),
    ("crown_utilisation", "Crown sitting days"),
    ("scheme_slot_utilisation", "scheme group places"),
    ("caution_assessor_utilisation", "caution assessors"),
    ("self_referral_assessor_utilisation", "self-referral assessors"),
    ("treatment_utilisation", "treatment places"),
)


def utilisation(series: Sequence[Series]) -> Figure:
    used = [
        (key, label)
        for key, label in RESOURCES
        if any(np.isfinite(s.monthly(key)).any() and np.nanmax(s.monthly(key)) > 0 for s in series)
    ]
    cols = 2
    rows = max(1, (len(used) + 1) // 2)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.4 * rows), sharex=True, squeeze=False)
    for ax, (key, label) in zip(axes.flat, used):
        for i, s in enumerate(series):
            y = s.monthly(key) * 100
            if not np.isfinite(y).any():
                continue
            st = look(i)
            ax.plot(
                s.dates,
                np.nanmean(y, axis=0),
                color=st["color"],
                linestyle=st["linestyle"],
                linewidth=1.4,
                label=s.name,
            )
        ax.set_title(label)
        ax.set_ylabel("capacity used (%)")
        ax.set_ylim(0, 105)
        _date_axis(ax)
    for ax in axes.flat[len(used) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("month")
    fig.suptitle("Utilisation of each finite resource (monthly mean over replications)")
    _legend_below(fig, axes.flat[0])
    return fig


FOREST_METRICS = (
    ("court.receipts_per_year", "court receipts a year"),
    ("court.disposals", "court disposals"),
    ("court.backlog_end", "court backlog at the end"),
    ("court.crown.backlog_end", "Crown backlog at the end"),
    ("court.wait_days_mean", "wait, charge to disposal"),
    ("court.crown.wait_weeks_mean", "Crown wait to main hearing"),
    ("court.sitting_days_used", "sitting days used"),
    ("court.crown.list.wait_weeks_mean", "Crown wait, whole list"),
    ("forensics.wait_days_mean", "forensic wait"),
    ("prison.population_end", "prison population at the end"),
)


def forest(comparison: dict[str, Any]) -> Figure:
    names = comparison["scenarios"]
    base = names[0]
    others = names[1:]
    metrics = [(k, label) for k, label in FOREST_METRICS if comparison["metrics"][k][base]["mean"]]
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(metrics) * len(others) + 0.8))
    y = 0.0
    ticks, labels = [], []
    for key, label in metrics:
        m = comparison["metrics"][key]
        ref = abs(m[base]["mean"])
        for j, name in enumerate(others, start=1):
            d = m[name]["diff"]
            if d["mean"] is None:
                continue
            st = look(j)
            mean = 100 * d["mean"] / ref
            if d["ci_low"] is not None:
                ax.plot([100 * d["ci_low"] / ref, 100 * d["ci_high"] / ref], [y, y], color=st["color"], linewidth=2)
            ax.plot(
                mean,
                y,
                marker=st["marker"],
                color=st["color"],
                linestyle="none",
                markersize=6,
                label=name if key == metrics[0][0] else None,
            )
            ticks.append(y)
            labels.append(label if j == 1 else "")
            y -= 1
        y -= 0.6
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel(f"paired difference from {base} (% of its mean), with 95% CI")
    ax.set_title(f"Policy effects against {base} ({comparison['replications']} paired replications)", pad=22)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=max(1, len(others)), fontsize=8)
    fig.tight_layout()
    return fig


#: the monthly differences drawn in the "how fast" figure, with their titles and units
HOW_FAST_PANELS = (
    ("court_receipts", "court receipts", "cases a month"),
    ("crown_backlog_end", "Crown backlog at month end", "cases"),
    ("crown_sitting_days_used", "Crown sitting days used", "sitting days a month"),
    ("cost_gbp", "cost", "GBP a month"),
)


def how_fast(base: Series, others: Sequence[Series]) -> Figure:
    """Small multiples: each policy's paired difference from the base, month by month from the
    policy's start (month 0, warm-up shaded), mean and 95% t interval across replications."""
    from scipy.special import stdtrit

    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex=True, squeeze=False)
    dates = base.months
    for ax, (key, title, unit) in zip(axes.flat, HOW_FAST_PANELS):
        for i, s in enumerate(others, start=1):
            st = look(i)
            d = np.array([o.monthly[key] - b.monthly[key] for b, o in zip(base.results, s.results)], dtype=float)
            mean = d.mean(axis=0)
            if len(d) > 1:
                half = float(stdtrit(len(d) - 1, 0.975)) * d.std(axis=0, ddof=1) / np.sqrt(len(d))
                ax.fill_between(dates, mean - half, mean + half, color=st["color"], alpha=0.2, linewidth=0)
            ax.plot(dates, mean, color=st["color"], linestyle=st["linestyle"], linewidth=1.6, label=s.name)
        ax.axhline(0.0, color="#333333", linewidth=0.8)
        if base.warmup:
            ax.axvspan(dates[0], dates[base.warmup], color="#bbbbbb", alpha=0.35, linewidth=0)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(f"difference, {unit}", fontsize=8)
        _date_axis(ax)
    for ax in axes[-1]:
        ax.set_xlabel("month (policy from month 0; grey: warm-up)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, loc="upper center", ncol=max(1, len(others)), bbox_to_anchor=(0.5, 0.94))
    fig.suptitle(f"How fast: paired difference from {base.name} each month (mean and 95% CI)")
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def factor_effects(
    factors: list[str], values: np.ndarray, metrics: dict[str, np.ndarray], effects: bool = False
) -> Figure:
    """Each factor (rows, every one of them) against each metric (columns): one dot per design point,
    binned means. ``effects``: the metrics are differences from a comparison scenario (zero marked)."""
    fig, axes = plt.subplots(
        len(factors), len(metrics), figsize=(3.0 * len(metrics) + 1.5, 1.9 * len(factors) + 0.8), squeeze=False
    )
    for c, (metric, y) in enumerate(metrics.items()):
        for r, factor in enumerate(factors):
            ax = axes[r][c]
            x = values[:, r]
            ok = np.isfinite(y)
            ax.plot(x[ok], y[ok], linestyle="none", marker="o", markersize=2.5, color="#0072B2", alpha=0.5)
            levels = np.unique(x[ok])
            if len(levels) <= 12:
                centres, means = list(levels), [np.mean(y[ok][x[ok] == v]) for v in levels]
            else:
                bins = np.quantile(x[ok], np.linspace(0, 1, 9))
                idx = np.clip(np.digitize(x[ok], bins[1:-1]), 0, 7)
                centres = [np.mean(x[ok][idx == b]) for b in range(8) if np.any(idx == b)]
                means = [np.mean(y[ok][idx == b]) for b in range(8) if np.any(idx == b)]
            ax.plot(centres, means, color="#000000", linewidth=1.6, marker="s", markersize=3)
            if effects:
                ax.axhline(0, color="#888888", linewidth=0.8, linestyle=":")
            ax.set_xlabel(factor.split(".")[-1] if len(factor) > 28 else factor, fontsize=7)
            ax.tick_params(labelsize=6)
            if r == 0:
                ax.set_title(metric, fontsize=8)
    what = "The policy's effect on court load" if effects else "Court load"
    fig.suptitle(f"{what} against each factor (dots: design points; line: mean by level or bin)")
    fig.tight_layout()
    return fig


def interaction(factors: tuple[str, str], values: np.ndarray, metric: str, y: np.ndarray) -> Figure:
    """A two-factor grid: the metric's mean at every pair of levels, as a heatmap with its numbers,
    so that an effect of one factor that depends on the other shows as rows that do not run in step."""
    a, b = (np.unique(values[:, i]) for i in (0, 1))
    grid = np.full((len(a), len(b)), np.nan)
    for i, va in enumerate(a):
        for j, vb in enumerate(b):
            here = (values[:, 0] == va) & (values[:, 1] == vb) & np.isfinite(y)
            if here.any():
                grid[i, j] = float(np.mean(y[here]))
    fig, ax = plt.subplots(figsize=(1.3 * len(b) + 3.2, 0.7 * len(a) + 2.2))
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    for i in range(len(a)):
        for j in range(len(b)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:,.0f}" if abs(grid[i, j]) >= 100 else f"{grid[i, j]:.3g}",
                        ha="center", va="center", fontsize=7, color="white")  # fmt: skip
    ax.set_xticks(range(len(b)), [f"{v:g}" for v in b])
    ax.set_yticks(range(len(a)), [f"{v:g}" for v in a])
    ax.set_xlabel(factors[1])
    ax.set_ylabel(factors[0])
    fig.colorbar(image, ax=ax, label=f"{metric} (mean)")
    ax.set_title(f"{metric}: {factors[0]} x {factors[1]}", fontsize=9)
    fig.tight_layout()
    return fig


def sensitivity_bars(method: str, rows: list[dict[str, Any]], metrics: Sequence[str]) -> Figure:
    key = "ST" if method == "sobol" else "mu_star"
    metrics = [m for m in metrics if any(r["metric"] == m for r in rows)][:4]
    inputs = max((sum(r["metric"] == m for r in rows) for m in metrics), default=1)
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, (0.25 * inputs + 0.9) * len(metrics) + 0.4), squeeze=False)
    for ax, metric in zip(axes[:, 0], metrics):
        mine = sorted((r for r in rows if r["metric"] == metric), key=lambda r: r["rank"])  # every input
        names = [r["factor"] for r in mine][::-1]
        vals = [r[key] for r in mine][::-1]
        err = [[r[key] - r[f"{key}_ci_low"] for r in mine][::-1], [r[f"{key}_ci_high"] - r[key] for r in mine][::-1]]
        colours = ["#E69F00" if n == "replication" else "#0072B2" for n in names]
        ax.barh(names, vals, xerr=err, color=colours, edgecolor="#333333", linewidth=0.4, capsize=2)
        ax.set_title(metric, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlabel("total-order Sobol' index (95% CI)" if method == "sobol" else "mu* (95% CI), units of the metric")
    fig.suptitle("Influence on court load, ranked (the 'replication' bar is the model's own noise)")
    fig.tight_layout()
    return fig


def target_bands(checks: Sequence[dict[str, Any]]) -> Figure:
    """Each target's band (grey) beside the model's mean and 95% CI, fit targets above held-out ones.

    Targets differ in units, so each row is drawn on its own band's scale: the band runs from -1 to
    1 (its centre at 0), and the model's figures are placed on that scale. A dot inside the grey bar
    meets the target; the row's label gives the figures in their own units."""
    rows = [c for role in ("fit", "holdout") for c in checks if c.get("role", "fit") == role]
    fig, ax = plt.subplots(figsize=(8.5, 0.9 + 0.42 * len(rows)))
    ticks, labels = [], []
    for y, c in enumerate(reversed(rows)):
        lo, hi = float(c["low"]), float(c["high"])
        centre, half = (lo + hi) / 2, (hi - lo) / 2

        def scale(x: float | None, centre: float = centre, half: float = half) -> float | None:
            return None if x is None or not np.isfinite(x) else (x - centre) / half

        ax.barh(y, 2.0, left=-1.0, height=0.6, color="#dddddd", edgecolor="#999999", linewidth=0.6)
        mean, lo_ci, hi_ci = scale(c["mean"]), scale(c["ci_low"]), scale(c["ci_high"])
        colour = PALETTE[2] if c.get("role", "fit") == "fit" else PALETTE[5]
        if lo_ci is not None and hi_ci is not None:
            ax.plot([max(lo_ci, -4.5), min(hi_ci, 4.5)], [y, y], color=colour, linewidth=2)
        if mean is not None:
            shown = max(min(mean, 4.5), -4.5)
            ax.plot(shown, y, marker="o" if c["within"] else "X", color=colour, markersize=7, linestyle="none")
            if shown != mean:
                ax.annotate(
                    "beyond", (shown, y), textcoords="offset points", xytext=(6 if mean > 0 else -40, 3), fontsize=7
                )
        ticks.append(y)
        role = "fit" if c.get("role", "fit") == "fit" else "held out"
        labels.append(f"{c['target']} ({role}): {_num(c['mean'])} vs {_num(lo)} to {_num(hi)} {c.get('unit', '')}")
    ax.axvline(0, color="#777777", linewidth=0.6, linestyle=":")
    ax.set_xlim(-5, 5)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel("position within the target's band (band = -1 to 1); dot: model mean, line: 95% CI, X: outside")
    ax.set_title("Calibration targets: the model beside the published figures (blue: fit, red: held out)")
    fig.tight_layout()
    return fig


def _num(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def warmup(series: Sequence[Series], found: dict[str, list[Stability]]) -> Figure:
    """Each key series over every simulated month, warm-up included, above its MSER-5 statistic.

    Top of each pair: the replication mean of every scenario, the configured warm-up shaded grey
    and each scenario's MSER-5 truncation point dashed in its colour (none where the series has
    not settled). Below: the MSER statistic against the months truncated, as a share of its value
    with nothing truncated, its minimum marked; where the minimum is the last month searched the
    rule has found no truncation point. The two share the month axis, so the dashed line meets the
    minimum."""
    keys = list(dict.fromkeys(st.series for rows in found.values() for st in rows))
    labels = {st.series: st.label for rows in found.values() for st in rows}
    units = {st.series: st.unit for rows in found.values() for st in rows}
    cols = 2
    rows = max(1, math.ceil(len(keys) / cols))
    fig = plt.figure(figsize=(10, 3.3 * rows + 0.6))
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[3, 1] * rows)
    for n, key in enumerate(keys):
        r, c = divmod(n, cols)
        top = fig.add_subplot(grid[2 * r, c])
        low = fig.add_subplot(grid[2 * r + 1, c], sharex=top)
        for i, s in enumerate(series):
            st = next((x for x in found.get(s.name, []) if x.series == key), None)
            if st is None:
                continue
            sty = look(i)
            when = mdates.date2num(s.months)  # matplotlib's day numbers, so the axes take plain floats
            y = np.array([rr.monthly[key] for rr in s.results], dtype=float).mean(axis=0)
            top.plot(when, y, color=sty["color"], linestyle=sty["linestyle"], linewidth=1.5, label=s.name)
            cut = st.truncation_months
            if cut is not None and 0 < cut < len(s.months):
                top.axvline(float(when[cut]), color=sty["color"], linestyle="--", linewidth=1.0)
            stat = st.rule.statistic
            if stat[0] > 0:
                at = when[[d * st.rule.batch for d in range(len(stat))]]
                low.plot(at, stat / stat[0], color=sty["color"], linestyle=sty["linestyle"], linewidth=1.2)
                low.plot(
                    at[st.rule.best],
                    stat[st.rule.best] / stat[0],
                    color=sty["color"],
                    marker=sty["marker"],
                    markersize=5,
                    linestyle="none",
                )
        first = series[0]
        if 0 < first.warmup < len(first.months):
            edge = mdates.date2num(first.months)
            top.axvspan(float(edge[0]), float(edge[first.warmup]), color="#bbbbbb", alpha=0.35, linewidth=0)
        top.set_title(labels[key], fontsize=9)
        top.set_ylabel(units[key])
        top.tick_params(labelbottom=False)
        low.set_ylabel("MSER-5\n(share of d=0)", fontsize=7)
        low.set_xlabel("month (truncation point for the statistic)", fontsize=7)
        _date_axis(low)
    fig.suptitle(
        "Warm-up and stability: mean over replications; grey = configured warm-up, dashed = MSER-5 "
        "truncation; below, the MSER-5 statistic"
    )
    _legend_below(fig, fig.axes[0])
    return fig


def tornado(data: dict[str, Any], metrics: Sequence[tuple[str, str]]) -> Figure:
    """A robustness run's key differences over its factors: one panel per difference, one row per factor.

    Each row's bars run from the base point's difference to the difference at the factor's low
    (blue, hatched) and high (orange) setting, with that point's 95% CI as a whisker; rows are
    sorted by swing, widest on top. The base point's difference is the solid line with its CI as a
    grey band; zero is dashed. A panel whose difference flips sign is titled so, in red."""
    points = {(p["factor"], p["level"]): p for p in data["points"]}
    rows = list(dict.fromkeys(p["factor"] for p in data["points"] if p["factor"] != "base"))
    cols = 2 if len(metrics) > 1 else 1
    nrow = (len(metrics) + cols - 1) // cols
    height = 0.9 + 0.42 * len(rows) * nrow + 0.5 * nrow
    fig, axes = plt.subplots(nrow, cols, figsize=(5.2 * cols, height), squeeze=False)
    for ax, (key, label) in zip(axes.flat, metrics):
        base = points["base", "base"]["differences"][key]
        m0 = base["mean"] or 0.0

        def diff(factor: str, level: str, key: str = key) -> dict[str, Any]:
            return points[factor, level]["differences"][key]

        order = sorted(rows, key=lambda f: abs((diff(f, "high")["mean"] or 0.0) - (diff(f, "low")["mean"] or 0.0)))
        if base["ci_low"] is not None:
            ax.axvspan(base["ci_low"], base["ci_high"], color="#bbbbbb", alpha=0.35, linewidth=0)
        for y, factor in enumerate(order):
            for level, dy, colour, hatch in (("low", 0.19, PALETTE[2], "//"), ("high", -0.19, PALETTE[1], "")):
                d = diff(factor, level)
                if d["mean"] is None:
                    continue
                ax.barh(
                    y + dy,
                    d["mean"] - m0,
                    left=m0,
                    height=0.36,
                    color=colour,
                    hatch=hatch,
                    edgecolor="#333333",
                    linewidth=0.4,
                    label=level if y == 0 else None,
                )
                if d["ci_low"] is not None:
                    ax.plot([d["ci_low"], d["ci_high"]], [y + dy, y + dy], color="#000000", linewidth=0.9)
        ax.axvline(m0, color="#000000", linewidth=1.2)
        ax.axvline(0.0, color="#555555", linewidth=0.8, linestyle="--")
        ax.set_yticks(range(len(order)), ["all capacities" if f == "capacity" else f for f in order], fontsize=7)
        m = data["metrics"][key]
        ax.set_xlabel(
            f"{data['base']} - {data['other']}"
            if m["difference"] == "base - other"
            else f"{data['other']} - {data['base']}",
            fontsize=7,
        )
        flipped = m["flag"] == "flip"
        ax.set_title(("SIGN FLIP: " if flipped else "") + label, fontsize=8, color=PALETTE[5] if flipped else "#000000")
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    axes.flat[0].legend(frameon=False, fontsize=7, loc="lower right")
    fig.suptitle(
        f"Robustness of the difference {data['other']} vs {data['base']}: each factor low and high "
        f"({data['replications']} paired replications a point)"
    )
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - 0.45 / height))  # room for the title above the first panels
    return fig
