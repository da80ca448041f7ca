"""FP8 dynamic: weights cast to FP8 (E4M3) with a scale per output channel, activations
quantized to FP8 per token at run time. Needs no calibration data.

A GPU technique: FP8 matrix products run on tensor cores of compute capability 8.9+ (L4, L40S,
H100); Ampere (8.0) runs the checkpoint as weight-only FP8 through Marlin. vLLM 0.32's CPU build
serves it too: natively only on CPUs with AMX-FP8 (Intel Diamond Rapids), elsewhere through a
torch fallback (its log: "Selected ChannelWiseTorchFP8ScaledMMLinearKernel for
CompressedTensorsW8A8Fp8"), which answers but is no faster."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from llmopt.quantize.recipes.base import QuantRecipe


class Fp8Dynamic(QuantRecipe):
    scheme: Literal["fp8_dynamic"] = "fp8_dynamic"

    needs_calibration: ClassVar[bool] = False
    vllm_scheme: ClassVar[str | None] = "CompressedTensorsW8A8Fp8"

    @property
    def label(self) -> str:
        return "FP8 dynamic"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.quantization import QuantizationModifier

        return [QuantizationModifier(scheme="FP8_DYNAMIC", targets=["Linear"],
                                     ignore=list(self.ignore))]

    def expected_weights(self) -> dict[str, Any]:
        return {"num_bits": 8, "type": "float", "strategy": "channel", "symmetric": True}
