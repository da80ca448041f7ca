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


def _drag(root: Any, part: str, lo: float, hi: float, value: float) -> None:
    """Drag a slider's handle to `value` with the mouse, as a user does (the slider's track
    runs from `lo` to `hi`; the slider snaps to its nearest step). Not the arrow keys: Notebook
    7.6.5 takes the keydown before the slider sees it (the handle has focus, nothing moves)."""
    track = root.locator(f".part-{part} .noUi-base").bounding_box()
    handle = root.locator(f".part-{part} .noUi-handle").bounding_box()
    y = handle["y"] + handle["height"] / 2
    mouse = root.page.mouse
    mouse.move(handle["x"] + handle["width"] / 2, y)
    mouse.down()
    mouse.move(track["x"] + track["width"] * (value - lo) / (hi - lo), y, steps=5)
    mouse.up()


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

RATE, RATE_STEP, RATE_MIN, RATE_MOVED = 0.5, 0.05, 0.1, 0.3


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


COMPRESSION_VIEW = WidgetCase(
    name="compression_view",
    code=f"""\
from llmopt import compress
from llmopt.demo import manual
from llmopt.profile import resolve_model
from llmopt.widgets import CompressionView
model = compress.default_model("llmlingua2", "demo", resolve_model("demo:small"))
widget = CompressionView(compress.load({{"kind": "llmlingua2"}}, model=model), manual.MANUAL,
                         rate={RATE!r}, min_rate={RATE_MIN!r}, step={RATE_STEP!r})
show("compression_view", widget, {{"slider": widget.slider, "summary": widget.summary}})
""",
    move=lambda root, kernel: _drag(root, "slider", RATE_MIN, 1.0, RATE_MOVED),
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


# -- RouterExplorer: a threshold slider over a held-out graded sample -------------------------

ROUTE_START, ROUTE_STEP, ROUTE_MOVED = 0.41, 0.001, 0.42


def _route_sample() -> list[dict]:
    """30 graded requests; scores sit half a slider step off the slider's grid (which starts at
    the lowest score, 0.4), so no score lies on a threshold the slider can take. 30 steps on
    the track leave each several pixels wide for the mouse."""
    scores = [0.4] + [0.4005 + ROUTE_STEP * i for i in range(29)]
    return [{"score": s, "cheap_correct": i % 3 != 0, "strong_correct": True,
             "cheap_cost_usd": 0.0001, "strong_cost_usd": 0.001} for i, s in enumerate(scores)]


ROUTE_TRACK = (0.4, max(r["score"] for r in _route_sample()) + ROUTE_STEP)
"""The slider's ends: RouterExplorer runs it from the lowest score to the highest plus a step."""


def _route_lines(threshold: float) -> Expected:
    import pandas as pd

    from llmopt.route import calibrate

    p = calibrate.evaluate(pd.DataFrame(_route_sample()), threshold)
    return {"share": f"Strong calls: {p['share_strong']:.1%}",
            "usd": f"$ per 1M requests: ${p['usd_per_million_requests']:,.2f}",
            "accuracy": f"Accuracy (held-out): {p['accuracy']:.1%}",
            "chart": "browser test"}


ROUTER_EXPLORER = WidgetCase(
    name="router_explorer",
    code=f"""\
import pandas as pd
from llmopt.widgets import RouterExplorer
widget = RouterExplorer(pd.DataFrame({_route_sample()!r}), threshold={ROUTE_START!r},
                        label="browser test")
show("router_explorer", widget, {{"slider": widget.slider,
     "share": widget.lines["share_strong"], "usd": widget.lines["usd_per_million_requests"],
     "accuracy": widget.lines["accuracy"], "chart": widget.chart_output}})
""",
    move=lambda root, kernel: _drag(root, "slider", *ROUTE_TRACK, ROUTE_MOVED),
    before=lambda: _route_lines(ROUTE_START),
    after=lambda: _route_lines(ROUTE_MOVED),
    chart="chart",
)


CASES = [COST_CALCULATOR, CAPACITY_PLANNER, COMPRESSION_VIEW, BENCH_VIEW, ROUTER_EXPLORER]
