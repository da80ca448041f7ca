"""Charts of the business case: pure functions of llmopt.business frames.

`waterfall` shows what each measured step took off (or put on) the $ per 1M requests;
`tornado` how far the monthly saving moves across each assumption's levels.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

SAVES, COSTS, TOTAL = "saves", "costs more", "total"
AFTER = "after the stack"
_COLORS = alt.Scale(domain=[TOTAL, SAVES, COSTS], range=["#4c78a8", "#54a24b", "#e45756"])


def waterfall(steps: pd.DataFrame, label: str = "") -> alt.LayerChart:
    """Bars from the baseline's $ per 1M requests (first row) through each step's change to
    the cost after the stack (a last bar): the frame of llmopt.business.money.steps (columns
    step, usd_per_million_requests; an `accuracy` column is printed under each step)."""
    require_columns(steps, ["step", "usd_per_million_requests"], "waterfall")
    bars = _waterfall_bars(steps)
    x = alt.X("step:N", sort=list(bars["step"]), title=None, axis=alt.Axis(labelAngle=-20))
    tooltip = ["step:N", alt.Tooltip("usd_per_million_requests:Q", format="$,.2f"),
               alt.Tooltip("change:Q", format="$,.2f")]
    if "accuracy" in bars:
        tooltip.append(alt.Tooltip("accuracy:Q", format=".1%"))
    base = alt.Chart(bars).encode(x=x)
    layers = [
        base.mark_bar().encode(
            y=alt.Y("start:Q", title="$ per 1M requests", axis=alt.Axis(format="$,.0f")),
            y2="end:Q", color=alt.Color("kind:N", scale=_COLORS, title=None),
            tooltip=tooltip),
        base.mark_text(dy=-6).encode(y="top:Q", text="text:N"),
    ]
    if "accuracy" in bars:
        layers.append(base.mark_text(dy=-20, color="gray").encode(
            y="top:Q", text=alt.Text("accuracy:Q", format=".1%")))
    title = "What each step does to $ per 1M requests" + (
        " (grey: accuracy)" if "accuracy" in bars else "")
    return alt.layer(*layers, title=_title(title, label)).properties(width=alt.Step(80),
                                                                     height=300)


def tornado(sensitivity: pd.DataFrame, base_saving_usd: float | None = None,
            label: str = "") -> alt.LayerChart:
    """Per assumption, a bar over the range of monthly savings its levels give, each level a
    labelled point, widest range on top, and a rule at the base case's saving: the frame of
    llmopt.business.sensitivity.sensitivity (rows without a saving, e.g. no spot price, are
    left out: their note says why)."""
    require_columns(sensitivity, ["factor", "level", "monthly_saving_usd"], "tornado")
    points = sensitivity.dropna(subset=["monthly_saving_usd"]).astype(
        {"monthly_saving_usd": float})
    ranges = points.groupby("factor", sort=False)["monthly_saving_usd"].agg(["min", "max"])
    ranges = ranges.assign(width=ranges["max"] - ranges["min"]).reset_index()
    order = list(ranges.sort_values("width", ascending=False, kind="stable")["factor"])
    y = alt.Y("factor:N", sort=order, title=None)
    x_title = "monthly saving (USD)"
    bars = alt.Chart(ranges).mark_bar(opacity=0.35, height=18).encode(
        y=y, x=alt.X("min:Q", title=x_title, axis=alt.Axis(format="$,.0f")), x2="max:Q",
        tooltip=["factor:N", alt.Tooltip("min:Q", format="$,.0f"),
                 alt.Tooltip("max:Q", format="$,.0f")])
    points["above"] = points.groupby("factor", sort=False).cumcount() % 2 == 0
    marks = alt.Chart(points).encode(y=y, x=alt.X("monthly_saving_usd:Q", title=x_title))
    layers = [bars,
              marks.mark_point(filled=True, size=50).encode(
                  tooltip=["factor:N", "level:N",
                           alt.Tooltip("monthly_saving_usd:Q", format="$,.0f")]),
              marks.transform_filter(alt.datum.above).mark_text(dy=-13, fontSize=9).encode(
                  text="level:N"),
              marks.transform_filter(~alt.datum.above).mark_text(dy=14, fontSize=9).encode(
                  text="level:N")]
    if base_saving_usd is not None:
        rule = pd.DataFrame({"monthly_saving_usd": [float(base_saving_usd)]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 4], color="gray").encode(
            x="monthly_saving_usd:Q"))
    title = _title("How the monthly saving moves with each assumption", label)
    return alt.layer(*layers, title=title).properties(width=480, height=alt.Step(56))


def _waterfall_bars(steps: pd.DataFrame) -> pd.DataFrame:
    rows, previous = [], None
    for row in steps.to_dict(orient="records"):
        value = float(row["usd_per_million_requests"])
        change = None if previous is None else value - previous
        kind = TOTAL if previous is None else SAVES if value <= previous else COSTS
        start = 0.0 if previous is None else previous
        text = f"${value:,.2f}" if change is None else f"{'+' if change > 0 else '-'}" \
                                                       f"${abs(change):,.2f}"
        rows.append({"step": str(row["step"]), "start": start, "end": value, "kind": kind,
                     "change": change, "usd_per_million_requests": value,
                     "top": max(start, value), "text": text,
                     **({"accuracy": row["accuracy"]} if "accuracy" in row else {})})
        previous = value
    if previous is not None and len(rows) > 1:
        last = rows[-1]
        rows.append(last | {"step": AFTER, "start": 0.0, "end": previous, "kind": TOTAL,
                            "change": None, "top": previous, "text": f"${previous:,.2f}"})
    return pd.DataFrame(rows)


def _title(text: str, label: str) -> alt.Title:
    return alt.Title(text, subtitle=label) if label else alt.Title(text)
