"""Weight schemes and KV-cache dtypes: bytes per value, the vLLM flags, and what each needs.

Bytes per weight count the quantization scales: a 4-bit weight in groups of 128 with a 16-bit
scale and a 4-bit zero point is 0.5 + 2/128 + 0.5/128 bytes. Only the attention and MLP
projections are quantized; embeddings, the output head and norms stay in 16 bits (as AWQ, GPTQ,
llm-compressor and vLLM's online FP8 leave them).
"""

from __future__ import annotations

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

KV_DTYPES: dict[str, int | None] = {"auto": None, "bfloat16": 2, "float16": 2, "fp8": 1,
                                    "fp8_e4m3": 1, "fp8_e5m2": 1}
"""vLLM `--kv-cache-dtype` values the planner sizes: bytes per value (None: the model's dtype)."""


def scheme(name: str) -> WeightScheme:
    """The scheme called `name`; ConfigError listing the valid ones."""
    if name not in SCHEMES:
        raise unknown("weight scheme", name, SCHEMES)
    return SCHEMES[name]


def kv_bytes(kv_cache_dtype: str, model_dtype_bytes: int) -> int:
    """Bytes per cached key or value element for `kv_cache_dtype`."""
    if kv_cache_dtype not in KV_DTYPES:
        raise unknown("KV-cache dtype", kv_cache_dtype, KV_DTYPES)
    return KV_DTYPES[kv_cache_dtype] or model_dtype_bytes
