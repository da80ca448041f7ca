from types import SimpleNamespace

import pytest

from llmopt.widgets import BenchView


def record(i: int, status: str = "ok", warmup: bool = False, correct: bool | None = True,
           ) -> dict:
    return {"id": f"r{i}", "tier": "easy", "stage": "c2", "warmup": warmup, "status": status,
            "latency_s": 0.1 * i if status == "ok" else None, "ttft_s": 0.02,
            "output_tokens": 10, "correct": correct, "cost_usd": 0.001}


def test_counters_follow_every_record_and_stats_every_n() -> None:
    view = BenchView(total=12, redraw_every=5, label="Demo world")
    view.on_record(record(0, warmup=True))
    view.on_record(record(1))
    view.on_record(record(2, status="error", correct=False))
    assert (view.done, view.ok, view.failed, view.warmup) == (3, 1, 1, 1)
    assert view.counts.value == "3 / 12 requests · 1 ok · 1 failed · 1 warm-up"
    assert (view.progress.value, view.progress.max) == (3, 12)
    assert view.progress.bar_style == "danger"
    assert view.stats == {} and view.chart is None  # not redrawn yet

    view.on_record(SimpleNamespace(**record(3, correct=False)))
    view.on_record(record(4))
    assert view.stats["done"] == 5
    assert view.stats["accuracy"] == pytest.approx(2 / 4)
    assert view.stats["latency_s_p50"] == pytest.approx(0.3)
    assert "stage c2</b> so far" in view.stats_line.value
    assert "p50 latency: 0.300 s" in view.stats_line.value
    assert "accuracy: 50.0%" in view.stats_line.value
    assert view.chart.to_dict()["title"]["subtitle"] == "Demo world"
    assert view.chart_output.outputs[0]["output_type"] == "display_data"


def test_last_expected_record_redraws_and_completes() -> None:
    view = BenchView(total=3, redraw_every=100)
    view.on_records(record(i) for i in range(1, 4))
    assert view.stats["ok"] == 3
    assert view.progress.bar_style == "success"
    assert view.counts.value.startswith("3 / 3 requests")


def test_start_resets() -> None:
    view = BenchView(redraw_every=1)
    view.on_record(record(1))
    view.start(total=50)
    assert (view.done, view.ok, view.total, view.stats, view.records) == (0, 0, 50, {}, [])
    assert view.chart_output.outputs == ()
    assert view.counts.value == "0 / 50 requests · 0 ok · 0 failed · 0 warm-up"


def test_unknown_total_shows_counts_only() -> None:
    view = BenchView(redraw_every=1)
    view.on_record(record(1))
    assert view.counts.value == "1 requests · 1 ok · 0 failed · 0 warm-up"
    assert view.progress.max == 1


def test_redraw_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="redraw_every must be >= 1, got 0"):
        BenchView(redraw_every=0)
