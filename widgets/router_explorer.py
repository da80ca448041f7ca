"""RouterExplorer: a threshold slider over a router's held-out graded sample, showing the share
of strong calls, $/1M requests and accuracy, with the cost-quality curve.

The numbers come from llmopt.route.calibrate (the functions notebook 08 calls); the chart from
llmopt.report.routing. This widget only holds the threshold and shows what they return.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
import traitlets

from llmopt.report.routing import cost_quality
from llmopt.route import calibrate

from ._display import show_chart, size_control

OUTPUTS = ("share_strong", "usd_per_million_requests", "accuracy")


class RouterExplorer(widgets.VBox):
    """Move `threshold` (or the slider): `point` and the lines and chart below follow."""

    threshold = traitlets.Float(0.5)
    label = traitlets.Unicode("")
    point = traitlets.Dict()
    """calibrate.evaluate at the threshold: share_strong, accuracy, usd_per_million_requests."""
    chart = traitlets.Any(None)

    def __init__(self, heldout: pd.DataFrame, threshold: float | None = None,
                 label: str = "") -> None:
        super().__init__()
        self._heldout = heldout
        self._curve = calibrate.curve(heldout)
        scores = heldout["score"].astype(float)
        start = float(scores.median()) if threshold is None else float(threshold)
        self.slider = widgets.FloatSlider(description="Threshold", min=float(scores.min()),
                                          max=float(scores.max()) + 0.001, step=0.001,
                                          readout_format=".3f", continuous_update=False)
        size_control(self.slider, "8em")
        self.lines = {name: widgets.HTML() for name in OUTPUTS}
        self.chart_output = widgets.Output()
        widgets.link((self.slider, "value"), (self, "threshold"))
        self.set_trait("label", label)
        self.set_trait("threshold", start)
        self.observe(self._update, names=["threshold", "label"])
        self.children = [self.slider, *self.lines.values(), self.chart_output]
        self._update()

    def _update(self, change: dict[str, Any] | None = None) -> None:
        self.point = calibrate.evaluate(self._heldout, self.threshold)
        texts = {"share_strong": f"Strong calls: {self.point['share_strong']:.1%}",
                 "usd_per_million_requests":
                     f"$ per 1M requests: ${self.point['usd_per_million_requests']:,.2f}",
                 "accuracy": f"Accuracy (held-out): {self.point['accuracy']:.1%}"}
        for name, text in texts.items():
            self.lines[name].value = html.escape(text)
        points = pd.DataFrame([{"policy": "threshold", **self.point}])
        self.chart = cost_quality(self._curve, points, self.label)
        show_chart(self.chart_output, self.chart)
