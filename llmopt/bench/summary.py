"""Per-stage statistics of a run's records: pure functions of a DataFrame and the stage runs.

Warmup requests are left out of every column except `warmup`. Latency statistics use the
successful requests; counts, accuracy and cost use every measured request (a failed request
counts as a wrong answer and is priced, see `llmopt.bench.record`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from llmopt.bench.record import StageRun

TIMINGS = ("ttft_s", "tpot_s", "itl_mean_s", "latency_s")
HEADLINE = ("stage", "concurrency", "mean_in_flight", "requests", "ok", "failed", "rate_limited",
            "req_per_s", "output_tokens_per_s", "ttft_s_p50", "ttft_s_p99", "tpot_s_p50",
            "latency_s_p50", "latency_s_p99", "accuracy", "usd_per_million_tokens")
"""The summary's main columns: what a table of stages shows first."""
PERCENTILES = (50, 90, 99)
PER_MILLION = 1_000_000


def summarize(frame: pd.DataFrame, stages: list[StageRun]) -> pd.DataFrame:
    """One row per stage, in the order the stages ran."""
    order = list(dict.fromkeys([s.stage for s in stages] + list(frame["stage"])))
    rows = [stage_row(frame[frame["stage"] == name], [s for s in stages if s.stage == name])
            for name in order]
    return pd.DataFrame(rows)


def stage_row(rows: pd.DataFrame, runs: list[StageRun]) -> dict[str, Any]:
    measured = rows[~rows["warmup"].astype(bool)]
    ok = measured[measured["status"] == "ok"]
    duration = duration_s(measured)
    row = (_identity(rows, runs) | _counts(rows, measured, ok) | {"duration_s": duration}
           | _throughput(ok, duration) | _timings(ok) | _accuracy(measured) | _cost(measured)
           | token_check(rows, runs) | tokenizer_check(rows))
    return row | {"mean_in_flight": mean_in_flight(row["req_per_s"], row["latency_s_mean"])}


def mean_in_flight(req_per_s: float, latency_s_mean: float) -> float:
    """Requests in flight on average (Little's law): puts open-loop stages, which have no fixed
    concurrency, on the same axis as closed-loop ones."""
    return float(req_per_s * latency_s_mean)


def duration_s(measured: pd.DataFrame) -> float:
    """Seconds from the first send to the last answer, summed over sessions (a resumed stage
    does not count the pause between its sessions)."""
    if measured.empty:
        return 0.0
    spans = measured.groupby("session").agg(start=("start_s", "min"), end=("end_s", "max"))
    return float((spans["end"] - spans["start"]).sum())


def ok_rate(rows: pd.DataFrame) -> float | None:
    """Successful measured requests per second; None when none succeeded."""
    measured = rows[~rows["warmup"].astype(bool)]
    ok, duration = int((measured["status"] == "ok").sum()), duration_s(measured)
    return ok / duration if ok and duration > 0 else None


def _identity(rows: pd.DataFrame, runs: list[StageRun]) -> dict[str, Any]:
    first = rows.iloc[0] if len(rows) else None
    name = runs[0].stage if runs else first["stage"]
    notes = [r.note for r in runs if r.note]
    return {"stage": name, "kind": name.split("@")[0],
            "concurrency": None if first is None else first["concurrency"],
            "target_rate": None if first is None else first["target_rate"],
            "note": "; ".join(notes) or None}


def _counts(rows: pd.DataFrame, measured: pd.DataFrame, ok: pd.DataFrame) -> dict[str, int]:
    """Requests by outcome, and the attempts beyond the first (`retries`) and those a server
    answered 429 (`rate_limited`) over the measured requests."""
    return {"requests": len(measured), "ok": len(ok), "failed": len(measured) - len(ok),
            "wasted": int(measured["wasted"].astype(bool).sum()),
            "warmup": len(rows) - len(measured),
            "retries": int((measured["attempts"] - 1).sum()),
            "rate_limited": int(measured["rate_limited"].sum())}


def _throughput(ok: pd.DataFrame, duration: float) -> dict[str, float]:
    if duration <= 0:
        return dict.fromkeys(("req_per_s", "output_tokens_per_s", "total_tokens_per_s"), np.nan)
    output = float(ok["output_tokens"].sum())
    return {"req_per_s": len(ok) / duration, "output_tokens_per_s": output / duration,
            "total_tokens_per_s": (output + float(ok["prompt_tokens"].sum())) / duration}


def _timings(ok: pd.DataFrame) -> dict[str, float]:
    stats = {}
    for name in TIMINGS:
        values = ok[name].astype(float).dropna().to_numpy()
        stats[f"{name}_mean"] = float(values.mean()) if len(values) else np.nan
        for p in PERCENTILES:
            stats[f"{name}_p{p}"] = float(np.percentile(values, p)) if len(values) else np.nan
    return stats


def _accuracy(measured: pd.DataFrame) -> dict[str, float]:
    graded = measured[measured["correct"].notna()]
    result = {"accuracy": _mean(graded["correct"])}
    for tier, group in graded.groupby("tier"):
        result[f"accuracy_{tier}"] = _mean(group["correct"])
    return result


def _cost(measured: pd.DataFrame) -> dict[str, float]:
    cost = pd.to_numeric(measured["cost_usd"], errors="coerce").sum(min_count=1)
    tokens = float(measured["prompt_tokens"].sum() + measured["output_tokens"].sum())
    return {"cost_usd": float(cost),
            "usd_per_request": float(cost) / len(measured) if len(measured) else np.nan,
            "usd_per_million_tokens": float(cost) / tokens * PER_MILLION if tokens else np.nan}


def token_check(rows: pd.DataFrame, runs: list[StageRun]) -> dict[str, float]:
    """Server-reported usage summed on the client vs the server's /metrics counters over the
    same sessions (warmup included: the server counted it). Differences are reported."""
    metered = [r for r in runs if r.metrics is not None]
    if not metered:
        return {}
    counted = rows[rows["session"].isin({r.session for r in metered})
                   & (rows["usage_source"] == "server")]
    prompt = sum(r.metrics.prompt_tokens for r in metered)
    output = sum(r.metrics.generation_tokens for r in metered)
    ttft = [r.metrics.time_to_first_token_seconds for r in metered]
    count = sum(h.count for h in ttft)
    return {"server_requests": sum(r.metrics.request_success for r in metered),
            "server_prompt_tokens": prompt,
            "prompt_tokens_diff": float(counted["prompt_tokens"].sum()) - prompt,
            "server_output_tokens": output,
            "output_tokens_diff": float(counted["output_tokens"].sum()) - output,
            "server_ttft_s_mean": sum(h.sum for h in ttft) / count if count else np.nan}


def tokenizer_check(rows: pd.DataFrame) -> dict[str, float]:
    """The client's own prompt counts vs the server's, where both exist."""
    both = rows[rows["client_prompt_tokens"].notna() & (rows["usage_source"] == "server")]
    if both.empty:
        return {}
    diff = both["client_prompt_tokens"].astype(float) - both["prompt_tokens"].astype(float)
    return {"tokenizer_prompt_diff": float(diff.sum()),
            "tokenizer_mismatches": int((diff != 0).sum())}


def _mean(values: pd.Series) -> float:
    return float(values.astype(float).mean()) if len(values) else np.nan
