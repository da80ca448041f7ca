"""Students, pruned and sparse models against their teacher, each served by vLLM and sent the
same requests (`llmopt.bench.interleaved`): size, speed, self-hosting $/1M tokens, accuracy per
tier and hard slice, agreement with the teacher, and the keep / drop / inconclusive decisions.

Agreement is the share of requests on which a model's answer parses to the same fields as the
teacher's (right or wrong): what sequence- and token-level distillation optimize.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmopt.bench import BenchResult
from llmopt.demo import evaluate
from llmopt.demo.grader import parse_answer
from llmopt.errors import GradeError
from llmopt.evidence import Decision, compare_runs, decide
from llmopt.pricing import cost_per_million_tokens
from llmopt.quantize.artifact import weights_bytes
from llmopt.workload import WorkloadItem


def table(results: dict[str, BenchResult], folders: dict[str, str | Path],
          items: list[WorkloadItem], teacher: str, usd_per_hour: float) -> pd.DataFrame:
    """One row per model: weights, tokens/s, $/1M tokens, accuracy overall, per tier and hard
    slice, and agreement with `teacher`'s answers."""
    texts = {name: _texts(result, items) for name, result in results.items()}
    rows = []
    for name, result in results.items():
        summary = result.summary().iloc[0]
        tokens_per_s = summary["total_tokens_per_s"]
        accuracy = evaluate.accuracy_by_tier(items, texts[name]) | \
            evaluate.accuracy_by_hard_slice(items, texts[name])
        rows.append({"model": name, "weights_mb": weights_bytes(Path(folders[name])) / 1e6,
                     "output_tokens_per_s": summary["output_tokens_per_s"],
                     "total_tokens_per_s": tokens_per_s,
                     "usd_per_million_tokens": cost_per_million_tokens(tokens_per_s,
                                                                       usd_per_hour),
                     **{f"accuracy_{k}": v for k, v in accuracy.items()},
                     "agreement_with_teacher": agreement(texts[teacher], texts[name])})
    return pd.DataFrame(rows).set_index("model")


def agreement(teacher: list[str], student: list[str]) -> float:
    """Share of requests where both answers parse to the same fields."""
    same = [_fields(t) is not None and _fields(t) == _fields(s)
            for t, s in zip(teacher, student, strict=True)]
    return sum(same) / len(same) if same else 0.0


def decisions(results: dict[str, BenchResult], baseline: str, *, usd_per_hour: float,
              in_flight: int, budget_points: float, technique: str) -> list[Decision]:
    """Each model against `baseline` on the same interleaved requests: quality paired by
    request, cost = self-hosting $/1M tokens at the measured throughput, latency = p50."""
    base = results[baseline].frame()
    return [decide(technique, name,
                   compare_runs(base, result.frame(), cost="throughput", latency="latency_s",
                                usd_per_hour=usd_per_hour, in_flight=in_flight),
                   budget_points=budget_points)
            for name, result in results.items() if name != baseline]


def against(results: dict[str, BenchResult], items: list[WorkloadItem], baseline: str,
            candidate: str):
    """`candidate`'s accuracy against `baseline`'s on the same items, per tier and hard slice
    (a PairedQuality)."""
    return evaluate.paired_by_slice(items, _texts(results[baseline], items),
                                    _texts(results[candidate], items))


def _texts(result: BenchResult, items: list[WorkloadItem]) -> list[str]:
    """The answer text per item, in the items' order (the last record of each request)."""
    frame = result.frame()
    frame = frame[~frame["warmup"]].drop_duplicates("id", keep="last").set_index("id")
    return [str(frame.loc[item.id, "text"]) if item.id in frame.index else "" for item in items]


def _fields(text: str) -> dict | None:
    try:
        return parse_answer(text)
    except GradeError:
        return None
