"""Hand-built records for the statistics and persistence tests."""

from __future__ import annotations

from llmopt.bench import RequestRecord


def record(n: int = 0, **fields) -> RequestRecord:
    """A successful 1-second request: 100 prompt tokens, 11 output tokens, TTFT 0.2 s."""
    base = {
        "id": f"r{n}", "tier": "easy", "stage": "synchronous", "concurrency": 1,
        "target_rate": None, "session": "s1", "model": "m", "scheduled_s": None,
        "start_s": 1000.0 + n, "end_s": 1001.0 + n, "ttft_s": 0.2, "tpot_s": 0.08,
        "itl_mean_s": 0.08, "latency_s": 1.0, "prompt_tokens": 100, "cached_tokens": None,
        "output_tokens": 11, "usage_source": "server", "status": "ok", "attempts": 1,
        "text": "{}", "correct": True, "fields_ok": {"intent": True}, "cost_usd": 0.001,
    }
    return RequestRecord(**(base | fields))
