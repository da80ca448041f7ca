"""Quantize a model and measure what it changes: size, load time, speed, quality, cost.

    from llmopt.quantize import AwqW4A16, Calibration, quantize
    artifact = quantize("demo-model/", AwqW4A16(), "out/awq", Calibration(), target="vllm-cpu")

Recipes (llm-compressor: AWQ/GPTQ W4A16, W8A8 INT8, FP8 dynamic; bitsandbytes NF4/int8 for
in-process evaluation) round-trip to YAML. Importing this package never imports torch,
transformers, llm-compressor or vllm; `quantize` and `bnb.evaluate` import them when called.
"""

from llmopt.quantize.artifact import MANIFEST, Artifact, Manifest
from llmopt.quantize.calibration import Calibration
from llmopt.quantize.compressor import quantize
from llmopt.quantize.recipes import (
    RECIPES,
    W4_GROUP_SIZES,
    AwqW4A16,
    BnbInt8,
    BnbNf4,
    Fp8Dynamic,
    GptqW4A16,
    QuantRecipe,
    Recipe,
    W8A8Int8,
    recipe_from,
    recipe_from_yaml,
)
from llmopt.quantize.target import TARGETS, check_servable, target_for, unsupported_reason

__all__ = [
    "MANIFEST",
    "RECIPES",
    "TARGETS",
    "W4_GROUP_SIZES",
    "Artifact",
    "AwqW4A16",
    "BnbInt8",
    "BnbNf4",
    "Calibration",
    "Fp8Dynamic",
    "GptqW4A16",
    "Manifest",
    "QuantRecipe",
    "Recipe",
    "W8A8Int8",
    "check_servable",
    "quantize",
    "recipe_from",
    "recipe_from_yaml",
    "target_for",
    "unsupported_reason",
]
