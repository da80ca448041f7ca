"""Priced request records built by hand, for the stack's figures and guardrail tests.

The price: $2 input, $0.50 cached input, $8 output per 1M tokens. A request of 1,000 prompt
tokens (400 cached) and 100 output tokens bills 600*2 + 400*0.5 + 100*8 = $2,200 per 1M.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from llmopt.bench import BenchResult
from llmopt.business.figures import priced
from llmopt.pricing import Price
from tests.unit.bench.records import record

PRICE = Price(provider="test", model="m", input=2.0, cached_input=0.5, output=8.0, source="test",
              as_of=date(2026, 1, 1))


def run(*records) -> BenchResult:
    return BenchResult(records=list(records))


def frame_of(rows: list[dict]) -> pd.DataFrame:
    """Priced records of `rows` (each: tier, correct, latency_s, route; 1,000 prompt tokens,
    400 of them cached, 100 output tokens)."""
    tokens = {"prompt_tokens": 1000, "cached_tokens": 400, "output_tokens": 100}
    fields = [{k: v for k, v in r.items() if k not in ("route", "cache_hit")} for r in rows]
    records = [record(i, **(tokens | f)) for i, f in enumerate(fields)]
    frame = priced(run(*records), PRICE).assign(route=[r.get("route", "strong") for r in rows])
    if any("cache_hit" in r for r in rows):
        frame["cache_hit"] = [r.get("cache_hit", False) for r in rows]
    return frame


