"""Quantization recipes, one per file, registered by `scheme`: AWQ W4A16, GPTQ W4A16, W8A8
INT8 (SmoothQuant + GPTQ), FP8 dynamic and 2:4 sparsity (SparseGPT) through llm-compressor;
bitsandbytes NF4 and int8 for in-process transformers evaluation. Each round-trips to YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from llmopt.config import Tagged, read_yaml
from llmopt.quantize.recipes.awq import AwqW4A16
from llmopt.quantize.recipes.base import W4_GROUP_SIZES, QuantRecipe
from llmopt.quantize.recipes.bnb import BnbInt8, BnbNf4
from llmopt.quantize.recipes.fp8 import Fp8Dynamic
from llmopt.quantize.recipes.gptq import GptqW4A16
from llmopt.quantize.recipes.int8 import W8A8Int8
from llmopt.quantize.recipes.sparse import SparseGpt24

RECIPES: dict[str, type[QuantRecipe]] = {
    "awq_w4a16": AwqW4A16,
    "gptq_w4a16": GptqW4A16,
    "w8a8_int8": W8A8Int8,
    "fp8_dynamic": Fp8Dynamic,
    "bnb_nf4": BnbNf4,
    "bnb_int8": BnbInt8,
    "sparse_2of4": SparseGpt24,
}
"""Every recipe class, by its `scheme`."""

Recipe = Annotated[
    AwqW4A16 | GptqW4A16 | W8A8Int8 | Fp8Dynamic | BnbNf4 | BnbInt8 | SparseGpt24,
    Field(discriminator="scheme"),
]
"""A recipe as configuration data: the `scheme` field picks the class."""

_FAMILY: Tagged[QuantRecipe] = Tagged("quantization", "scheme", RECIPES)


def recipe_from(data: dict[str, Any] | str | QuantRecipe) -> QuantRecipe:
    """A recipe from config data or a bare scheme name; ConfigError naming a bad scheme or value."""
    return _FAMILY.validate({"scheme": data} if isinstance(data, str) else data)


def recipe_from_yaml(source: str | Path) -> QuantRecipe:
    """A recipe from a YAML file path or YAML text."""
    return recipe_from(read_yaml(source, "recipe"))


__all__ = [
    "RECIPES",
    "W4_GROUP_SIZES",
    "AwqW4A16",
    "BnbInt8",
    "BnbNf4",
    "Fp8Dynamic",
    "GptqW4A16",
    "QuantRecipe",
    "Recipe",
    "SparseGpt24",
    "W8A8Int8",
    "recipe_from",
    "recipe_from_yaml",
]
