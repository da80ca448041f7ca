"""Charts of a prompt-compression sweep (`llmopt.compress.sweep`): pure builders, each a
DataFrame -> altair chart, with the requested rate on the x axis and one line per method.

The baseline row (method "none", rate 1.0) starts every method's line: rate 1.0 is "keep
everything". `label` is the subtitle (say "Demo world" there).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

BASELINE = "none"
TIERS = ("accuracy", "accuracy_easy", "accuracy_hard")
_MEASURES = {"prefill_saved_ms": "prefill saved (TTFT)",
             "compressor_ms": "compressor time per call"}


def with_baseline(table: pd.DataFrame) -> pd.DataFrame:
    """The compressed rows plus a copy of the baseline row for each method (at its rate)."""
    require_columns(table, ["method", "rate"], "compression chart")
    base = table[table["method"] == BASELINE]
    rows = table[table["method"] != BASELINE]
    copies = [base.assign(method=m) for m in dict.fromkeys(rows["method"])]
    return pd.concat([*copies, rows], ignore_index=True)


def reduction(table: pd.DataFrame, label: str = "") -> alt.Chart:
    """Prompt-token reduction (%) by rate, $ saved per 1M requests in the tooltip."""
    require_columns(table, ["reduction_pct", "usd_saved_per_million_requests"], "reduction")
    data = with_baseline(table)
    return alt.Chart(data, title=_title("Prompt tokens saved by rate", label)).mark_line(
        point=True).encode(
        x=_rate(), y=alt.Y("reduction_pct:Q", title="prompt-token reduction (%)"),
        color=alt.Color("method:N", title="method"),
        tooltip=["method:N", "rate:Q", alt.Tooltip("prompt_tokens:Q", format=".1f"),
                 alt.Tooltip("reduction_pct:Q", format=".1f"),
                 alt.Tooltip("usd_saved_per_million_requests:Q", format="$,.2f")],
    )


def accuracy(table: pd.DataFrame, label: str = "") -> alt.Chart:
    """Accuracy by rate, one panel per tier (all, easy, hard)."""
    require_columns(table, list(TIERS), "accuracy")
    data = with_baseline(table).melt(id_vars=["method", "rate"], value_vars=list(TIERS),
                                     var_name="tier", value_name="value")
    data["tier"] = data["tier"].map({"accuracy": "all", "accuracy_easy": "easy",
                                     "accuracy_hard": "hard"})
    return alt.Chart(data, title=_title("Accuracy by rate and tier", label)).mark_line(
        point=True).encode(
        x=_rate(), y=alt.Y("value:Q", title="accuracy", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("method:N", title="method"),
        column=alt.Column("tier:N", sort=["all", "easy", "hard"], title=None),
        tooltip=["method:N", "rate:Q", "tier:N", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=180, height=180)


def latency(table: pd.DataFrame, label: str = "") -> alt.Chart:
    """The compressor's median time per call (dashed, triangles) against the prefill time it
    saves (solid, circles: median TTFT of the baseline minus the setting's), in ms, by rate."""
    require_columns(table, ["compressor_ms", "prefill_saved_ms"], "latency")
    data = table[table["method"] != BASELINE].melt(
        id_vars=["method", "rate"], value_vars=["prefill_saved_ms", "compressor_ms"],
        var_name="measure", value_name="ms")
    data["measure"] = data["measure"].map(_MEASURES)
    title = _title("Compressor time against the prefill time it saves", label)
    return alt.Chart(data, title=title).mark_line(point=True).encode(
        x=_rate(), y=alt.Y("ms:Q", title="milliseconds"),
        color=alt.Color("method:N", title="method"),
        strokeDash=alt.StrokeDash("measure:N", title="measure", scale=alt.Scale(
            domain=list(_MEASURES.values()), range=[[1, 0], [5, 3]])),
        shape=alt.Shape("measure:N", title="measure", scale=alt.Scale(
            domain=list(_MEASURES.values()), range=["circle", "triangle-down"])),
        tooltip=["method:N", "rate:Q", "measure:N", alt.Tooltip("ms:Q", format=".1f")],
    )


def _rate() -> alt.X:
    return alt.X("rate:Q", title="rate (share of the manual kept)", scale=alt.Scale(
        domain=[0, 1], reverse=True))


def _title(text: str, label: str) -> alt.Title:
    return alt.Title(text, subtitle=label) if label else alt.Title(text)
