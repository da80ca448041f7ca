"""Replay a workload against any OpenAI-compatible endpoint, async and streaming.

    from llmopt.bench import Endpoint, SweepProfile, run
    result = run(Endpoint.of(server), items,
                 SweepProfile(max_requests=40), price=price_for("demo:large"),
                 results_path="results/bench.jsonl", server=server)
    result.summary()

Importing this package never imports jupyter, ipywidgets, vllm or torch.
"""

from llmopt.bench.counter import TokenCounter, tiktoken_counter, tokenizer_counter
from llmopt.bench.endpoint import Endpoint, Retry
from llmopt.bench.interleave import Arm, Pair, beside, interleaved
from llmopt.bench.profiles import (
    PROFILES,
    ConcurrentProfile,
    ConstantProfile,
    LoadProfile,
    PoissonProfile,
    ProfileConfig,
    Stage,
    SweepProfile,
    SynchronousProfile,
    profile_from,
)
from llmopt.bench.record import RequestRecord, StageRun
from llmopt.bench.request import Reply, send
from llmopt.bench.result import BenchResult
from llmopt.bench.runner import arun, run, scrape_url
from llmopt.bench.store import ResultsStore, read_jsonl

__all__ = [
    "PROFILES",
    "Arm",
    "BenchResult",
    "ConcurrentProfile",
    "ConstantProfile",
    "Endpoint",
    "LoadProfile",
    "Pair",
    "PoissonProfile",
    "ProfileConfig",
    "Reply",
    "RequestRecord",
    "ResultsStore",
    "Retry",
    "Stage",
    "StageRun",
    "SweepProfile",
    "SynchronousProfile",
    "TokenCounter",
    "arun",
    "beside",
    "interleaved",
    "profile_from",
    "read_jsonl",
    "run",
    "scrape_url",
    "send",
    "tiktoken_counter",
    "tokenizer_counter",
]
