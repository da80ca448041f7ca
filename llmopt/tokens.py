"""Token counts with the model's own tokenizer (a `tokenizer.json` in the model folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from tokenizers import Tokenizer

from llmopt.errors import AssetError
from llmopt.workload import WorkloadItem


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
