"""The demo models' prompt format; the tokenizer's chat template renders exactly the same text."""

from __future__ import annotations

import json
from typing import Any

SPECIAL_TOKENS = ("<|pad|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>")
END = "<|end|>"

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def prefix(system: str) -> str:
    """The part of every prompt that comes before the user's ticket."""
    return f"<|system|>\n{system}{END}\n<|user|>\n"


def render(system: str, user: str) -> str:
    """The prompt for /v1/completions (the chat endpoint applies CHAT_TEMPLATE to the same)."""
    return f"{prefix(system)}{user}{END}\n<|assistant|>\n"


def answer_text(reference: dict[str, Any]) -> str:
    """The target completion the models are trained on: compact JSON then the end token."""
    return json.dumps(reference) + END
