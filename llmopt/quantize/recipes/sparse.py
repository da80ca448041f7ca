"""2:4 sparsity: in every group of four weights two are set to zero (SparseGPT: pruned with
second-order information from calibration activations, the rest updated to compensate), so half
the weights are zero in a pattern NVIDIA's sparse tensor cores (Ampere and later) can skip.

Whether a server can use it is the lesson: vLLM removed its 2:4 sparse (CUTLASS) kernels, so
vLLM 0.32 serves such a checkpoint as a dense model, zeros and all, with no speed-up, where it
loads it at all (llmopt.distill's notebook shows which, with vLLM's message). Only a smaller
dense model (a pruned and distilled one) serves faster."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from llmopt.quantize.recipes.base import QuantRecipe


class SparseGpt24(QuantRecipe):
    scheme: Literal["sparse_2of4"] = "sparse_2of4"
    dampening_frac: float = Field(default=0.01, gt=0, lt=1)

    @property
    def label(self) -> str:
        return "2:4 sparse (SparseGPT)"

    def modifiers(self) -> list[Any]:
        from llmcompressor.modifiers.pruning import SparseGPTModifier

        return [SparseGPTModifier(sparsity=0.5, mask_structure="2:4", targets=["Linear"],
                                  ignore=list(self.ignore), dampening_frac=self.dampening_frac)]

    def expected_weights(self) -> dict[str, Any]:
        return {}  # no quantized weights: the sparsity shows in the weights themselves
