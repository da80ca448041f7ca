"""FP8 dynamic: weights cast to FP8 (E4M3) with a scale per output channel, activations
quantized to FP8 per token at run time. Needs no calibration data. A GPU path: FP8 matrix
multiplication needs tensor cores of compute capability 8.9+ (Ada, Hopper; Ampere runs it as
weight-only FP8 through Marlin)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from llmopt.quantize.recipes.base import QuantRecipe


class Fp8Dynamic(QuantRecipe):
    scheme: Literal["fp8_dynamic"] = "fp8_dynamic"

    needs_calibration: ClassVar[bool] = False
    cannot_serve: ClassVar[dict[str, str]] = {
        "vllm-cpu": "FP8 CPU REASON TBD",
    }

    @property
    def label(self) -> str:
        return "FP8 dynamic"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import QuantizationModifier

        return [QuantizationModifier(scheme="FP8_DYNAMIC", targets=["Linear"],
                                     ignore=list(self.ignore))]

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 8, "type": "float", "strategy": "channel", "symmetric": True}
