"""Speculative decoding against none: per-concurrency rows, where it stops paying, a chart, and
greedy outputs compared request by request. Pure functions of bench frames and summaries."""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

NONE = "none"
"""The `method` of the run without speculation in a speculation table."""


def crossover(table: pd.DataFrame, method: str, measure: str = "output_tokens_per_s") -> int | None:
    """The lowest measured concurrency at which `method` gives no more `measure` (tokens/s)
    than no speculation; None when it pays at every concurrency measured."""
    require_columns(table, ["method", "concurrency", measure], "speculation crossover")
    base = table[table["method"] == NONE].set_index("concurrency")[measure]
    spec = table[table["method"] == method].set_index("concurrency")[measure]
    for concurrency in sorted(set(base.index) & set(spec.index)):
        if spec[concurrency] <= base[concurrency]:
            return int(concurrency)
    return None


def speedup(table: pd.DataFrame, measure: str = "output_tokens_per_s") -> pd.DataFrame:
    """`table` with `speedup`: each row's `measure` over no speculation's at its concurrency."""
    require_columns(table, ["method", "concurrency", measure], "speculation speedup")
    base = table[table["method"] == NONE].set_index("concurrency")[measure]
    return table.assign(speedup=table[measure] / table["concurrency"].map(base))


def chart(table: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Output tokens/s over no speculation's (1.0 = break-even) against concurrency, a line per
    method; where a line falls under the rule, speculation stops paying."""
    data = speedup(table)
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("concurrency:Q", scale=alt.Scale(type="log", base=2), title="requests in flight"),
        y=alt.Y("speedup:Q", title="output tokens/s vs no speculation"),
        color=alt.Color("method:N", title="speculation"),
        tooltip=["method:N", "concurrency:Q", alt.Tooltip("output_tokens_per_s:Q", format=".1f"),
                 alt.Tooltip("speedup:Q", format=".2f")])
    rule = alt.Chart().mark_rule(strokeDash=[4, 4]).encode(y=alt.datum(1.0))
    title = alt.Title("Where speculation stops paying", subtitle=label) if label else alt.Title(
        "Where speculation stops paying")
    return alt.layer(lines, rule).properties(width=420, height=240, title=title)


def compare_outputs(base: pd.DataFrame, candidate: pd.DataFrame) -> dict:
    """Greedy answers of the same requests (bench frames: `id`, `text`, `status`) compared by
    id: how many are identical and which differ (ids, sorted). Failed requests are left out."""
    require_columns(base, ["id", "text", "status"], "output comparison")
    require_columns(candidate, ["id", "text", "status"], "output comparison")
    left = base[base["status"] == "ok"].drop_duplicates("id").set_index("id")["text"]
    right = candidate[candidate["status"] == "ok"].drop_duplicates("id").set_index("id")["text"]
    shared = sorted(set(left.index) & set(right.index))
    mismatched = [i for i in shared if left[i] != right[i]]
    return {"compared": len(shared), "identical": len(shared) - len(mismatched),
            "mismatched_ids": mismatched}
