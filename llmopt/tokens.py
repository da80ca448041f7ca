"""Token counts with the model's own tokenizer (a `tokenizer.json` in the model folder), or
with tiktoken where the model is an API's and no folder exists (`counter`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from tokenizers import Tokenizer

from llmopt.errors import AssetError
from llmopt.workload import WorkloadItem

if TYPE_CHECKING:
    from llmopt.bench.counter import TokenCounter

FALLBACK_ENCODING = "cl100k_base"
"""The tiktoken encoding for a model that is neither a local folder nor a name tiktoken maps
(an estimate; the bench client's default)."""


def load_tokenizer(model_dir: str | Path) -> Tokenizer:
    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise AssetError(f"no tokenizer.json in {model_dir}")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()  # a saved padding config would pad every batch to its longest text
    tokenizer.no_truncation()
    return tokenizer


def count(texts: list[str], tokenizer: Tokenizer) -> list[int]:
    return [len(enc.ids) for enc in tokenizer.encode_batch(texts, add_special_tokens=False)]


def prompt_parts(items: list[WorkloadItem], tokenizer: Tokenizer) -> pd.DataFrame:
    """Tokens per request in the shared system prompt, the user message and the reference."""
    answers = [json.dumps(i.reference) if i.reference is not None else "" for i in items]
    return pd.DataFrame({
        "id": [i.id for i in items],
        "tier": [i.tier for i in items],
        "system_tokens": count([i.system for i in items], tokenizer),
        "user_tokens": count([i.user for i in items], tokenizer),
        "reference_tokens": count(answers, tokenizer),
    })


def counter(model: str | Path) -> TokenCounter:
    """A client-side counter for `model`'s text: its own tokenizer where `model` is a local
    folder with a tokenizer.json (the demo models, a downloaded model); for an API model's name
    the tiktoken encoding tiktoken maps it to (o200k_base for gpt-4.1, gpt-4o, gpt-5 ...); else
    a cl100k_base estimate. No download: no folder is needed for an API's model."""
    from llmopt.bench.counter import tiktoken_counter, tokenizer_counter

    if (Path(model) / "tokenizer.json").is_file():
        return tokenizer_counter(load_tokenizer(model))
    return tiktoken_counter(encoding_for(str(model)))


def encoding_for(model: str) -> str:
    """The tiktoken encoding of an OpenAI model name (`openai/` prefix allowed), else
    FALLBACK_ENCODING."""
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model.removeprefix("openai/"))
    except KeyError:
        return FALLBACK_ENCODING
