"""What a KV scheme buys on a GPU: bytes per token, the tokens and sequences that fit, and
$/1M output tokens at a per-token latency target.

Memory is the planner's (`llmopt.serve.plan`: weights, activation and runtime estimates, KV in
what is left). Speed is a decode roofline, an ESTIMATE: every step reads the weights and each
sequence's whole KV cache from memory once, at the GPU's bandwidth; dequantization costs
nothing. So a step takes (weights + sequences x context x KV bytes per token) / bandwidth, and
the concurrency is the largest that fits in memory and meets the latency target.
"""

from __future__ import annotations

import math

import pandas as pd

from llmopt.errors import ConfigError
from llmopt.kvquant.scheme import BF16, KVScheme
from llmopt.pricing.gpus import Gpu
from llmopt.serve.plan.memory import GIB, gpu_memory, weight_bytes
from llmopt.serve.plan.schemes import scheme as weight_scheme
from llmopt.serve.plan.shapes import ModelShape


def bytes_per_token(scheme: KVScheme, shape: ModelShape) -> float:
    """KV-cache bytes one token takes over all layers: the kept layers at the model's dtype,
    the others at the scheme's stored bits (codes and fp16 side values)."""
    kept = len(scheme.kept_layers(shape.num_layers))
    key_bits, value_bits = scheme.bits_per_value(shape.head_dim, 8 * shape.dtype_bytes)
    per_layer_values = shape.num_kv_heads * shape.head_dim
    return per_layer_values * (kept * 2 * shape.dtype_bytes
                               + (shape.num_layers - kept) * (key_bits + value_bits) / 8)


def capacity_table(schemes: list[KVScheme], shape: ModelShape, gpu: Gpu, context_tokens: int,
                   bandwidth_gb_s: float, tpot_ms: float, weights: str = "bf16",
                   spot: bool = False) -> pd.DataFrame:
    """Per scheme on one `gpu` serving `shape` with `weights`: KV bytes per token, the tokens
    and full-context sequences that fit, the concurrency that meets `tpot_ms` per output token,
    the tokens/s and $/1M output tokens there (roofline estimate)."""
    for name, value in (("context_tokens", context_tokens), ("bandwidth_gb_s", bandwidth_gb_s),
                        ("tpot_ms", tpot_ms)):
        if not value > 0:
            raise ConfigError(f"{name} must be > 0, got {value}")
    memory = gpu_memory(shape, weight_scheme(weights), "auto", gpu.total_memory_gib, 0.90)
    weight_read = weight_bytes(shape, weight_scheme(weights))
    bandwidth = bandwidth_gb_s * 1e9
    rows = []
    for s in schemes:
        per_token = bytes_per_token(s, shape)
        tokens = max(0, math.floor(memory.kv_gib * GIB / per_token))
        fits = tokens // context_tokens
        meets = math.floor((tpot_ms / 1000 * bandwidth - weight_read)
                           / (context_tokens * per_token))
        sequences = max(0, min(fits, meets))
        step = (weight_read + sequences * context_tokens * per_token) / bandwidth
        tokens_per_s = sequences / step
        rows.append({"scheme": s.name, "kv_bytes_per_token": per_token,
                     "vs_bf16": per_token / bytes_per_token(BF16, shape),
                     "kv_tokens": tokens, "sequences_fit": fits,
                     "sequences_at_target": sequences, "bound_by": "memory" if fits <= meets
                     else "latency", "tpot_ms": 1000 * step, "tokens_per_s": tokens_per_s,
                     "usd_per_million": gpu.usd_per_hour(spot) / (tokens_per_s * 3600) * 1e6
                     if tokens_per_s else math.inf})
    return pd.DataFrame(rows).set_index("scheme")
