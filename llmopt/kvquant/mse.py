"""TurboQuant-MSE: rotate, then quantize every coordinate with the Lloyd-Max codebook.

A vector x is stored as its norm (fp16) and one codebook index per coordinate of the rotated
unit vector R x / |x|. Dequantizing looks the levels up and rotates back. With `norm_correction`
(vLLM's `_nc` presets) the looked-up vector is rescaled to unit norm before rotating back.
"""

from __future__ import annotations

import torch

from llmopt.kvquant.base import SIDE_BITS, Codes, KVQuantizer
from llmopt.kvquant.codebook import Law, check_bits, codebook
from llmopt.kvquant.rotation import Rotation, rotation


class TurboQuantMSE(KVQuantizer):
    def __init__(self, bits: int, dim: int, *, rotation_kind: Rotation = "random",
                 law: Law = "sphere", norm_correction: bool = False, seed: int = 0):
        self.bits = check_bits(bits)
        self.book = codebook(self.bits, dim, law)
        self.dim = self.book.dim
        self.rotation = rotation(rotation_kind, self.dim, seed)
        self.norm_correction = norm_correction

    def quantize(self, x: torch.Tensor) -> Codes:
        norm = x.norm(dim=-1, keepdim=True)
        rotated = (x / norm.clamp_min(1e-30)) @ self.rotation.T
        index = torch.bucketize(rotated, self.book.boundaries).to(torch.uint8)
        return {"index": index, "norm": norm.to(torch.float16)}

    def dequantize(self, codes: Codes) -> torch.Tensor:
        unit = self.book.levels[codes["index"].long()]
        if self.norm_correction:
            unit = unit / unit.norm(dim=-1, keepdim=True).clamp_min(1e-30)
        return (unit @ self.rotation) * codes["norm"].float()

    @property
    def stored_bits(self) -> float:
        return self.bits * self.dim + SIDE_BITS
