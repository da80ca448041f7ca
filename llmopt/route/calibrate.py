"""Calibrating the router's threshold on the team's own graded sample, and judging it on
held-out requests.

A graded frame has one row per request: `score` (the scorer's number), `cheap_correct`,
`strong_correct` (the grader's verdicts of each tier's answer) and `cheap_cost_usd`,
`strong_cost_usd` (what each tier's answer cost). A threshold `t` sends a request to the strong
tier when score >= t. The threshold is chosen on the calibration part (`split`) and every
figure reported (curve, APGR, cost at 50%/80% of the gap) comes from the held-out part.

APGR follows RouteLLM (Ong et al., 2024): PGR(t) = (quality(t) - weak) / (strong - weak), the
share of the quality gap between all-cheap and all-strong recovered at threshold t; APGR is the
area under PGR against the share of strong calls (0 to 1). Where the strong tier is no better
than the cheap one on the held-out sample the gap is zero or negative and PGR, APGR and the
cost at a share of the gap are undefined: NaN, with `gap` saying why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from llmopt.errors import ConfigError
from llmopt.report.records import require_columns

GRADED_COLUMNS = ("score", "cheap_correct", "strong_correct", "cheap_cost_usd",
                  "strong_cost_usd")
PER_MILLION = 1_000_000


def split(graded: pd.DataFrame, calibration_share: float = 0.5,
          seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disjoint (calibration, held-out) parts of `graded`, shuffled with `seed` (scores may be
    added after the split, by a scorer trained on the calibration part only)."""
    require_columns(graded, ("cheap_correct", "strong_correct"), "graded runs")
    if not 0 < calibration_share < 1:
        raise ConfigError(f"calibration_share must lie in (0, 1), got {calibration_share!r}")
    if len(graded) < 2:
        raise ConfigError(f"need at least 2 graded requests to split, got {len(graded)}")
    order = np.random.default_rng(seed).permutation(len(graded))
    cut = min(max(1, round(len(graded) * calibration_share)), len(graded) - 1)
    return graded.iloc[order[:cut]], graded.iloc[order[cut:]]


def threshold_for_share(calibration: pd.DataFrame, strong_share: float) -> float:
    """The threshold that sends `strong_share` of the calibration requests to the strong tier."""
    if not 0 <= strong_share <= 1:
        raise ConfigError(f"strong_share must lie in [0, 1], got {strong_share!r}")
    scores = np.sort(calibration["score"].to_numpy(dtype=float))[::-1]
    count = round(strong_share * len(scores))
    if count == 0:
        return math.inf
    return float(scores[count - 1])


def threshold_for_quality(calibration: pd.DataFrame, target_accuracy: float) -> float:
    """The highest threshold (fewest strong calls) whose calibration accuracy reaches the
    target; ConfigError naming the best reachable accuracy when none does."""
    table = curve(calibration)
    reached = table[table["accuracy"] >= target_accuracy - 1e-12]
    if reached.empty:
        raise ConfigError(f"target_accuracy {target_accuracy} is out of reach on the "
                          f"calibration sample; best: {table['accuracy'].max():.4f}")
    return float(reached.sort_values("share_strong").iloc[0]["threshold"])


def evaluate(graded: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Share of strong calls, accuracy, $/request and $/1M requests at `threshold`."""
    require_columns(graded, GRADED_COLUMNS, "graded runs")
    if graded.empty:
        raise ConfigError("cannot evaluate a threshold on an empty sample")
    strong = graded["score"].to_numpy(dtype=float) >= threshold
    correct = np.where(strong, graded["strong_correct"], graded["cheap_correct"]).astype(float)
    cost = np.where(strong, graded["strong_cost_usd"], graded["cheap_cost_usd"]).astype(float)
    return {"threshold": float(threshold), "share_strong": float(strong.mean()),
            "accuracy": float(correct.mean()), "usd_per_request": float(cost.mean()),
            "usd_per_million_requests": float(cost.mean() * PER_MILLION)}


def curve(graded: pd.DataFrame, thresholds: Sequence[float] | None = None) -> pd.DataFrame:
    """Cost and quality at every threshold (default: every distinct score, plus +inf for
    all-cheap), sorted by share of strong calls, with each point's PGR."""
    if thresholds is None:
        thresholds = [math.inf, *sorted(set(graded["score"].astype(float)), reverse=True)]
    rows = pd.DataFrame([evaluate(graded, t) for t in thresholds])
    rows["pgr"] = pgr(rows["accuracy"], *_ends(graded))
    return rows.sort_values(["share_strong", "threshold"], ascending=[True, False],
                            ignore_index=True)


def gap(graded: pd.DataFrame) -> float:
    """Accuracy of all-strong minus all-cheap on `graded`."""
    weak, strong = _ends(graded)
    return strong - weak


def pgr(accuracy: pd.Series | float, weak: float, strong: float) -> pd.Series | float:
    """Performance gap recovered; NaN where there is no positive gap."""
    if not strong - weak > 0:
        return accuracy * math.nan
    return (accuracy - weak) / (strong - weak)


def apgr(table: pd.DataFrame) -> float:
    """Area under PGR against the share of strong calls (RouteLLM's APGR); NaN without a gap."""
    points = table.groupby("share_strong")["pgr"].max().sort_index()
    if points.isna().any() or len(points) < 2:
        return math.nan
    x, y = points.index.to_numpy(dtype=float), points.to_numpy(dtype=float)
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))


def cost_for_gap(table: pd.DataFrame, fraction: float) -> dict[str, float]:
    """The cheapest point recovering at least `fraction` of the gap: its share of strong calls
    and $/1M requests; NaN for both when no point does (or there is no gap)."""
    if not 0 < fraction <= 1:
        raise ConfigError(f"fraction must lie in (0, 1], got {fraction!r}")
    reached = table[table["pgr"] >= fraction - 1e-12]
    if reached.empty:
        return {"share_strong": math.nan, "usd_per_million_requests": math.nan}
    best = reached.sort_values("usd_per_million_requests").iloc[0]
    return {"share_strong": float(best["share_strong"]),
            "usd_per_million_requests": float(best["usd_per_million_requests"])}


def summary(heldout: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The chosen point next to all-cheap and all-strong on held-out requests, one row each."""
    rows = [{"policy": "all-cheap", **evaluate(heldout, math.inf)},
            {"policy": "router", **evaluate(heldout, threshold)},
            {"policy": "all-strong", **evaluate(heldout, -math.inf)}]
    frame = pd.DataFrame(rows)
    frame["pgr"] = pgr(frame["accuracy"], *_ends(heldout))
    return frame


def figures(heldout: dict[str, pd.DataFrame], fractions: Sequence[float] = (0.5, 0.8)
            ) -> pd.DataFrame:
    """One row per scorer (`heldout`: its scored held-out frame): the gap, APGR, and the share
    of strong calls and $/1M requests at which each fraction of the gap is recovered."""
    rows = []
    for name, scored in heldout.items():
        table = curve(scored)
        row = {"scorer": name, "held-out gap (points)": 100 * gap(scored), "APGR": apgr(table)}
        for f in fractions:
            point = cost_for_gap(table, f)
            row[f"share strong at {f:.0%} of gap"] = point["share_strong"]
            row[f"$/1M requests at {f:.0%} of gap"] = point["usd_per_million_requests"]
        rows.append(row)
    return pd.DataFrame(rows)


def scored(graded: pd.DataFrame, scorer: Any) -> pd.DataFrame:
    """`graded` with each request's `score` from `scorer` (read from its `text`)."""
    return graded.assign(score=scorer.score_texts(graded["text"].tolist()))


def _ends(graded: pd.DataFrame) -> tuple[float, float]:
    return (float(graded["cheap_correct"].astype(float).mean()),
            float(graded["strong_correct"].astype(float).mean()))
