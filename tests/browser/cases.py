"""One entry per widget for the browser test: the notebook code that builds and shows it, how
a user moves one of its controls in the page, and what llmopt computes before and after.

Adding a widget to the browser test is one `WidgetCase` in `CASES`. Its `code` runs in the
page's kernel after `PRELUDE` and must end with `show(name, widget, parts)`: `parts` names the
sub-widgets the test touches or reads; each gets the DOM class `part-<key>` and the widget the
class `case-<name>`. `move` acts on the widget's element in the page (a Playwright Locator)
and may run code in the kernel through `kernel` (for widgets fed by a running job rather than
by a control). `before` and `after` return {part: text the part must contain}, computed here
with the same llmopt functions and the same inputs (no server, no saved state needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

PRELUDE = """\
from llmopt import offline
offline.enable()
import altair as alt
alt.renderers.enable("svg")  # as the cookbook notebooks do
cases = {}

def show(name, widget, parts):
    widget.add_class(f"case-{name}")
    for key, part in parts.items():
        part.add_class(f"part-{key}")
    cases[name] = widget
    return widget
"""

Expected = dict[str, str]
Kernel = Callable[[str], None]


@dataclass(frozen=True)
class WidgetCase:
    name: str
    code: str
    move: Callable[[Any, Kernel], None]
    """(widget's Locator, run-in-kernel) -> None: what the user (or the running job) does."""
    before: Callable[[], Expected]
    after: Callable[[], Expected]
    chart: str | None = None
    """The part holding a chart that must be drawn (an SVG) and redrawn by the move."""


def _fill(root: Any, part: str, value: str) -> None:
    """Type into a text field and commit it with Enter, as a user does."""
    field = root.locator(f".part-{part} input")
    field.fill(value)
    field.press("Enter")


# -- CostCalculator: a text field ------------------------------------------------------------

COST = {"requests_per_day": 10_000.0, "prompt_tokens": 1_500.0, "output_tokens": 200.0,
        "api_model": "demo:large", "gpu": "L4-24GB", "selfhost_tokens_per_s": 1_000.0}
COST_MOVED = 250_000.0


def _cost_lines(requests_per_day: float) -> Expected:
    from llmopt.pricing.calculator import calculate
    from llmopt.pricing.gpus import GpuCatalog

    r = calculate({**COST, "requests_per_day": requests_per_day}, GpuCatalog.load())
    return {"api": f"${r.monthly_api_usd:,.2f} ({r.tokens_per_day:,.0f} tokens/day)",
            "own": f"${r.monthly_selfhost_usd:,.2f} ({r.replicas} replica(s), "
                   f"{r.utilization:.0%} busy)",
            "chart": f"current: {r.tokens_per_day:,.0f} tokens/day"}


COST_CALCULATOR = WidgetCase(
    name="cost_calculator",
    code=f"""\
from llmopt.widgets import CostCalculator
widget = CostCalculator(label="browser test", **{COST!r})
show("cost_calculator", widget, {{"requests": widget.controls["requests_per_day"],
     "api": widget.result_lines["monthly_api_usd"],
     "own": widget.result_lines["monthly_selfhost_usd"], "chart": widget.chart_output}})
""",
    move=lambda root, kernel: _fill(root, "requests", f"{COST_MOVED:g}"),
    before=lambda: _cost_lines(COST["requests_per_day"]),
    after=lambda: _cost_lines(COST_MOVED),
    chart="chart",
)


# -- CapacityPlanner: a dropdown -------------------------------------------------------------

PLAN = {"model": "meta-llama/Llama-3.1-8B-Instruct", "context_tokens": 8192,
        "concurrency": 32, "gpu": "L4-24GB", "tokens_per_s": 2_000.0}
PLAN_MOVED_GPU = "H100-80GB-SXM"


def _plan_lines(gpu: str) -> Expected:
    from llmopt.pricing.gpus import GpuCatalog
    from llmopt.serve.plan import PlanRequest, plan, shape_for

    request = PlanRequest(model=PLAN["model"], context_tokens=PLAN["context_tokens"],
                          concurrency=PLAN["concurrency"], gpus=[gpu],
                          gpu_counts=[1, 2, 4, 8], tokens_per_s=PLAN["tokens_per_s"])
    result = plan(request, GpuCatalog.load(), shape_for(PLAN["model"]))
    c = result.recommended or result.candidates[-1]
    return {"fits": f"{c.label}; {c.max_concurrency:,} sequences of "
                    f"{PLAN['context_tokens']:,} tokens fit",
            "cost": f"${c.usd_per_hour:,.2f}/hour"}


CAPACITY_PLANNER = WidgetCase(
    name="capacity_planner",
    code=f"""\
from llmopt.widgets import CapacityPlanner
widget = CapacityPlanner(**{PLAN!r})
show("capacity_planner", widget, {{"gpu": widget.controls["gpu"],
     "fits": widget.result_lines["fits"], "cost": widget.result_lines["cost"]}})
""",
    move=lambda root, kernel: root.locator(".part-gpu select").select_option(PLAN_MOVED_GPU),
    before=lambda: _plan_lines(PLAN["gpu"]),
    after=lambda: _plan_lines(PLAN_MOVED_GPU),
)


# -- CompressionView: a slider (the real LLMLingua-2 demo classifier) -------------------------

RATE, RATE_STEP, RATE_STEPS_LEFT = 0.5, 0.05, 4
RATE_MOVED = round(RATE - RATE_STEP * RATE_STEPS_LEFT, 2)


@cache
def _llmlingua2() -> Any:
    from llmopt import compress
    from llmopt.profile import resolve_model

    model = compress.default_model("llmlingua2", "demo", resolve_model("demo:small"))
    return compress.load({"kind": "llmlingua2"}, model=model)


def _compression_lines(rate: float) -> Expected:
    from llmopt.demo import manual

    r = _llmlingua2().compress(manual.MANUAL, rate=rate)
    return {"summary": f"at {r.setting}: kept {r.kept_words:.0%} of the words, "
                       f"{r.kept_chars:.0%} of the characters"}


def _move_slider(root: Any, kernel: Kernel) -> None:
    handle = root.locator(".part-slider .noUi-handle")
    handle.focus()
    for _ in range(RATE_STEPS_LEFT):
        handle.press("ArrowLeft")


COMPRESSION_VIEW = WidgetCase(
    name="compression_view",
    code=f"""\
from llmopt import compress
from llmopt.demo import manual
from llmopt.profile import resolve_model
from llmopt.widgets import CompressionView
model = compress.default_model("llmlingua2", "demo", resolve_model("demo:small"))
widget = CompressionView(compress.load({{"kind": "llmlingua2"}}, model=model), manual.MANUAL,
                         rate={RATE!r}, step={RATE_STEP!r})
show("compression_view", widget, {{"slider": widget.slider, "summary": widget.summary}})
""",
    move=_move_slider,
    before=lambda: _compression_lines(RATE),
    after=lambda: _compression_lines(RATE_MOVED),
)


# -- BenchView: no control; a running benchmark feeds it records --------------------------------

BENCH_TOTAL = 12
BENCH_RECORDS = [
    {"id": f"r{i}", "tier": "easy", "stage": "c4", "warmup": i < 2,
     "status": "error" if i == 7 else "ok", "latency_s": None if i == 7 else 0.05 * (i + 1),
     "ttft_s": 0.01 * (i + 1), "output_tokens": 20 + i, "correct": i % 3 != 0,
     "cost_usd": 0.0004, "start_s": 0.1 * i, "end_s": 0.1 * i + 0.05 * (i + 1)}
    for i in range(BENCH_TOTAL)
]


def _bench_lines(records: list[dict]) -> Expected:
    """Counts, the statistics line and the chart's title (a chart only once records came)."""
    from llmopt.report.live import running_stats

    if not records:
        return {"counts": f"0 / {BENCH_TOTAL} requests · 0 ok · 0 failed · 0 warm-up"}
    s = running_stats(records, stage=records[-1]["stage"])
    return {"counts": f"{s['done']} / {BENCH_TOTAL} requests · {s['ok']} ok · "
                      f"{s['failed']} failed · {s['warmup']} warm-up",
            "stats": f"p50 latency: {s['latency_s_p50']:.3f} s · "
                     f"p90 latency: {s['latency_s_p90']:.3f} s · "
                     f"p50 TTFT: {s['ttft_s_p50']:.3f} s · "
                     f"output tokens/s: {s['output_tokens_per_s']:,.1f} · "
                     f"accuracy: {s['accuracy']:.1%}",
            "chart": "browser test"}


BENCH_VIEW = WidgetCase(
    name="bench_view",
    code=f"""\
from llmopt.widgets import BenchView
widget = BenchView(total={BENCH_TOTAL}, redraw_every=5, label="browser test")
show("bench_view", widget, {{"counts": widget.counts, "stats": widget.stats_line,
     "chart": widget.chart_output}})
""",
    move=lambda root, kernel: kernel(
        f"for record in {BENCH_RECORDS!r}:\n    cases['bench_view'].on_record(record)"),
    before=lambda: _bench_lines([]),
    after=lambda: _bench_lines(BENCH_RECORDS),
    chart="chart",
)


CASES = [COST_CALCULATOR, CAPACITY_PLANNER, COMPRESSION_VIEW, BENCH_VIEW]
