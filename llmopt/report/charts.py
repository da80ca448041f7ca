"""Chart builders: pure functions from a benchmark or pricing DataFrame to an altair chart.

No I/O and no Jupyter here: a notebook displays what these return, a report saves it, a test
reads its `to_dict()`. Every builder takes `label`, shown as the chart's subtitle (state
"Demo world (simulated prices)" there), and raises ConfigError naming the columns its frame
lacks. Quality stands next to cost and speed: summary charts carry accuracy in their tooltips,
and the cost chart prints it at each point.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.errors import ConfigError
from llmopt.pricing._inputs import non_negative, unknown
from llmopt.report.quality import OVERALL, accuracy_by_tier
from llmopt.report.records import require_columns

PERCENTILES = ("p50", "p90", "p99")
LATENCY_METRICS = {
    "ttft_s": "Time to first token",
    "tpot_s": "Time per output token",
    "itl_mean_s": "Mean inter-token latency",
    "latency_s": "End-to-end latency",
}
"""Latency metrics of the benchmark summary (columns `<metric>_p50` etc.), with their titles."""

SUMMARY_TOOLTIP = ("stage", "concurrency", "target_rate", "requests", "ok", "failed",
                   "accuracy")
"""Summary columns shown in every summary chart's tooltip, where the frame has them."""

SELF_HOST = "self-host"
_SECONDARY = "#e45756"


def latency_percentiles(summary: pd.DataFrame, metric: str = "latency_s",
                        x: str = "concurrency", label: str = "") -> alt.Chart:
    """Lines of a latency metric's p50, p90 and p99 (seconds) against `x`, one per percentile."""
    if metric not in LATENCY_METRICS:
        raise unknown("latency metric", metric, LATENCY_METRICS)
    columns = [f"{metric}_{p}" for p in PERCENTILES]
    require_columns(summary, [x, *columns], "latency_percentiles")
    keep = _present(summary, [x, *SUMMARY_TOOLTIP])
    long = summary.melt(id_vars=keep, value_vars=columns, var_name="percentile",
                        value_name="seconds")
    long["percentile"] = long["percentile"].str.removeprefix(f"{metric}_")
    title = _title(f"{LATENCY_METRICS[metric]} by {x}", label)
    return alt.Chart(long, title=title).mark_line(point=True).encode(
        x=_x(summary, x, "latency_percentiles"),
        y=alt.Y("seconds:Q", title=f"{metric} (s)"),
        color=alt.Color("percentile:N", sort=list(PERCENTILES), title="percentile"),
        tooltip=[*_tooltip(long, keep), "percentile:N", alt.Tooltip("seconds:Q", format=".3f")],
    )


def throughput(summary: pd.DataFrame, x: str = "concurrency", label: str = "") -> alt.LayerChart:
    """Output tokens/s (solid, left axis) and requests/s (dashed, right axis) against `x`."""
    require_columns(summary, [x, "output_tokens_per_s", "req_per_s"], "throughput")
    base = alt.Chart(summary).encode(
        x=_x(summary, x, "throughput"),
        tooltip=[*_tooltip(summary, [x, *SUMMARY_TOOLTIP]),
                 alt.Tooltip("output_tokens_per_s:Q", format=",.1f"),
                 alt.Tooltip("req_per_s:Q", format=",.2f")],
    )
    tokens = base.mark_line(point=True).encode(
        y=alt.Y("output_tokens_per_s:Q", title="output tokens/s"))
    requests = base.mark_line(point=True, strokeDash=[5, 3], color=_SECONDARY).encode(
        y=alt.Y("req_per_s:Q", title="requests/s (dashed)",
                axis=alt.Axis(titleColor=_SECONDARY)))
    title = _title(f"Throughput by {x}", label)
    return alt.layer(tokens, requests, title=title).resolve_scale(y="independent")


def cost_per_million(summary: pd.DataFrame, x: str = "concurrency",
                     label: str = "") -> alt.LayerChart:
    """$ per 1M tokens against `x`, each point labelled with its accuracy."""
    require_columns(summary, [x, "usd_per_million_tokens", "accuracy"], "cost_per_million")
    base = alt.Chart(summary).encode(
        x=_x(summary, x, "cost_per_million"),
        y=alt.Y("usd_per_million_tokens:Q", title="USD per 1M tokens",
                axis=alt.Axis(format="$,.2f")),
        tooltip=[*_tooltip(summary, [x, *SUMMARY_TOOLTIP]),
                 alt.Tooltip("usd_per_million_tokens:Q", format="$,.4f")],
    )
    line = base.mark_line(point=True)
    accuracy = base.mark_text(dy=-10).encode(text=alt.Text("accuracy:Q", format=".0%"))
    title = _title(f"Cost per 1M tokens by {x} (labels: accuracy)", label)
    return alt.layer(line, accuracy, title=title)


def quality_by_tier(frame: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Bars of accuracy per tier and overall, each labelled with its accuracy and n; warm-up
    requests are left out and failed ones count as wrong (llmopt.report.quality)."""
    require_columns(frame, ["tier", "correct"], "quality_by_tier")
    table = accuracy_by_tier(frame)
    table["scope"] = table["tier"].map(lambda t: OVERALL if t == OVERALL else "tier")
    table["text"] = [_accuracy_text(a, n) for a, n in zip(table["accuracy"], table["n"],
                                                          strict=True)]
    base = alt.Chart(table).encode(
        x=alt.X("tier:N", sort=list(table["tier"]), title="tier"),
        y=alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%")),
        tooltip=["tier:N", "n:Q", "correct:Q", alt.Tooltip("accuracy:Q", format=".1%")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("scope:N", scale=alt.Scale(domain=["tier", OVERALL]), legend=None))
    text = base.mark_text(dy=-6).encode(text="text:N")
    return alt.layer(bars, text, title=_title("Accuracy by tier", label))


def breakeven(cost_table_frame: pd.DataFrame, breakeven_tokens_per_day: float | None = None,
              label: str = "", current_tokens_per_day: float | None = None) -> alt.LayerChart:
    """Monthly cost against daily tokens for each option of `llmopt.pricing.cost_table` (the
    self-host fleet as steps), a dashed rule at the break-even volume and, if given, a dotted
    one at the current volume."""
    require_columns(cost_table_frame, ["tokens_per_day", "option", "monthly_cost_usd"],
                    "breakeven")
    base = alt.Chart(cost_table_frame).encode(
        x=alt.X("tokens_per_day:Q", title="tokens per day", axis=alt.Axis(format="~s")),
        y=alt.Y("monthly_cost_usd:Q", title="monthly cost (USD)",
                axis=alt.Axis(format="$,.0f")),
        color=alt.Color("option:N", title="option"),
        tooltip=_tooltip(cost_table_frame, ["option", "tokens_per_day", "monthly_cost_usd",
                                            "gpus"]),
    )
    layers = [
        base.transform_filter(alt.datum.option != SELF_HOST).mark_line(),
        # replicas_needed rounds up, so a step belongs to the point after it: step-before
        base.transform_filter(alt.datum.option == SELF_HOST).mark_line(interpolate="step-before"),
    ]
    marks = [("break-even", breakeven_tokens_per_day, [6, 4]),
             ("current", current_tokens_per_day, [2, 2])]
    for row, (name, volume, dash) in enumerate(marks):
        if volume is not None:
            layers += _vertical_rule(name, volume, dash, row)
    return alt.layer(*layers, title=_title("Monthly cost: API vs self-host", label))


def api_comparison(df: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Horizontal bars of the monthly cost of the same token volume on several API models,
    cheapest on top; the `label` column (price source) shows in the tooltip."""
    require_columns(df, ["model", "monthly_cost_usd", "label"], "api_comparison")
    base = alt.Chart(df).encode(
        y=alt.Y("model:N", sort="x", title=None),
        x=alt.X("monthly_cost_usd:Q", title="monthly cost (USD)", axis=alt.Axis(format="$,.0f")),
        tooltip=["model:N", alt.Tooltip("monthly_cost_usd:Q", format="$,.2f"), "label:N"],
    )
    bars = base.mark_bar()
    text = base.mark_text(align="left", dx=3).encode(
        text=alt.Text("monthly_cost_usd:Q", format="$,.0f"))
    return alt.layer(bars, text, title=_title("Monthly cost of the same volume by API model",
                                              label))


def live_latency(frame: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Per-request latency in arrival order (points coloured by stage, shaped by status) and
    each stage's running median of successful requests (lines): the frame of
    `llmopt.report.live.running_frame`."""
    require_columns(frame, ["n", "stage", "status", "latency_s", "running_p50_latency_s"],
                    "live_latency")
    base = alt.Chart(frame).encode(x=alt.X("n:Q", title="request (arrival order)"),
                                   color=alt.Color("stage:N", sort=None, title="stage"))
    points = base.mark_point(size=20, opacity=0.5, filled=True).encode(
        y=alt.Y("latency_s:Q", title="latency (s)"),
        shape=alt.Shape("status:N", title="status"),
        tooltip=_tooltip(frame, ["n", "stage", "status", "latency_s"]),
    )
    median = base.mark_line().encode(y="running_p50_latency_s:Q")
    return alt.layer(points, median, title=_title("Latency so far (lines: running p50)", label))


def _title(text: str, label: str) -> alt.Title:
    return alt.Title(text, subtitle=label) if label else alt.Title(text)


def _present(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    return [c for c in dict.fromkeys(columns) if c in frame.columns]


def _tooltip(frame: pd.DataFrame, columns: list[str]) -> list[alt.Tooltip]:
    tips = []
    for column in _present(frame, columns):
        if len(frame) and frame[column].isna().all():
            continue
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        fmt = ".1%" if column == "accuracy" else ",.4~f" if numeric else None
        kind = "Q" if numeric else "N"
        tips.append(alt.Tooltip(f"{column}:{kind}", format=fmt) if fmt else
                    alt.Tooltip(f"{column}:{kind}"))
    return tips


def _x(frame: pd.DataFrame, x: str, chart: str) -> alt.X:
    """A quantitative x for numeric columns, else nominal in the frame's order."""
    if frame[x].isna().all() and len(frame):
        raise ConfigError(f"{chart}: column {x!r} has no values; chart against a column that "
                          f"varies across the stages (e.g. x='concurrency' or x='target_rate')")
    if pd.api.types.is_numeric_dtype(frame[x]):
        return alt.X(f"{x}:Q", title=x)
    return alt.X(f"{x}:N", title=x, sort=None)


def _vertical_rule(name: str, volume: float, dash: list[int], row: int = 0) -> list[alt.Chart]:
    """A dashed rule at `volume` labelled at the top, each label on its own `row` (labels of
    nearby rules overlapped)."""
    non_negative(f"{name} tokens per day", volume)
    text = f"{name}: {volume:,.0f} tokens/day"
    data = pd.DataFrame({"tokens_per_day": [float(volume)], "text": [text]})
    base = alt.Chart(data).encode(x="tokens_per_day:Q")
    return [base.mark_rule(strokeDash=dash, color="gray"),
            base.mark_text(align="left", dx=4, dy=4 + 14 * row, baseline="top",
                           color="gray").encode(
                text="text:N", y=alt.value(0))]


def _accuracy_text(accuracy: float, n: int) -> str:
    return f"n={n}" if pd.isna(accuracy) else f"{accuracy:.0%} (n={n})"
