"""Fractional bit widths (2.5, 3.5): the paper's outlier split. The channels are split in two
halves, each quantized by its own quantizer (own rotation and norm): the outlier half (the
channels with the largest mean square, `fit`) at the higher width, the rest at the lower."""

from __future__ import annotations

import torch

from llmopt.errors import ConfigError
from llmopt.kvquant.base import Codes, KVQuantizer


class ChannelSplit(KVQuantizer):
    def __init__(self, high: KVQuantizer, low: KVQuantizer):
        self.high, self.low = high, low
        self.dim = high.dim + low.dim
        self.outliers = torch.arange(high.dim)
        self.rest = torch.arange(high.dim, self.dim)

    def fit(self, sample: torch.Tensor) -> ChannelSplit:
        """Take the high-width channels to be those with the largest mean square in `sample`."""
        if sample.shape[-1] != self.dim:
            raise ConfigError(f"the sample has {sample.shape[-1]} channels, the split "
                              f"{self.dim}")
        power = sample.float().pow(2).reshape(-1, self.dim).mean(0)
        order = torch.argsort(power, descending=True)
        self.outliers, self.rest = order[: self.high.dim].sort().values, \
            order[self.high.dim :].sort().values
        return self

    def quantize(self, x: torch.Tensor) -> Codes:
        high = self.high.quantize(x[..., self.outliers])
        low = self.low.quantize(x[..., self.rest])
        return {f"high.{k}": v for k, v in high.items()} | {f"low.{k}": v for k, v in low.items()}

    def dequantize(self, codes: Codes) -> torch.Tensor:
        high = self.high.dequantize({k[5:]: v for k, v in codes.items() if k.startswith("high.")})
        low = self.low.dequantize({k[4:]: v for k, v in codes.items() if k.startswith("low.")})
        x = torch.empty(*high.shape[:-1], self.dim)
        x[..., self.outliers], x[..., self.rest] = high, low
        return x

    @property
    def stored_bits(self) -> float:
        return self.high.stored_bits + self.low.stored_bits
