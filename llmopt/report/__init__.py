"""Tables and charts of measured results: pure chart builders (DataFrame -> altair chart),
the accuracy rule every table uses, and running statistics for live views.

Headless: importing llmopt.report never imports jupyter or ipywidgets.
"""

from llmopt.report.charts import (
    LATENCY_METRICS,
    api_comparison,
    breakeven,
    cost_per_million,
    latency_percentiles,
    live_latency,
    quality_by_tier,
    throughput,
)
from llmopt.report.live import running_frame, running_stats
from llmopt.report.quality import accuracy, accuracy_by_tier, outcomes
from llmopt.report.records import RECORD_FIELDS, field, is_ok, outcome, records_frame

__all__ = [
    "LATENCY_METRICS",
    "RECORD_FIELDS",
    "accuracy",
    "accuracy_by_tier",
    "api_comparison",
    "breakeven",
    "cost_per_million",
    "field",
    "is_ok",
    "latency_percentiles",
    "live_latency",
    "outcome",
    "outcomes",
    "quality_by_tier",
    "records_frame",
    "running_frame",
    "running_stats",
    "throughput",
]
