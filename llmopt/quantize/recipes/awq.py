"""AWQ W4A16: activation-aware scaling, then 4-bit grouped weights (llm-compressor's AWQModifier,
the successor of the deprecated AutoAWQ)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from llmopt.quantize.recipes.base import W4A16Recipe


class AwqW4A16(W4A16Recipe):
    scheme: Literal["awq_w4a16"] = "awq_w4a16"
    algorithm: ClassVar[str] = "AWQ"
    symmetric: bool = False
    """AWQ's usual form is asymmetric (a zero point per group)."""
    duo_scaling: bool | Literal["both"] = True
    """Search the scales from activations and weights (True), activations only (False), both."""
    n_grid: int = 20
    """Grid points of the scale search per layer."""

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import QuantizationModifier
        from llmcompressor.modifiers.transform.awq import AWQModifier

        return [AWQModifier(duo_scaling=self.duo_scaling, n_grid=self.n_grid),
                QuantizationModifier(config_groups=self.groups(), ignore=list(self.ignore))]
