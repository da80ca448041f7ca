"""Decision rows for planned changes: a GPU choice, a KV dtype on paper.

`llmopt.report.decision.decide` compares two measured runs. A capacity plan compares two
candidates whose cost comes from the GPU catalog and a throughput, whose latency was not
measured, and whose quality is either unchanged (the same weights on other hardware give the
same outputs) or unknown (a precision change not measured here). The row says which in `why`,
and keeps a change only when it is cheaper at no risk to quality.
"""

from __future__ import annotations

from typing import Literal

from llmopt.report.decision import COLUMNS
from llmopt.serve.plan.planner import Candidate


def planned(technique: str, setting: str, baseline: Candidate, candidate: Candidate,
            same_outputs: bool, by: Literal["million", "hour"] = "million") -> dict:
    """One decision row (llmopt.report.decision.COLUMNS) comparing two planned candidates by
    $/1M tokens, or by the replica's $/hour (`by="hour"`, also where no throughput is known):
    what a change that fits the model on fewer GPUs saves on the smallest fleet."""
    per_million = (by == "million" and baseline.usd_per_million is not None
                   and candidate.usd_per_million is not None)
    unit = "$/1M tokens" if per_million else "$/hour per replica"
    d_cost = _relative(_cost(candidate, per_million), _cost(baseline, per_million))
    if not (candidate.fits and candidate.servable):
        keep, why = False, f"{candidate.label} does not fit or cannot be served"
    elif not same_outputs:
        keep, why = False, (f"{d_cost:+.1f}% {unit} on paper, but its quality was not measured "
                            "here: measure it (gpu profile) before keeping it")
    elif d_cost < 0:
        keep, why = True, f"cheaper by {unit} with the same weights, so the same outputs"
    else:
        keep, why = False, f"not cheaper by {unit}"
    row = {"technique": technique, "setting": setting, "delta_cost_pct": d_cost,
           "delta_latency_pct": None, "delta_quality_points": 0.0 if same_outputs else None,
           "keep": keep, "why": why}
    return {column: row[column] for column in COLUMNS}


def _cost(candidate: Candidate, per_million: bool) -> float:
    return candidate.usd_per_million if per_million else candidate.usd_per_hour


def _relative(value: float, base: float) -> float:
    return round(100 * (value / base - 1), 2) if base else 0.0


def not_run(technique: str, setting: str, reason: str) -> dict:
    """A row for a setting this machine cannot run (e.g. an FP8 KV cache on a CPU without
    AVX-512): nothing measured, not kept, and why."""
    row = {"technique": technique, "setting": setting, "delta_cost_pct": None,
           "delta_latency_pct": None, "delta_quality_points": None, "keep": False,
           "why": f"not run here: {reason}"}
    return {column: row[column] for column in COLUMNS}
