"""TurboQuant-prod: an unbiased inner-product quantizer.

b - 1 bits of TurboQuant-MSE, then one bit per coordinate for the residual r = x - MSE(x): the
signs of S r for a Gaussian matrix S (QJL), and |r| in fp16. Dequantized, the residual is
sqrt(pi / 2) / d x |r| x S^T sign(S r), whose expectation over S is r: so <y, x_hat> is an
unbiased estimate of <y, x> for any y, at the price of more variance than MSE alone. At b = 1
there is no MSE part: the whole vector is the residual.
"""

from __future__ import annotations

import math

import torch

from llmopt.kvquant.base import SIDE_BITS, Codes, KVQuantizer
from llmopt.kvquant.codebook import check_bits, check_dim
from llmopt.kvquant.mse import TurboQuantMSE


class TurboQuantProd(KVQuantizer):
    def __init__(self, bits: int, dim: int, *, seed: int = 0):
        self.bits = check_bits(bits)
        self.dim = check_dim(dim)
        self.mse = TurboQuantMSE(self.bits - 1, self.dim, seed=seed) if self.bits > 1 else None
        generator = torch.Generator().manual_seed(seed + 1)
        self.sketch = torch.randn(self.dim, self.dim, generator=generator)

    def quantize(self, x: torch.Tensor) -> Codes:
        codes = self.mse.quantize(x) if self.mse else {}
        residual = x - self.mse.dequantize(codes) if self.mse else x
        signs = torch.where(residual @ self.sketch.T >= 0, 1, -1).to(torch.int8)
        return codes | {"signs": signs,
                        "residual_norm": residual.norm(dim=-1, keepdim=True).to(torch.float16)}

    def dequantize(self, codes: Codes) -> torch.Tensor:
        scale = math.sqrt(math.pi / 2) / self.dim * codes["residual_norm"].float()
        residual = scale * (codes["signs"].float() @ self.sketch)
        return self.mse.dequantize(codes) + residual if self.mse else residual

    @property
    def stored_bits(self) -> float:
        mse = self.mse.stored_bits if self.mse else 0
        return mse + self.dim + SIDE_BITS
