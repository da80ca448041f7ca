"""Weight schemes and KV-cache dtypes: bytes per value, the vLLM flags, and what each needs.

Bytes per weight count the quantization scales: a 4-bit weight in groups of 128 with a 16-bit
scale and a 4-bit zero point is 0.5 + 2/128 + 0.5/128 bytes. Only the attention and MLP
projections are quantized; embeddings, the output head and norms stay in 16 bits (as AWQ, GPTQ,
llm-compressor and vLLM's online FP8 leave them).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from llmopt.pricing._inputs import unknown

VLLM_VERSION = "0.32.0"
"""The vLLM this planner's flags and limits were checked against (requirements/vllm.txt)."""


class WeightScheme(BaseModel):
    """How the weights are stored and which vLLM flags serve them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    bytes_per_weight: float
    """Of the quantized linear layers, scales included."""
    dtype: str = "auto"
    """vLLM `--dtype` (activations and unquantized layers)."""
    quantization: str | None = None
    """vLLM `--quantization`; None: none, or read from a pre-quantized checkpoint's config."""
    checkpoint: str = "the published 16-bit checkpoint"
    """Which checkpoint to serve."""
    checkpoint_methods: tuple[str, ...] = ()
    """`quantization_config.quant_method` values a pre-quantized checkpoint must have."""
    fast_path_compute_capability: float | None = None
    """NVIDIA compute capability from which vLLM runs the scheme on its fast kernels."""
    min_compute_capability: float | None = None
    """Below this, vLLM cannot run the scheme at all."""
    vllm_serves: bool = True
    why_not: str = ""
    """Why vLLM cannot serve it (when `vllm_serves` is False)."""


SCHEMES: dict[str, WeightScheme] = {s.name: s for s in [
    WeightScheme(name="bf16", bytes_per_weight=2.0, dtype="bfloat16"),
    WeightScheme(name="fp16", bytes_per_weight=2.0, dtype="float16"),
    WeightScheme(name="fp8", bytes_per_weight=1.0, quantization="fp8",
                 checkpoint="the 16-bit checkpoint, quantized to FP8 on load "
                            "(or an FP8 checkpoint, without --quantization)",
                 fast_path_compute_capability=8.9, min_compute_capability=8.0),
    WeightScheme(name="int8", bytes_per_weight=1.0,
                 checkpoint="a W8A8 INT8 checkpoint (compressed-tensors, e.g. llm-compressor's "
                            "SmoothQuant + GPTQ output: notebook 03)",
                 checkpoint_methods=("compressed-tensors",), min_compute_capability=7.5),
    WeightScheme(name="w4a16", bytes_per_weight=0.5 + 2 / 128 + 0.5 / 128,
                 checkpoint="an AWQ or GPTQ W4A16 checkpoint (group size 128)",
                 checkpoint_methods=("awq", "gptq", "compressed-tensors"),
                 fast_path_compute_capability=8.0, min_compute_capability=7.5),
    WeightScheme(name="nf4", bytes_per_weight=0.5 + 0.127 / 8,
                 checkpoint="bitsandbytes NF4 (4-bit blocks of 64, double-quantized scales)",
                 quantization="bitsandbytes", vllm_serves=False,
                 why_not=f"vLLM {VLLM_VERSION} has no bitsandbytes quantization method (it "
                         "rejects --quantization bitsandbytes); evaluate NF4 in-process with "
                         "transformers, serve w4a16 (AWQ/GPTQ) with vLLM instead"),
]}
"""The weight schemes the planner knows."""

TURBOQUANT: dict[str, tuple[int, int]] = {"turboquant_k8v4": (8, 4), "turboquant_4bit_nc": (4, 4),
                                          "turboquant_k3v4_nc": (3, 4),
                                          "turboquant_3bit_nc": (3, 3)}
"""vLLM 0.32's TurboQuant KV-cache presets: bits per key and per value element (8-bit keys are
FP8), from vllm/model_executor/layers/quantization/turboquant/config.py."""

TURBOQUANT_BOUNDARY_LAYERS = 2
"""vLLM keeps this many first and as many last attention layers of a dense model at the model's
dtype under TurboQuant, and never more than half of the layers on each side: a model of 4 layers
or fewer (the demo models) keeps all of them, so TurboQuant changes nothing there."""

KV_DTYPES: dict[str, int | None] = {"auto": None, "bfloat16": 2, "float16": 2, "fp8": 1,
                                    "fp8_e4m3": 1, "fp8_e5m2": 1, **dict.fromkeys(TURBOQUANT)}
"""vLLM `--kv-cache-dtype` values the planner sizes: bytes per value (None: the model's dtype;
TurboQuant's packed layers are sized by `turboquant_slot_bytes`)."""


def scheme(name: str) -> WeightScheme:
    """The scheme called `name`; ConfigError listing the valid ones."""
    if name not in SCHEMES:
        raise unknown("weight scheme", name, SCHEMES)
    return SCHEMES[name]


def turboquant_slot_bytes(kv_cache_dtype: str, head_dim: int) -> int:
    """Bytes of one KV head's packed key and value for one token (vLLM's `slot_size_aligned`):
    an FP8 key takes a byte per element, a 3-4-bit key its bits plus a 2-byte norm, a value its
    bits plus a 2-byte scale and a 2-byte zero point; the sum rounded up to an even number."""
    key_bits, value_bits = TURBOQUANT[kv_cache_dtype]
    key = head_dim if key_bits == 8 else math.ceil(head_dim * key_bits / 8) + 2
    slot = key + math.ceil(head_dim * value_bits / 8) + 4
    return slot + slot % 2


def turboquant_boundary_layers(num_layers: int) -> set[int]:
    """The layers vLLM keeps at the model's dtype under TurboQuant (dense models)."""
    n = min(TURBOQUANT_BOUNDARY_LAYERS, num_layers // 2)
    return set(range(n)) | set(range(num_layers - n, num_layers))


def kv_bytes(kv_cache_dtype: str, model_dtype_bytes: int) -> int:
    """Bytes per cached key or value element for `kv_cache_dtype`."""
    if kv_cache_dtype not in KV_DTYPES:
        raise unknown("KV-cache dtype", kv_cache_dtype, KV_DTYPES)
    return KV_DTYPES[kv_cache_dtype] or model_dtype_bytes
