"""The baseline's figures as notebook 01 saves them for the later notebooks: what one sweep of
the target measured, from one stream to saturation."""

from __future__ import annotations

from typing import Any

from llmopt.bench.result import BenchResult


def sweep_figures(result: BenchResult) -> dict[str, Any]:
    """Requests, failures, accuracy (overall and by tier), tokens and $ per request, latency at
    one stream (the sweep's first stage) and throughput at saturation (its stage with the most
    tokens/s). Failed requests count wrong and are priced; warm-up requests are left out;
    accuracy is over the graded requests (None where none had a reference to grade against)."""
    summary, frame = result.summary(), result.frame()
    measured = frame[~frame["warmup"].astype(bool)]
    ok = measured[measured["status"] == "ok"]
    sync, saturation = summary.iloc[0], summary.loc[summary["total_tokens_per_s"].idxmax()]
    graded = measured[measured["correct"].notna()]
    correct = graded["correct"].astype(float)
    return {"requests": int(summary["requests"].sum()), "failed": int(summary["failed"].sum()),
            "accuracy": float(correct.mean()) if len(correct) else None,
            "accuracy_by_tier": correct.groupby(graded["tier"]).mean().to_dict(),
            "prompt_tokens_per_request": float(ok["prompt_tokens"].mean()),
            "output_tokens_per_request": float(ok["output_tokens"].mean()),
            "ttft_s_p50_sync": float(sync["ttft_s_p50"]),
            "tpot_s_p50_sync": float(sync["tpot_s_p50"]),
            "latency_s_p50_sync": float(sync["latency_s_p50"]),
            "req_per_s_sync": float(sync["req_per_s"]),
            "saturation_req_per_s": float(saturation["req_per_s"]),
            "saturation_total_tokens_per_s": float(saturation["total_tokens_per_s"]),
            "usd_per_request": float(measured["cost_usd"].sum() / len(measured)),
            "usd_per_million_tokens": float(summary["usd_per_million_tokens"].mean())}
