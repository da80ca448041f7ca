"""bitsandbytes NF4 and LLM.int8(): quantized as transformers loads the model, in-process.

There is no artifact to serve: vLLM 0.32 (the pinned server) has no bitsandbytes method, so
these recipes are for in-process transformers evaluation (`llmopt.quantize.bnb`). On CPU they
are a correctness path (the kernels dequantize on the fly); their speed is a GPU matter.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from llmopt.quantize.recipes.base import QuantRecipe

_NO_VLLM = ("bitsandbytes quantizes in-process as transformers loads the model; vLLM 0.32 has "
            "no bitsandbytes method (its --quantization choices do not list it): evaluate it "
            "with llmopt.quantize.bnb.evaluate, or serve an llm-compressor scheme instead")


class BnbRecipe(QuantRecipe):
    """What the bitsandbytes recipes share: in-process only, no calibration."""

    method: ClassVar[str] = "bitsandbytes"
    needs_calibration: ClassVar[bool] = False
    cannot_serve: ClassVar[dict[str, str]] = {"vllm-cpu": _NO_VLLM, "vllm-cuda": _NO_VLLM}

    def quantization_config(self) -> Any:
        """The transformers BitsAndBytesConfig of this recipe (imports transformers)."""
        raise NotImplementedError


class BnbNf4(BnbRecipe):
    scheme: Literal["bnb_nf4"] = "bnb_nf4"
    compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    double_quant: bool = True
    """Quantize the quantization constants too (QLoRA's double quantization)."""

    @property
    def label(self) -> str:
        return "bitsandbytes NF4"

    def quantization_config(self) -> Any:
        import torch
        from transformers import BitsAndBytesConfig

        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                  bnb_4bit_use_double_quant=self.double_quant,
                                  bnb_4bit_compute_dtype=getattr(torch, self.compute_dtype),
                                  llm_int8_skip_modules=list(self.ignore))


class BnbInt8(BnbRecipe):
    scheme: Literal["bnb_int8"] = "bnb_int8"
    threshold: float = Field(default=6.0, gt=0)
    """LLM.int8(): activation columns above this magnitude stay in 16-bit (outliers)."""

    @property
    def label(self) -> str:
        return "bitsandbytes LLM.int8()"

    def quantization_config(self) -> Any:
        from transformers import BitsAndBytesConfig

        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_threshold=self.threshold,
                                  llm_int8_skip_modules=list(self.ignore))
