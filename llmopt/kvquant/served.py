"""What vLLM does with each TurboQuant KV dtype here: refused at start-up, or accepted and then
effective or not (the KV capacity it reports against `auto`'s, `llmopt.serve.effect`)."""

from __future__ import annotations

import pandas as pd

from llmopt.demo.evaluate import paired_by_slice
from llmopt.evidence import Decision, Effect, Evidence, decide, exact_change
from llmopt.kvquant.scheme import BF16, vllm
from llmopt.serve.effect import kv_dtype_effect
from llmopt.serve.server import VllmServer
from llmopt.workload import WorkloadItem


def served_effects(servers: dict[str, VllmServer], failed: dict[str, Exception],
                   base: str = "auto") -> dict[str, Effect]:
    """Per KV dtype (the keys of `servers`, besides `base`): the effect check, or `not
    measurable here` with vLLM's refusal when the server did not start."""
    base_tokens = None if base in failed else servers[base].kv_cache_tokens
    effects = {}
    for dtype, server in servers.items():
        if dtype == base:
            continue
        effect = kv_dtype_effect(dtype, base_tokens,
                                 None if dtype in failed else server.kv_cache_tokens, base)
        if dtype in failed:
            refusal = str(failed[dtype]).strip().splitlines()[0][:300]
            effect = effect.model_copy(update={"why": f"refused: {refusal}"})
        effects[dtype] = effect
    return effects


def effects_table(effects: dict[str, Effect]) -> pd.DataFrame:
    """One row per dtype: accepted or refused, what the server showed, the verdict."""
    return pd.DataFrame([{"kv_cache_dtype": dtype,
                          "served": "refused" if e.why.startswith("refused") else "accepted",
                          "measured": e.measured, "verdict": e.verdict, "why": e.why}
                         for dtype, e in effects.items()]).set_index("kv_cache_dtype")


def decisions(items: list[WorkloadItem], found: dict[str, list[str]],
              effects: dict[str, Effect], costs: pd.DataFrame, budget_points: float,
              where: str) -> list[Decision]:
    """Keep, drop or inconclusive per vLLM TurboQuant dtype: its answers (vLLM's variant in
    process, boundary layers kept) against the unquantized cache's, its $/1M output tokens
    against bf16's in `costs` (a `capacity_table` of the served model, `where` names it), and
    the server's effect check."""
    metric = f"$/1M output tokens ({where}, roofline estimate)"
    base = costs.loc[BF16.name, "usd_per_million"]
    return [decide("KV-cache quantization", dtype,
                   Evidence(quality=paired_by_slice(items, found[BF16.name],
                                                    found[vllm(dtype).name]),
                            cost=exact_change(metric, base,
                                              costs.loc[vllm(dtype).name, "usd_per_million"])),
                   budget_points=budget_points, effect=effect)
            for dtype, effect in effects.items()]
