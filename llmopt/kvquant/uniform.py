"""Uniform (min-max) quantization, the KIVI kind of baseline and vLLM's TurboQuant values.

- `axis="token"`: each vector gets its own scale and zero point (fp16): vLLM's values, and
  KIVI's values.
- `axis="channel"`: each channel gets a scale and zero point per group of `group` tokens (the
  second-last axis): KIVI's keys, whose outliers sit in fixed channels. The tokens after the last
  whole group stay in full precision, as in KIVI's residual window; in a cache that means the
  prompt is quantized and the few tokens a short answer adds are not.
"""

from __future__ import annotations

from typing import Literal

import torch

from llmopt.errors import ConfigError
from llmopt.kvquant.base import SIDE_BITS, Codes, KVQuantizer
from llmopt.kvquant.codebook import check_bits, check_dim

Axis = Literal["token", "channel"]


class UniformQuantizer(KVQuantizer):
    def __init__(self, bits: int, dim: int, *, axis: Axis = "token", group: int = 32):
        self.bits = check_bits(bits)
        self.dim = check_dim(dim)
        if axis not in ("token", "channel"):
            raise ConfigError(f"axis must be 'token' or 'channel', got {axis!r}")
        if axis == "channel" and group < 2:
            raise ConfigError(f"a per-channel group needs at least 2 tokens, got {group}")
        self.axis, self.group = axis, group

    def quantize(self, x: torch.Tensor) -> Codes:
        if self.axis == "token":
            return self._quantize(x, dim=-1)
        whole = x.shape[-2] // self.group * self.group
        grouped = x[..., :whole, :].unflatten(-2, (whole // self.group, self.group))
        return self._quantize(grouped, dim=-2) | {"rest": x[..., whole:, :]}

    def dequantize(self, codes: Codes) -> torch.Tensor:
        x = codes["index"].float() * codes["scale"].float() + codes["zero"].float()
        if self.axis == "token":
            return x
        return torch.cat([x.flatten(-3, -2), codes["rest"]], dim=-2)

    def _quantize(self, x: torch.Tensor, dim: int) -> Codes:
        low, high = x.amin(dim=dim, keepdim=True), x.amax(dim=dim, keepdim=True)
        scale = ((high - low) / (2**self.bits - 1)).clamp_min(1e-8).half()
        zero = low.half()
        index = ((x - zero.float()) / scale.float()).round().clamp(0, 2**self.bits - 1)
        return {"index": index.to(torch.uint8), "scale": scale, "zero": zero}

    @property
    def stored_bits(self) -> float:
        side = 2 * SIDE_BITS * (1 if self.axis == "token" else self.dim / self.group)
        return self.bits * self.dim + side
