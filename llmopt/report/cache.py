"""Chart of a response cache's hit and false-hit rates over the similarity threshold: a pure
function of an `llmopt.cache.sweep.curve` frame."""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

SWEEP_COLUMNS = ("threshold", "hit_rate", "false_hit_rate")


def threshold_curves(sweep: pd.DataFrame, chosen: float | None = None,
                     label: str = "") -> alt.LayerChart:
    """Hit rate and false-hit rate (shares of all requests) against the threshold; a rule marks
    the chosen threshold when given."""
    require_columns(sweep, SWEEP_COLUMNS, "cache threshold curve")
    long = sweep.melt(id_vars=["threshold"], value_vars=["hit_rate", "false_hit_rate"],
                      var_name="rate", value_name="share")
    lines = alt.Chart(long).mark_line().encode(
        x=alt.X("threshold:Q", title="Similarity threshold", scale=alt.Scale(zero=False)),
        y=alt.Y("share:Q", title="Share of requests", axis=alt.Axis(format="%")),
        color=alt.Color("rate:N", title=None),
        tooltip=["threshold:Q", "rate:N", alt.Tooltip("share:Q", format=".2%")])
    layers = [lines]
    if chosen is not None:
        layers.append(alt.Chart(pd.DataFrame({"threshold": [chosen]})).mark_rule(
            strokeDash=[4, 4], color="#e45756").encode(x="threshold:Q"))
    return alt.layer(*layers).properties(
        title={"text": "Semantic cache: hits and false hits over the threshold",
               "subtitle": label}, width=420, height=260)
