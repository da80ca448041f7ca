"""BenchView: a live view of a running benchmark.

Pass `view.on_record` as the benchmark runner's per-request callback. The counters (and the
progress bar) follow every record; the statistics line and the latency chart are redrawn every
`redraw_every` records and when the last expected one arrives; they cover the stage now
running (that of the latest record). The statistics come from llmopt.report.live; this widget
only counts and shows.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import traitlets

from llmopt.report.charts import live_latency
from llmopt.report.live import running_frame, running_stats
from llmopt.report.records import field, outcome

from ._display import show_chart


class BenchView(widgets.VBox):
    """Progress bar, counts, running statistics and a latency chart of a benchmark in progress.

    Records are the benchmark's per-request models, objects with the same attributes, or dicts.
    """

    total = traitlets.Int(0)
    """Requests expected (warm-up included); 0 when unknown."""
    done = traitlets.Int(0)
    ok = traitlets.Int(0)
    failed = traitlets.Int(0)
    warmup = traitlets.Int(0)
    redraw_every = traitlets.Int(10)
    """Redraw the statistics and the chart after this many records."""
    label = traitlets.Unicode("")
    """Shown on the chart, e.g. "Demo world (simulated prices)"."""
    stats = traitlets.Dict()
    """The latest `llmopt.report.live.running_stats`."""
    chart = traitlets.Any(None)
    """The altair chart now shown (None before the first redraw)."""

    def __init__(self, total: int = 0, redraw_every: int = 10, label: str = "") -> None:
        super().__init__()
        if redraw_every < 1:
            raise ValueError(f"redraw_every must be >= 1, got {redraw_every!r}")
        self.records: list[Any] = []
        self.progress = widgets.IntProgress(min=0, max=1, description="requests")
        self.counts = widgets.HTML()
        self.stats_line = widgets.HTML()
        self.chart_output = widgets.Output()
        self.children = [widgets.HBox([self.progress, self.counts]), self.stats_line,
                         self.chart_output]
        self._started: float | None = None
        self.observe(self._show_counts, names=["total", "done", "ok", "failed", "warmup"])
        self.set_trait("label", label)
        self.redraw_every = redraw_every
        self.total = total
        self._show_counts()

    def start(self, total: int | None = None) -> None:
        """Forget earlier records, start the clock; `total`: the requests now expected."""
        self.records = []
        with self.hold_trait_notifications():
            self.done = self.ok = self.failed = self.warmup = 0
            if total is not None:
                self.total = total
        self.stats = {}
        self.chart = None
        self.stats_line.value = ""
        self.chart_output.outputs = ()
        self._started = time.monotonic()

    def on_record(self, record: Any) -> None:
        """Take one finished request (the benchmark's callback)."""
        if self._started is None:
            self._started = time.monotonic()
        self.records.append(record)
        kind = outcome(record)
        with self.hold_trait_notifications():
            setattr(self, kind, getattr(self, kind) + 1)
            self.done += 1
        if self.done % self.redraw_every == 0 or self.done == self.total:
            self.refresh()

    def on_records(self, records: Iterable[Any]) -> None:
        """Take several finished requests (e.g. those of a resumed run), then redraw."""
        for record in records:
            self.on_record(record)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the statistics and redraw the chart now."""
        elapsed = None if self._started is None else time.monotonic() - self._started
        stage = field(self.records[-1], "stage") if self.records else None
        self.stats = running_stats(self.records, elapsed_s=elapsed, stage=stage)
        self.stats_line.value = _stats_text(self.stats)
        self.chart = live_latency(running_frame(self.records), self.label)
        show_chart(self.chart_output, self.chart)

    def _show_counts(self, change: dict[str, Any] | None = None) -> None:
        self.progress.max = max(self.total, self.done, 1)
        self.progress.value = self.done
        self.progress.bar_style = ("danger" if self.failed else
                                   "success" if self.total and self.done >= self.total else "")
        of_total = f" / {self.total}" if self.total else ""
        self.counts.value = (f"{self.done}{of_total} requests · {self.ok} ok · "
                             f"{self.failed} failed · {self.warmup} warm-up")


def _stats_text(stats: dict[str, Any]) -> str:
    parts = [
        ("p50 latency", stats.get("latency_s_p50"), "{:.3f} s"),
        ("p90 latency", stats.get("latency_s_p90"), "{:.3f} s"),
        ("p50 TTFT", stats.get("ttft_s_p50"), "{:.3f} s"),
        ("output tokens/s", stats.get("output_tokens_per_s"), "{:,.1f}"),
        ("accuracy", stats.get("accuracy"), "{:.1%}"),
        ("cost", stats.get("cost_usd"), "${:,.4f}"),
    ]
    shown = [f"{name}: {fmt.format(value) if value is not None else '–'}"
             for name, value, fmt in parts]
    head = f"<b>stage {html.escape(str(stats.get('stage')))}</b> so far: "
    return head + html.escape(" · ".join(shown) + f" (graded {stats.get('graded', 0)})")
