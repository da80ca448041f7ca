"""Decisions on planned changes: a GPU choice, a KV dtype on paper.

A capacity plan compares two candidates whose cost comes from the GPU catalog and a throughput
(arithmetic: an exact change), whose latency was not measured, and whose quality is either the
same by construction (the same weights on other hardware give the same outputs) or unknown (a
precision change not measured here: inconclusive until measured on the gpu profile).
"""

from __future__ import annotations

from typing import Literal

from llmopt.evidence import Decision, Evidence, PairedQuality, decide, exact_change
from llmopt.serve.plan.planner import Candidate

SAME_WEIGHTS = "the same weights on other hardware give the same outputs"


def planned(technique: str, setting: str, baseline: Candidate, candidate: Candidate,
            same_outputs: bool, budget_points: float,
            by: Literal["million", "hour"] = "million") -> Decision:
    """Two planned candidates compared by $/1M tokens, or by the replica's $/hour (`by="hour"`,
    also where no throughput is known): what a change that fits the model on fewer GPUs saves
    on the smallest fleet."""
    per_million = (by == "million" and baseline.usd_per_million is not None
                   and candidate.usd_per_million is not None)
    metric = "$ per 1M tokens (planned)" if per_million else "$ per hour per replica (planned)"
    cost = exact_change(metric, _cost(baseline, per_million), _cost(candidate, per_million))
    quality = PairedQuality.unchanged(SAME_WEIGHTS) if same_outputs else None
    blocked = None if candidate.fits and candidate.servable else \
        f"{candidate.label} does not fit or cannot be served"
    decision = decide(technique, setting, Evidence(quality=quality, cost=cost),
                      budget_points=budget_points, blocked=blocked)
    if quality is None and not blocked:
        why = (f"{cost.describe()} on paper, but its quality was not measured here: measure it "
               "(gpu profile) before keeping it")
        decision = decision.model_copy(update={"why": why})
    return decision


def _cost(candidate: Candidate, per_million: bool) -> float:
    return candidate.usd_per_million if per_million else candidate.usd_per_hour
