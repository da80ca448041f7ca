"""Memory arithmetic: weights, KV cache per token, and the KV capacity vLLM will report.

KV cache per token = layers x KV heads x head dim x 2 (key and value) x bytes per value. With
tensor parallelism each GPU holds its share of the KV heads (at least one: vLLM replicates KV
heads when there are fewer than GPUs) for the layers of its pipeline stage. TurboQuant packs
each head's key and value into one slot, except in the boundary layers it keeps at the model's
dtype (`schemes.turboquant_boundary_layers`).

- CPU build: capacity = VLLM_CPU_KVCACHE_SPACE / bytes per token, in whole 128-token blocks.
  Exact: this is how vLLM 0.32's CPU worker sizes the cache.
- GPU: capacity = (gpu_memory_utilization x GPU memory - weights - activation peak - runtime)
  / bytes per token, in whole 16-token blocks. The activation peak and the runtime memory are
  ESTIMATES (vLLM measures them with a profiling forward pass at start-up), so the GPU figure is
  an estimate too; `GpuMemory` lists each term.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.serve.plan.schemes import (
    TURBOQUANT,
    WeightScheme,
    kv_bytes,
    turboquant_boundary_layers,
    turboquant_slot_bytes,
)
from llmopt.serve.plan.shapes import ModelShape

GIB = 1024**3
CPU_BLOCK_TOKENS = 128
"""vLLM 0.32's CPU backend block size (vllm/platforms/cpu.py)."""
GPU_BLOCK_TOKENS = 16
"""vLLM's default block size on CUDA GPUs."""
RUNTIME_GIB = 1.0
"""ESTIMATE: CUDA context, cuBLAS/NCCL workspaces and CUDA graphs per GPU (vLLM measures it)."""
SAMPLER_BYTES_PER_VOCAB = 8
"""ESTIMATE: fp32 logits and probabilities of the sampler's dummy batch, per sequence and token
of the vocabulary."""


def weight_bytes(shape: ModelShape, scheme: WeightScheme) -> float:
    """Bytes of the served weights: projections at the scheme's bytes, the rest in 16 bits."""
    rest = (shape.embedding_parameters + shape.other_parameters) * shape.dtype_bytes
    return shape.linear_parameters * scheme.bytes_per_weight + rest


def kv_bytes_per_token(shape: ModelShape, kv_cache_dtype: str = "auto", tp: int = 1,
                       pp: int = 1) -> int:
    """KV-cache bytes one token takes on one GPU (the whole model's when tp = pp = 1)."""
    if tp < 1 or pp < 1:
        raise ConfigError(f"tensor and pipeline parallel sizes must be >= 1, got {tp} and {pp}")
    heads = max(1, math.ceil(shape.num_kv_heads / tp))
    layers = math.ceil(shape.num_layers / pp)
    per_layer = heads * shape.head_dim * 2 * kv_bytes(kv_cache_dtype, shape.dtype_bytes)
    if kv_cache_dtype not in TURBOQUANT:
        return layers * per_layer
    # the first pipeline stage: it holds the first boundary layers, kept at the model's dtype
    full = len(turboquant_boundary_layers(shape.num_layers) & set(range(layers)))
    packed = heads * turboquant_slot_bytes(kv_cache_dtype, shape.head_dim)
    return full * per_layer + (layers - full) * packed


def whole_blocks(tokens: float, block: int) -> int:
    """`tokens` rounded down to whole KV blocks of `block` tokens (0 for negative amounts)."""
    return max(0, math.floor(tokens / block)) * block


def cpu_kv_tokens(shape: ModelShape, kv_cache_dtype: str, kv_space_gib: int) -> int:
    """The KV capacity vLLM's CPU build logs for VLLM_CPU_KVCACHE_SPACE=`kv_space_gib`."""
    blocks = kv_space_gib * GIB // (kv_bytes_per_token(shape, kv_cache_dtype) * CPU_BLOCK_TOKENS)
    return int(blocks) * CPU_BLOCK_TOKENS


def default_batched_tokens(memory_gib: float, gpu_name: str) -> int:
    """vLLM 0.32's default --max-num-batched-tokens for its OpenAI server on a GPU of this size
    (vllm/engine/arg_utils.py `get_batch_defaults`): 16384 from 160 GiB, 8192 from 70 GiB except
    A100s, else 2048. The activation peak it profiles scales with it."""
    if memory_gib >= 160:
        return 16384
    if memory_gib >= 70 and "a100" not in gpu_name.lower():
        return 8192
    return 2048


class GpuMemory(BaseModel):
    """One GPU's memory budget under a plan, in GiB, and the KV capacity it leaves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    total_gib: float
    """What CUDA reports as the GPU's memory (a little under its nominal size)."""
    utilization: float
    budget_gib: float
    """gpu_memory_utilization x total: what vLLM allows itself."""
    weights_gib: float
    """This GPU's share of the weights (exact arithmetic from the shape and scheme)."""
    activation_gib: float
    """ESTIMATE of the profiling pass's activation peak and sampler buffers."""
    runtime_gib: float
    """ESTIMATE of CUDA context, workspaces and CUDA graphs."""
    kv_gib: float
    """What is left for the KV cache (negative: the weights do not fit)."""
    kv_bytes_per_token: int
    kv_tokens: int
    """KV capacity in tokens (whole blocks; 0 when nothing is left)."""


class Layout(NamedTuple):
    """How a replica spreads over GPUs: tensor parallel inside a node, pipeline across."""

    tp: int = 1
    pp: int = 1


class Batch(NamedTuple):
    """The batch vLLM profiles its activations with at start-up."""

    max_num_seqs: int = 256
    batched_tokens: int = 2048


ONE_GPU = Layout()
VLLM_BATCH = Batch()
"""vLLM's defaults: max_num_seqs 256, max_num_batched_tokens 2048."""


def gpu_memory(shape: ModelShape, scheme: WeightScheme, kv_cache_dtype: str, total_gib: float,
               utilization: float, layout: Layout = ONE_GPU, batch: Batch = VLLM_BATCH
               ) -> GpuMemory:
    """The memory budget of one GPU of a tp x pp replica, and the KV tokens it can hold."""
    (tp, pp), (max_num_seqs, batched_tokens) = layout, batch
    if not 0 < utilization <= 1:
        raise ConfigError(f"gpu_memory_utilization must be in (0, 1], got {utilization}")
    budget = utilization * total_gib
    weights = weight_bytes(shape, scheme) / (tp * pp) / GIB
    activation = _activation_bytes(shape, tp, max_num_seqs, batched_tokens) / GIB
    kv = budget - weights - activation - RUNTIME_GIB
    per_token = kv_bytes_per_token(shape, kv_cache_dtype, tp, pp)
    tokens = whole_blocks(kv * GIB / per_token, GPU_BLOCK_TOKENS) if kv > 0 else 0
    return GpuMemory(total_gib=total_gib, utilization=utilization, budget_gib=budget,
                     weights_gib=weights, activation_gib=activation, runtime_gib=RUNTIME_GIB,
                     kv_gib=kv, kv_bytes_per_token=per_token, kv_tokens=tokens)


def _activation_bytes(shape: ModelShape, tp: int, max_num_seqs: int,
                      batched_tokens: int) -> float:
    """ESTIMATE: the widest layer's 16-bit activations for the profiled batch (MLP gate and up
    outputs, plus residual, norm and attention buffers), and the sampler's fp32 logits."""
    width = 2 * shape.intermediate_size / tp + 4 * shape.hidden_size
    hidden = batched_tokens * width * shape.dtype_bytes
    return hidden + max_num_seqs * shape.vocab_size * SAMPLER_BYTES_PER_VOCAB
