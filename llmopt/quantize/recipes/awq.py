"""AWQ W4A16: activation-aware scaling, then 4-bit grouped weights (llm-compressor's AWQModifier,
the successor of the deprecated AutoAWQ)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from llmopt.quantize.recipes.base import (
    W4_GROUP_SIZES,
    W4A16_ON_AVX2,
    QuantRecipe,
    w4_group_scheme,
)


class AwqW4A16(QuantRecipe):
    scheme: Literal["awq_w4a16"] = "awq_w4a16"
    vllm_scheme: ClassVar[str | None] = "CompressedTensorsWNA16"
    cannot_serve: ClassVar[dict[str, str]] = {"vllm-cpu:avx2": W4A16_ON_AVX2}
    group_size: int = 128
    """Weights per scale; one of W4_GROUP_SIZES."""
    symmetric: bool = False
    """AWQ's usual form is asymmetric (a zero point per group)."""
    duo_scaling: bool | Literal["both"] = True
    """Search the scales from activations and weights (True), activations only (False), both."""
    n_grid: int = 20
    """Grid points of the scale search per layer."""

    @field_validator("group_size")
    @classmethod
    def _group(cls, value: int) -> int:
        return check_group_size(value)

    @property
    def label(self) -> str:
        return f"AWQ W4A16 g{self.group_size}"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import QuantizationModifier
        from llmcompressor.modifiers.transform.awq import AWQModifier

        groups = w4_group_scheme(self.group_size, self.symmetric)
        return [AWQModifier(duo_scaling=self.duo_scaling, n_grid=self.n_grid),
                QuantizationModifier(config_groups=groups, ignore=list(self.ignore))]

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 4, "type": "int", "strategy": "group", "group_size": self.group_size,
                "symmetric": self.symmetric}


def check_group_size(value: int) -> int:
    if value not in W4_GROUP_SIZES:
        valid = ", ".join(map(str, W4_GROUP_SIZES))
        raise ValueError(f"group_size {value} is not supported; valid: {valid} (vLLM's W4A16 "
                         "kernels take these, and they divide every Llama-family layer width)")
    return value
