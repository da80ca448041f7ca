"""The decision table that closes every technique notebook.

One row per candidate setting, each compared with the same baseline (notebook 01's, or the
notebook's own unoptimized run on the same workload and grader):

    technique | setting | Δ cost % | Δ latency % | Δ quality (points) | keep | why

A setting is kept when it saves cost or latency and loses at most `max_quality_drop` points of
accuracy; otherwise it is dropped, and the reason says which rule it failed.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError
from llmopt.results import save

COLUMNS = ["technique", "setting", "delta_cost_pct", "delta_latency_pct",
           "delta_quality_points", "keep", "why"]


class Measure(BaseModel):
    """What a run cost and how well it did: any cost unit and latency unit, used consistently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cost: float = Field(ge=0, description="e.g. $ per 1M requests, or $ per 1M tokens")
    latency: float = Field(ge=0, description="e.g. p50 end-to-end seconds, or TTFT")
    accuracy: float = Field(ge=0, le=1)


def decide(technique: str, setting: str, baseline: Measure, candidate: Measure,
           max_quality_drop: float = 1.0) -> dict:
    """One decision row; `max_quality_drop` is in accuracy points (1.0 = one point)."""
    if max_quality_drop < 0:
        raise ConfigError(f"max_quality_drop must be >= 0 points, got {max_quality_drop}")
    d_cost = _relative(candidate.cost, baseline.cost)
    d_latency = _relative(candidate.latency, baseline.latency)
    d_quality = round(100 * (candidate.accuracy - baseline.accuracy), 2)
    if d_quality < -max_quality_drop:
        keep, why = False, f"loses {-d_quality:.1f} accuracy points (limit {max_quality_drop:g})"
    elif d_cost < 0 or d_latency < 0:
        keep, why = True, "cheaper or faster at the same quality"
    else:
        keep, why = False, "neither cheaper nor faster"
    return {"technique": technique, "setting": setting, "delta_cost_pct": d_cost,
            "delta_latency_pct": d_latency, "delta_quality_points": d_quality,
            "keep": keep, "why": why}


def table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def save_table(results_dir, name: str, rows: list[dict], **extra) -> pd.DataFrame:
    """Save the decision rows (plus any extra figures) as results_dir/name.json."""
    frame = table(rows)
    save(results_dir, name, {"decisions": frame.to_dict(orient="records"), **extra})
    return frame


def _relative(value: float, base: float) -> float:
    if base == 0:
        return 0.0 if value == 0 else float("inf")
    return round(100 * (value / base - 1), 2)
