"""GPTQ W4A16: 4-bit grouped weights, each layer's rounding error corrected with second-order
(Hessian) information from calibration activations (llm-compressor's GPTQModifier)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from llmopt.quantize.recipes.base import W4A16Recipe


class GptqW4A16(W4A16Recipe):
    scheme: Literal["gptq_w4a16"] = "gptq_w4a16"
    algorithm: ClassVar[str] = "GPTQ"
    dampening_frac: float = Field(default=0.01, gt=0, lt=1)
    """Share of the Hessian's mean diagonal added to it for numerical stability."""
    actorder: Literal["static", "group", "weight"] | None = "static"
    """Quantize columns in order of activation size (`static` costs nothing at inference)."""

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import GPTQModifier

        return [GPTQModifier(config_groups=self.groups(), ignore=list(self.ignore),
                             dampening_frac=self.dampening_frac, actorder=self.actorder)]
