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

`decisions` compares every setting with the baseline on the same requests (sent interleaved by
`llmopt.bench.interleave`): quality paired by request, the token bill (exact), and TTFT plus the
compressor's time where every request pays it (measured, with an interval); `strongest` picks
the kept setting with the largest reduction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmopt.bench.result import BenchResult
from llmopt.compress.apply import Compressed
from llmopt.errors import ConfigError
from llmopt.evidence import Decision, compare_runs, decide, paired, ratio_change
from llmopt.pricing import Price

BASELINE = "none"
TIERS = ("easy", "hard")


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


def decisions(runs: dict[str, BenchResult], compressed: dict[str, Compressed],
              budget_points: float) -> list[Decision]:
    """Every compressed setting (`compressed`, keyed as in `runs`) against `runs[BASELINE]`,
    on the same requests: quality paired, $ per 1M requests (exact), and TTFT plus the
    compressor's time per request where every request pays it (question-aware methods)."""
    if BASELINE not in runs:
        raise ConfigError(f"no baseline run {BASELINE!r}; have: {', '.join(runs)}")
    base = runs[BASELINE].frame()
    made = []
    for name, setting in compressed.items():
        frame = runs[name].frame()
        evidence = compare_runs(base, frame, cost="tokens", latency=None)
        pairs = paired(base, frame)
        ok = pairs[(pairs["status_b"] == "ok") & (pairs["status_c"] == "ok")]
        waits = _compressor_s(setting)
        latency = ratio_change("TTFT + compressor p50", ok["ttft_s_b"],
                               ok["ttft_s_c"] + ok["id"].map(waits).fillna(0.0))
        reduction = 100 * (1 - ok["prompt_tokens_c"].sum() / ok["prompt_tokens_b"].sum())
        made.append(decide(f"prompt compression ({setting.kind})",
                           f"{setting.setting} (-{reduction:.0f}% tokens)",
                           evidence.model_copy(update={"latency": latency}),
                           budget_points=budget_points))
    return made


def strongest(decisions: list[Decision], compressed: dict[str, Compressed]) -> str | None:
    """The kept setting (a key of `compressed`) that saves the most on the token bill; None
    when none is kept."""
    kept = [(d.evidence.cost.pct, name) for d, name in zip(decisions, compressed, strict=True)
            if d.keep]
    return min(kept)[1] if kept else None


def _compressor_s(setting: Compressed) -> dict[str, float]:
    """Seconds each request waits for the compressor: its own call where the method runs per
    request; none where a shared prompt was compressed once beforehand."""
    if not setting.per_request:
        return {}
    return {item.id: call.seconds for item, call in zip(setting.items, setting.compressions,
                                                         strict=True)}
