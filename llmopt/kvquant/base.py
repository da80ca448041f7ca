"""What every KV quantizer does: vectors of one head dimension in, codes out, and back.

Codes are kept unpacked (one uint8 or int8 per index or sign, fp16 norms and scales), so
`stored_bits` counts what a packed cache would hold: the index bits plus each fp16 side value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from llmopt.errors import ConfigError

Codes = dict[str, torch.Tensor]
SIDE_BITS = 16
"""An fp16 norm, scale or zero point."""


class KVQuantizer(ABC):
    """Quantizes the last axis (`dim` values: one head's key or value of one token)."""

    dim: int

    @abstractmethod
    def quantize(self, x: torch.Tensor) -> Codes:
        """float32 vectors [..., dim] -> codes."""

    @abstractmethod
    def dequantize(self, codes: Codes) -> torch.Tensor:
        """codes -> float32 vectors [..., dim]."""

    @property
    @abstractmethod
    def stored_bits(self) -> float:
        """Bits one vector takes in the cache (codes and side values)."""

    @property
    def bits_per_value(self) -> float:
        return self.stored_bits / self.dim

    def roundtrip(self, x: torch.Tensor) -> torch.Tensor:
        """What the cache gives back for `x`, in x's dtype and shape."""
        if not torch.is_floating_point(x) or x.shape[-1:] != (self.dim,):
            raise ConfigError(f"{type(self).__name__} takes floating vectors of {self.dim} "
                              f"values on the last axis, got {x.dtype} {tuple(x.shape)}")
        return self.dequantize(self.quantize(x.float())).to(x.dtype)
