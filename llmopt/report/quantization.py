"""Chart of a quantization comparison (`llmopt.quantize.comparison.table`): a pure builder,
DataFrame -> altair chart. `label` is the subtitle (say "Demo world" there)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

MEASURES = {"size_vs_baseline": "weights on disk", "tokens_vs_baseline": "tokens/s",
            "latency_vs_baseline": "p50 latency", "accuracy_vs_baseline": "accuracy"}


def relative(table: pd.DataFrame, baseline: str = "unquantized") -> pd.DataFrame:
    """Long form: each served variant's size, tokens/s, latency and accuracy over the
    baseline's (1.0 = the same as unquantized)."""
    require_columns(table, ["setting", "served", "size_vs_baseline", "total_tokens_per_s",
                            "latency_s_p50", "accuracy"], "quantization chart")
    base = table.set_index("setting").loc[baseline]
    rows = table[table["served"].astype(bool)].assign(
        tokens_vs_baseline=lambda t: t["total_tokens_per_s"] / base["total_tokens_per_s"],
        latency_vs_baseline=lambda t: t["latency_s_p50"] / base["latency_s_p50"],
        accuracy_vs_baseline=lambda t: t["accuracy"] / base["accuracy"]
        if base["accuracy"] else float("nan"))
    data = rows.melt(id_vars=["setting"], value_vars=list(MEASURES), var_name="measure",
                     value_name="ratio")
    data["measure"] = data["measure"].map(MEASURES)
    return data


def tradeoff(table: pd.DataFrame, baseline: str = "unquantized", label: str = "") -> alt.FacetChart:
    """One panel per measure, a bar per variant, a rule at 1.0 (the baseline)."""
    data = relative(table, baseline)
    bars = alt.Chart().mark_bar().encode(
        y=alt.Y("setting:N", title=None, sort=list(dict.fromkeys(data["setting"]))),
        x=alt.X("ratio:Q", title=f"relative to {baseline}"),
        color=alt.Color("setting:N", legend=None),
        tooltip=["setting:N", "measure:N", alt.Tooltip("ratio:Q", format=".2f")])
    rule = alt.Chart().mark_rule(strokeDash=[4, 4]).encode(x=alt.datum(1.0))
    title = alt.Title("Quantized against unquantized", subtitle=label) if label else alt.Title(
        "Quantized against unquantized")
    return alt.layer(bars, rule, data=data).properties(width=160, height=120).facet(
        column=alt.Column("measure:N", sort=list(MEASURES.values()), title=None), title=title)
