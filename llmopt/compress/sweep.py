"""A compression sweep as a table: one row per setting, against the uncompressed baseline.

`measure` turns one benchmark run (the same items, sent with one setting's prompts) into a
row; `sweep` adds what each setting changed against the baseline row (`method == "none"`):

    reduction_pct                    fewer prompt tokens, as the server counted them
    usd_saved_per_million_requests   those tokens at the model's input price, per 1M requests
    delta_accuracy_points            accuracy change in points (failed requests count wrong)
    prefill_saved_ms                 median TTFT of the baseline minus the setting's
    compressor_ms_per_request        the compressor's median time where every request pays it
                                     (question-aware methods); 0 where a shared prompt is
                                     compressed once
    net_ttft_saved_ms                prefill saved minus the compressor's time per request

`send_interleaved` sends every setting's requests in rounds, so that a slow patch of the
machine falls on every setting alike; `pick` chooses the strongest compression within
`max_drop_points` of the baseline.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llmopt.bench.endpoint import Endpoint
from llmopt.bench.profiles import SynchronousProfile
from llmopt.bench.result import BenchResult
from llmopt.bench.runner import run
from llmopt.compress.apply import Compressed
from llmopt.errors import ConfigError
from llmopt.pricing import Price
from llmopt.workload import WorkloadItem

BASELINE = "none"
TIERS = ("easy", "hard")


def interleave(workloads: dict[Hashable, list[WorkloadItem]],
               rounds: int) -> list[tuple[Hashable, int, list[WorkloadItem]]]:
    """(key, round, items) in sending order: round r holds items r, r + rounds, ... of each
    workload, the workloads in their order; empty chunks are left out."""
    if rounds < 1:
        raise ConfigError(f"rounds must be >= 1, got {rounds}")
    return [(key, r, items[r::rounds]) for r in range(rounds)
            for key, items in workloads.items() if items[r::rounds]]


def send_interleaved(endpoint: Endpoint, workloads: dict[Hashable, list[WorkloadItem]], *,
                     results_dir: str | Path, rounds: int = 3, **run_args: Any
                     ) -> dict[Hashable, BenchResult]:
    """Every workload's requests, one at a time, in the order of `interleave`: a slow patch
    of the machine falls on every setting alike. One results file per workload and round
    under `results_dir`; each workload's rounds come back merged (with their /metrics
    deltas). `run_args` go to `llmopt.bench.run` (price, server, grader, ...)."""
    parts: dict[Hashable, list[BenchResult]] = {key: [] for key in workloads}
    for key, r, chunk in interleave(workloads, rounds):
        path = Path(results_dir) / f"{_name(key)}-round{r}.jsonl"
        load = SynchronousProfile(max_requests=len(chunk))
        parts[key].append(run(endpoint, chunk, load, results_path=path, resume=False,
                              progress=False, **run_args))
    return {key: BenchResult(records=[x for p in got for x in p.records],
                             stages=[x for p in got for x in p.stages],
                             notes=[x for p in got for x in p.notes])
            for key, got in parts.items()}


def _name(key: Hashable) -> str:
    return "-".join(map(str, key)) if isinstance(key, tuple) else str(key)


def measure(result: BenchResult, method: str = BASELINE, rate: float = 1.0,
            compressed: Compressed | None = None) -> dict:
    """One row: tokens, accuracy by tier, TTFT, latency, cost and compressor time."""
    frame = result.frame()
    measured = frame[~frame["warmup"].astype(bool)]
    if measured.empty:
        raise ConfigError(f"{method} at rate {rate}: the run has no measured requests")
    ok = measured[measured["status"] == "ok"]
    correct = measured["correct"].fillna(False).astype(float)
    row = {"method": method, "rate": rate,
           "setting": BASELINE if compressed is None else f"{method} {compressed.setting}",
           "requests": len(measured), "failed": len(measured) - len(ok),
           "prompt_tokens": float(ok["prompt_tokens"].mean()),
           "output_tokens": float(ok["output_tokens"].mean()),
           "accuracy": float(correct.mean())}
    for tier in TIERS:
        in_tier = measured["tier"] == tier
        row[f"accuracy_{tier}"] = float(correct[in_tier].mean()) if in_tier.any() else np.nan
    row |= field_accuracy(measured)
    return row | {
        "ttft_ms_p50": 1000 * float(ok["ttft_s"].median()),
        "latency_ms_p50": 1000 * float(ok["latency_s"].median()),
        "usd_per_request": float(pd.to_numeric(measured["cost_usd"]).mean()),
        "compressor_ms": 0.0 if compressed is None else compressed.compressor_ms,
        "per_request": False if compressed is None else compressed.per_request,
        "forced_missing": 0 if compressed is None else len(compressed.missing),
    }


def field_accuracy(measured: pd.DataFrame) -> dict[str, float]:
    """`<field>_ok`: the share of requests with that answer field right (a failed request has
    every field wrong). Shows which fields a compression hurts when overall accuracy is low."""
    graded = [f if isinstance(f, dict) else {} for f in measured["fields_ok"]]
    names = list(dict.fromkeys(k for f in graded for k in f))
    return {f"{name}_ok": float(np.mean([bool(f.get(name)) for f in graded])) for name in names}


def sweep(rows: list[dict], price: Price) -> pd.DataFrame:
    """The rows with their changes against the baseline row (see the module's docstring)."""
    table = pd.DataFrame(rows)
    base = table[table["method"] == BASELINE]
    if len(base) != 1:
        raise ConfigError(f"a sweep needs exactly one baseline row (method {BASELINE!r}); "
                          f"got {len(base)}")
    base = base.iloc[0]
    table["reduction_pct"] = 100 * (1 - table["prompt_tokens"] / base["prompt_tokens"])
    table["usd_saved_per_million_requests"] = (base["prompt_tokens"]
                                               - table["prompt_tokens"]) * price.input
    table["delta_accuracy_points"] = 100 * (table["accuracy"] - base["accuracy"])
    table["prefill_saved_ms"] = base["ttft_ms_p50"] - table["ttft_ms_p50"]
    table["compressor_ms_per_request"] = table["compressor_ms"].where(table["per_request"], 0.0)
    table["net_ttft_saved_ms"] = table["prefill_saved_ms"] - table["compressor_ms_per_request"]
    return table


def pick(table: pd.DataFrame, max_drop_points: float = 1.0,
         method: str | None = None) -> pd.Series | None:
    """The compressed setting (of `method`, or of any) with the largest measured reduction
    whose accuracy is at most `max_drop_points` below the baseline; ties go to the cheaper.
    None when no setting qualifies."""
    if max_drop_points < 0:
        raise ConfigError(f"max_drop_points must be >= 0, got {max_drop_points}")
    rows = table[table["method"] != BASELINE]
    if method is not None:
        if method not in set(rows["method"]):
            raise ConfigError(f"no setting of method {method!r} in the sweep; have: "
                              f"{', '.join(sorted(set(rows['method'])))}")
        rows = rows[rows["method"] == method]
    fine = rows[rows["delta_accuracy_points"] >= -max_drop_points - 1e-9]
    if fine.empty:
        return None
    return fine.sort_values(["reduction_pct", "usd_per_request"],
                            ascending=[False, True]).iloc[0]
