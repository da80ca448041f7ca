from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llmopt.errors import ConfigError
from llmopt.route import calibrate


def graded(n: int = 200, gap: bool = True, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    hard = score > 0.6
    cheap = ~hard | (rng.random(n) < 0.3)
    strong = np.ones(n, dtype=bool) if gap else cheap.copy()
    return pd.DataFrame({"score": score, "cheap_correct": cheap, "strong_correct": strong,
                         "cheap_cost_usd": 1e-6, "strong_cost_usd": 1e-5})


def test_split_is_disjoint_and_complete():
    calib, held = calibrate.split(graded(), 0.5)
    assert not set(calib.index) & set(held.index)
    assert len(calib) + len(held) == 200


def test_threshold_for_share_hits_the_share_on_calibration():
    calib, _ = calibrate.split(graded())
    t = calibrate.threshold_for_share(calib, 0.3)
    assert calibrate.evaluate(calib, t)["share_strong"] == pytest.approx(0.3, abs=0.01)
    assert calibrate.threshold_for_share(calib, 0) == math.inf


def test_threshold_for_quality_and_out_of_reach():
    calib, _ = calibrate.split(graded())
    t = calibrate.threshold_for_quality(calib, 0.95)
    assert calibrate.evaluate(calib, t)["accuracy"] >= 0.95
    with pytest.raises(ConfigError, match="out of reach"):
        calibrate.threshold_for_quality(calib, 1.01)


def test_curve_apgr_and_cost_for_gap_with_a_gap():
    table = calibrate.curve(graded())
    assert table["share_strong"].iloc[0] == 0 and table["share_strong"].iloc[-1] == 1
    assert table["pgr"].iloc[0] == 0 and table["pgr"].iloc[-1] == pytest.approx(1)
    value = calibrate.apgr(table)
    assert 0.5 < value <= 1  # a scorer that ranks hard requests first beats random (0.5)
    half, most = calibrate.cost_for_gap(table, 0.5), calibrate.cost_for_gap(table, 0.8)
    assert half["usd_per_million_requests"] <= most["usd_per_million_requests"]


def test_no_gap_leaves_pgr_and_apgr_undefined():
    table = calibrate.curve(graded(gap=False))
    assert table["pgr"].isna().all() and math.isnan(calibrate.apgr(table))
    assert math.isnan(calibrate.cost_for_gap(table, 0.5)["share_strong"])
    assert calibrate.gap(graded(gap=False)) == 0


def test_figures_per_scorer():
    good, flat = graded(), graded(gap=False)
    table = calibrate.figures({"good": good, "flat": flat}).set_index("scorer")
    assert table.loc["good", "APGR"] == pytest.approx(calibrate.apgr(calibrate.curve(good)))
    assert table.loc["good", "share strong at 50% of gap"] == calibrate.cost_for_gap(
        calibrate.curve(good), 0.5)["share_strong"]
    assert math.isnan(table.loc["flat", "APGR"]) and table.loc["flat", "held-out gap (points)"] == 0


def test_scored_reads_the_text():
    class Length:
        def score_texts(self, texts):
            return [len(t) for t in texts]

    frame = calibrate.scored(pd.DataFrame({"text": ["a", "abc"]}), Length())
    assert frame["score"].tolist() == [1, 3]


def test_summary_puts_the_router_between_the_ends():
    frame = calibrate.summary(graded(), 0.6).set_index("policy")
    assert frame.loc["all-cheap", "share_strong"] == 0
    assert frame.loc["all-strong", "share_strong"] == 1
    assert (frame.loc["all-cheap", "usd_per_request"] <= frame.loc["router", "usd_per_request"]
            <= frame.loc["all-strong", "usd_per_request"])


def test_bad_input_is_named():
    with pytest.raises(ConfigError, match="lacks column"):
        calibrate.split(pd.DataFrame({"score": [1.0]}))  # no verdicts
    with pytest.raises(ConfigError, match="calibration_share"):
        calibrate.split(graded(), 1.0)
    with pytest.raises(ConfigError, match="strong_share"):
        calibrate.threshold_for_share(graded(), 2)
