"""A KV-cache scheme: how keys and values are quantized, and which layers keep full precision.

    turboquant(3.5, qjl=True)    the paper: keys TurboQuant-prod, values TurboQuant-MSE
    vllm("turboquant_k3v4_nc")   vLLM's preset: Hadamard + Gaussian Lloyd-Max keys (or FP8),
                                 uniform values, the first and last two layers kept
    kivi(2)                      the uniform baseline: keys per channel, values per token
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError
from llmopt.kvquant.base import KVQuantizer
from llmopt.kvquant.codebook import MAX_BITS, Law
from llmopt.kvquant.fp8 import Fp8Quantizer
from llmopt.kvquant.mse import TurboQuantMSE
from llmopt.kvquant.prod import TurboQuantProd
from llmopt.kvquant.rotation import Rotation
from llmopt.kvquant.split import ChannelSplit
from llmopt.kvquant.uniform import Axis, UniformQuantizer
from llmopt.pricing._inputs import unknown
from llmopt.serve.plan.schemes import TURBOQUANT, TURBOQUANT_BOUNDARY_LAYERS

Kind = Literal["mse", "prod", "uniform", "fp8"]


class QuantizerSpec(BaseModel):
    """One quantizer, before it knows its head dimension."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    bits: float = Field(default=4, ge=1, le=MAX_BITS)
    """Whole bits, or a half (2.5, 3.5: the outlier split) for mse and prod."""
    rotation: Rotation = "random"
    law: Law = "sphere"
    norm_correction: bool = False
    axis: Axis = "token"
    group: int = 32

    def fitted(self, sample: torch.Tensor, seed: int = 0) -> KVQuantizer:
        """The quantizer for vectors like `sample` [..., dim]; an outlier split picks its
        high-width channels from it."""
        quantizer = self.build(sample.shape[-1], seed)
        return quantizer.fit(sample) if isinstance(quantizer, ChannelSplit) else quantizer

    def build(self, dim: int, seed: int = 0) -> KVQuantizer:
        if self.kind == "fp8":
            return Fp8Quantizer(dim)
        if self.bits != int(self.bits):
            return self._split(dim, seed)
        bits = int(self.bits)
        if self.kind == "uniform":
            return UniformQuantizer(bits, dim, axis=self.axis, group=self.group)
        if self.kind == "prod":
            return TurboQuantProd(bits, dim, seed=seed)
        return TurboQuantMSE(bits, dim, rotation_kind=self.rotation, law=self.law,
                             norm_correction=self.norm_correction, seed=seed)

    def _split(self, dim: int, seed: int) -> ChannelSplit:
        if self.kind not in ("mse", "prod") or self.bits * 2 != int(self.bits * 2):
            raise ConfigError(f"fractional bits ({self.bits}) are a half-and-half outlier split "
                              "of mse or prod quantizers: use x.5 bits with kind mse or prod")
        if dim % 2:
            raise ConfigError(f"an outlier split halves the head dimension, got odd {dim}")
        high = self.model_copy(update={"bits": math.ceil(self.bits)}).build(dim // 2, seed)
        low = self.model_copy(update={"bits": math.floor(self.bits)}).build(dim // 2, seed + 7)
        return ChannelSplit(high, low)


class KVScheme(BaseModel):
    """Keys and values of every layer but the kept ones go through their quantizers; None: the
    model's dtype."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    key: QuantizerSpec | None = None
    value: QuantizerSpec | None = None
    boundary: int = Field(default=0, ge=0)
    """Layers kept at the model's dtype on each side, never more than half of them (vLLM's
    boundary protection keeps 2: every layer of a model of 4 or fewer)."""

    def kept_layers(self, num_layers: int) -> set[int]:
        if self.key is None and self.value is None:
            return set(range(num_layers))
        n = min(self.boundary, num_layers // 2)
        return set(range(n)) | set(range(num_layers - n, num_layers))

    def bits_per_value(self, dim: int, model_bits: int = 16) -> tuple[float, float]:
        """Stored bits per key and per value element in a quantized layer (with side values)."""
        return tuple(spec.build(dim).bits_per_value if spec else float(model_bits)
                     for spec in (self.key, self.value))


BF16 = KVScheme(name="bf16")


def turboquant(bits: float, qjl: bool = False, boundary: int = 0,
               norm_correction: bool = False) -> KVScheme:
    """The paper's scheme at `bits` per coordinate: values TurboQuant-MSE, keys the same or,
    with `qjl`, TurboQuant-prod (bits - 1 of MSE and a 1-bit QJL residual). `norm_correction`
    (vLLM's `_nc`) gives every dequantized MSE vector back its stored norm exactly."""
    name = f"turboquant {bits:g}-bit" + (" +QJL" if qjl else "") + \
        (" +NC" if norm_correction else "") + \
        (f" (keep {boundary}+{boundary} layers)" if boundary else "")
    mse = QuantizerSpec(kind="mse", bits=bits, norm_correction=norm_correction)
    return KVScheme(name=name, key=QuantizerSpec(kind="prod", bits=bits) if qjl else mse,
                    value=mse, boundary=boundary)


def vllm(kv_cache_dtype: str, boundary: int = TURBOQUANT_BOUNDARY_LAYERS) -> KVScheme:
    """vLLM's TurboQuant preset `kv_cache_dtype` as its CUDA kernels compute it."""
    if kv_cache_dtype not in TURBOQUANT:
        raise unknown("vLLM TurboQuant KV dtype", kv_cache_dtype, TURBOQUANT)
    key_bits, value_bits = TURBOQUANT[kv_cache_dtype]
    key = QuantizerSpec(kind="fp8") if key_bits == 8 else \
        QuantizerSpec(kind="mse", bits=key_bits, rotation="hadamard", law="gaussian",
                      norm_correction=kv_cache_dtype.endswith("_nc"))
    name = f"vllm {kv_cache_dtype}" + ("" if boundary == TURBOQUANT_BOUNDARY_LAYERS
                                       else f" (keep {boundary}+{boundary} layers)")
    return KVScheme(name=name, key=key, value=QuantizerSpec(kind="uniform", bits=value_bits),
                    boundary=boundary)


def kivi(bits: int, group: int = 32) -> KVScheme:
    """The uniform baseline: keys per channel in groups of `group` tokens, values per token."""
    return KVScheme(name=f"kivi {bits}-bit",
                    key=QuantizerSpec(kind="uniform", bits=bits, axis="channel", group=group),
                    value=QuantizerSpec(kind="uniform", bits=bits))
