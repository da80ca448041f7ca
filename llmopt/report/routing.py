"""Chart of a router's cost-quality curve: a pure function of `llmopt.route.calibrate` frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

from llmopt.report.records import require_columns

CURVE_COLUMNS = ("threshold", "share_strong", "accuracy", "usd_per_million_requests")


def cost_quality(curve: pd.DataFrame, points: pd.DataFrame | None = None,
                 label: str = "") -> alt.LayerChart:
    """Accuracy against $/1M requests over thresholds (line), with named points (all-cheap,
    router, all-strong: `calibrate.summary`) marked and labelled."""
    require_columns(curve, CURVE_COLUMNS, "cost-quality curve")
    x = alt.X("usd_per_million_requests:Q", title="$ per 1M requests")
    y = alt.Y("accuracy:Q", title="Accuracy (held-out)", scale=alt.Scale(zero=False))
    tooltip = [alt.Tooltip(c, format=".4f") for c in CURVE_COLUMNS]
    line = alt.Chart(curve).mark_line(point=True).encode(x=x, y=y, order="share_strong:Q",
                                                         tooltip=tooltip)
    layers = [line]
    if points is not None:
        require_columns(points, ("policy", *CURVE_COLUMNS[1:]), "cost-quality points")
        marked = alt.Chart(points).encode(x=x, y=y)
        layers += [marked.mark_point(size=120, filled=True, color="#e45756"),
                   marked.mark_text(dy=-12).encode(text="policy:N")]
    return alt.layer(*layers).properties(
        title={"text": "Router: cost against quality over thresholds", "subtitle": label},
        width=420, height=260)
