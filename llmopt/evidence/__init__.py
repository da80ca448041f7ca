"""Evidence: how a notebook decides. A candidate against its baseline on the same requests,
quality as a paired difference with its interval, cost and latency beyond their own noise, and
one of three verdicts: keep, drop or inconclusive (with the requests that would settle it)."""

from llmopt.evidence.change import (
    Change,
    exact_change,
    ratio_change,
    relative_change,
    round_ratio_change,
    throughput_cost_change,
)
from llmopt.evidence.decision import (
    COLUMNS,
    Decision,
    Effect,
    Evidence,
    decide,
    load_decisions,
    not_applicable,
    not_run,
    save_decisions,
    table,
    tiers_table,
)
from llmopt.evidence.quality import PairedQuality, paired_quality
from llmopt.evidence.runs import compare_runs, paired
from llmopt.evidence.sample_size import (
    detectable_loss_points,
    plan_table,
    requests_needed,
    statement,
)

__all__ = [
    "COLUMNS",
    "Change",
    "Decision",
    "Effect",
    "Evidence",
    "PairedQuality",
    "compare_runs",
    "decide",
    "detectable_loss_points",
    "exact_change",
    "load_decisions",
    "not_applicable",
    "not_run",
    "paired",
    "paired_quality",
    "plan_table",
    "ratio_change",
    "relative_change",
    "round_ratio_change",
    "requests_needed",
    "save_decisions",
    "statement",
    "table",
    "throughput_cost_change",
    "tiers_table",
]
