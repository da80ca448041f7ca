"""FP8 (e4m3) values, cast with no scale: vLLM's 8-bit TurboQuant keys (turboquant_k8v4) and
its `fp8` KV dtype without calibrated scales."""

from __future__ import annotations

import torch

from llmopt.kvquant.base import Codes, KVQuantizer
from llmopt.kvquant.codebook import check_dim


class Fp8Quantizer(KVQuantizer):
    def __init__(self, dim: int):
        self.dim = check_dim(dim)

    def quantize(self, x: torch.Tensor) -> Codes:
        return {"fp8": x.to(torch.float8_e4m3fn)}

    def dequantize(self, codes: Codes) -> torch.Tensor:
        return codes["fp8"].float()

    @property
    def stored_bits(self) -> float:
        return 8 * self.dim
