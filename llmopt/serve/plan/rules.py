"""llmopt's own checks of a serving combination, each with its reason.

vLLM's parser and engine config catch much of this too (`llmopt.serve.plan.vllm_args`); these
rules run without the vLLM environment, so a table of hundreds of candidates can be screened in
milliseconds, and they cover what vLLM cannot know on this machine (the rented GPU's compute
capability).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from llmopt.serve.plan.schemes import KV_DTYPES, WeightScheme
from llmopt.serve.plan.shapes import ModelShape


class Problem(BaseModel):
    """One finding: an `error` makes the combination unservable, a `warning` is a caveat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def problems(shape: ModelShape, scheme: WeightScheme, context_tokens: int, tp: int = 1,
             pp: int = 1, compute_capability: float | None = None) -> list[Problem]:
    """Everything wrong with serving `shape` under `scheme` on tp x pp GPUs of this capability
    (None: a CPU, or a GPU of unknown capability: the GPU rules are skipped)."""
    found = _parallel(shape, tp, pp) + _context(shape, context_tokens) + _scheme(shape, scheme)
    if compute_capability is not None:
        found += _gpu(scheme, compute_capability)
    return found


def cpu_problems(shape: ModelShape, kv_cache_dtype: str,
                 flags: set[str] | None = None) -> list[Problem]:
    """What stops vLLM's CPU build (0.32, vllm/v1/attention/backends/cpu_attn.py) from running
    `kv_cache_dtype`: an FP8 KV cache needs an x86 CPU with AVX-512 or AMX, and a head dim that
    is a multiple of 32 when it is one of 16. `flags`: the CPU's flags (default: this machine's,
    from /proc/cpuinfo)."""
    if KV_DTYPES.get(kv_cache_dtype) != 1:
        return []
    found = []
    if shape.head_dim % 32 and not shape.head_dim % 16:
        found.append(Problem(level="error", message=f"an FP8 KV cache on vLLM's CPU build needs "
                             f"a head dim divisible by 32; {shape.name} has {shape.head_dim}"))
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        found.append(Problem(level="warning", message="cannot read this CPU's flags: an FP8 KV "
                             "cache on vLLM's CPU build needs x86 with AVX-512 or AMX"))
    elif not flags & {"avx512f", "amx_tile"}:
        simd = sorted(f for f in flags if f.startswith(("avx", "sse4", "neon", "asimd")))
        found.append(Problem(level="error", message="an FP8 KV cache on vLLM's CPU build needs "
                             "an x86 CPU with AVX-512 or AMX; this CPU has neither (it has "
                             f"{', '.join(simd) or 'no AVX'})"))
    return found


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str] | None:
    """The CPU's feature flags (Linux /proc/cpuinfo `flags`, ARM `Features`); None if unknown."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return None


def errors(found: list[Problem]) -> list[Problem]:
    return [p for p in found if p.level == "error"]


def _parallel(shape: ModelShape, tp: int, pp: int) -> list[Problem]:
    found = []
    heads, kv = shape.num_attention_heads, shape.num_kv_heads
    if heads % tp:
        found.append(Problem(level="error", message=f"tensor parallel size {tp} must divide the "
                             f"{heads} attention heads of {shape.name}"))
    elif (kv % tp) if tp <= kv else (tp % kv):
        found.append(Problem(level="error", message=f"tensor parallel size {tp} and the {kv} KV "
                             "heads must divide one another (vLLM splits or replicates them)"))
    if pp > shape.num_layers:
        found.append(Problem(level="error", message=f"pipeline parallel size {pp} exceeds the "
                             f"{shape.num_layers} layers of {shape.name}"))
    return found


def _context(shape: ModelShape, context_tokens: int) -> list[Problem]:
    if context_tokens <= shape.max_position_embeddings:
        return []
    return [Problem(level="error", message=f"max model length {context_tokens:,} is beyond "
                    f"{shape.name}'s {shape.max_position_embeddings:,} positions "
                    "(max_position_embeddings)")]


def _scheme(shape: ModelShape, scheme: WeightScheme) -> list[Problem]:
    found = []
    if not scheme.vllm_serves:
        found.append(Problem(level="error", message=f"{scheme.name}: {scheme.why_not}"))
    method = shape.quantization_method
    if scheme.checkpoint_methods and method not in scheme.checkpoint_methods:
        found.append(Problem(level="warning", message=f"{scheme.name} needs {scheme.checkpoint};"
                             f" {shape.name} is not one (quantization method: {method}), so "
                             "serve the quantized export instead"))
    if method and not scheme.checkpoint_methods:
        found.append(Problem(level="warning", message=f"{shape.name} is already quantized "
                             f"({method}); plan it with that scheme, not {scheme.name}"))
    return found


def _gpu(scheme: WeightScheme, capability: float) -> list[Problem]:
    if scheme.min_compute_capability and capability < scheme.min_compute_capability:
        return [Problem(level="error", message=f"{scheme.name} needs compute capability >= "
                        f"{scheme.min_compute_capability}; this GPU has {capability}")]
    fast = scheme.fast_path_compute_capability
    if fast and capability < fast:
        return [Problem(level="warning", message=f"{scheme.name} runs on vLLM's fast kernels "
                        f"from compute capability {fast}; this GPU ({capability}) gets the "
                        "slower weight-only fallback (Marlin): memory as planned, less speed")]
    return []
