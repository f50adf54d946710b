"""Sweep figures show every factor, and a sample too small for its intervals gets a warning."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sim.experiments.sensitivity import SMALL_SAMPLE, small_sample  # noqa: E402
from sim.reports import figures as F  # noqa: E402

FACTORS = [f"section.factor_{i}" for i in range(11)]


def test_the_factor_effects_figure_draws_every_factor_against_every_metric():
    rng = np.random.default_rng(1)
    values = rng.random((40, len(FACTORS)))
    metrics = {"court.receipts_per_year": rng.random(40), "court.backlog_end": rng.random(40)}
    fig = F.factor_effects(FACTORS, values, metrics)
    assert len(fig.axes) == len(FACTORS) * len(metrics)
    assert {ax.get_xlabel() for ax in fig.axes} == set(FACTORS)


def test_the_sensitivity_bars_show_every_input_not_the_top_eight():
    rows = [{"metric": "m", "factor": f, "rank": i + 1, "ST": 0.5 / (i + 1), "ST_ci_low": 0.0, "ST_ci_high": 1.0}
            for i, f in enumerate([*FACTORS, "replication"])]
    fig = F.sensitivity_bars("sobol", rows, ["m"])
    assert {t.get_text() for t in fig.axes[0].get_yticklabels()} == {*FACTORS, "replication"}


def test_a_small_sample_is_warned_about_and_a_large_one_is_not():
    for method, least in SMALL_SAMPLE.items():
        said = small_sample(method, least // 2)
        assert said is not None and said.startswith("warning:") and str(least) in said
        assert small_sample(method, least) is None
    assert small_sample("grid", 2) is None


def test_the_interaction_heatmap_holds_the_mean_of_every_pair_of_levels():
    a, b = np.meshgrid([0.2, 0.5, 0.8], [10.0, 20.0], indexing="ij")
    values = np.repeat(np.column_stack([a.ravel(), b.ravel()]), 2, axis=0)  # two points per cell
    y = values[:, 0] * values[:, 1] + np.tile([0.0, 2.0], 6)  # an interaction: the product, plus 0/2 noise
    fig = F.interaction(("scheme.completion_rate", "forensics.examiners"), values, "court.backlog_end", y)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    assert grid.shape == (3, 2)
    assert grid[2, 1] == pytest.approx(0.8 * 20 + 1.0) and grid[0, 0] == pytest.approx(0.2 * 10 + 1.0)
    assert ax.get_xlabel() == "forensics.examiners" and ax.get_ylabel() == "scheme.completion_rate"
    assert len(ax.texts) == 6
