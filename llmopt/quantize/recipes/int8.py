"""W8A8 INT8: SmoothQuant moves activation outliers into the weights, then GPTQ quantizes the
weights to int8 per channel; activations are quantized to int8 per token at run time."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from llmopt.quantize.recipes.base import QuantRecipe


class W8A8Int8(QuantRecipe):
    scheme: Literal["w8a8_int8"] = "w8a8_int8"
    vllm_scheme: ClassVar[str | None] = "CompressedTensorsW8A8Int8"
    smoothing_strength: float = Field(default=0.8, gt=0, lt=1)
    """How much of the activations' range SmoothQuant moves into the weights."""
    dampening_frac: float = Field(default=0.01, gt=0, lt=1)

    @property
    def label(self) -> str:
        return "W8A8 INT8 (SmoothQuant + GPTQ)"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import GPTQModifier
        from llmcompressor.modifiers.transform import SmoothQuantModifier

        return [SmoothQuantModifier(smoothing_strength=self.smoothing_strength),
                GPTQModifier(scheme="W8A8", targets=["Linear"], ignore=list(self.ignore),
                             dampening_frac=self.dampening_frac)]

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 8, "type": "int", "strategy": "channel", "symmetric": True}
