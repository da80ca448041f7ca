"""What of a request gets embedded, the same for the semantic caches and the router's scorers,
so that one request is embedded once (`Embedder` remembers recent texts).

A chat request is read by its user messages (`Reads`); a LangChain cache gets a chat request
as its serialized message list (`langchain_core.load.dumps`), which `prompt_parts` splits into
the same user text and the rest. Embedding that string whole would embed mostly the system
prompt (MiniLM reads 128 tokens): every request with the same long system prompt would look
the same (cosine 1.0 between two different demo tickets).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, get_args

from langchain_core.messages import BaseMessage, HumanMessage

from llmopt.errors import ConfigError

Reads = Literal["user", "last_user", "all"]
"""What of a chat request is read: every user message ("user", the default), the last one only
("last_user": what differs in a long conversation), or every message ("all", the system prompt
too: one shared by every request tells requests apart no better than nothing and costs the
embedding time in proportion to its length)."""
_HUMAN = ("HumanMessage", "HumanMessageChunk")


def request_text(messages: Sequence[BaseMessage], reads: Reads = "user") -> str:
    """The text read of `messages` (see `Reads`), one message per line; every message where
    the request holds no user message."""
    check_reads(reads)
    human = [m.text for m in messages if isinstance(m, HumanMessage)]
    if reads == "last_user" and human:
        return human[-1]
    if reads == "all" or not human:
        return "\n".join(m.text for m in messages)
    return "\n".join(human)


def check_reads(reads: str) -> None:
    if reads not in get_args(Reads):
        raise ConfigError(f"unknown reads {reads!r}; valid: {', '.join(get_args(Reads))}")


def _serialized_messages(prompt: str) -> list[tuple[str, str]] | None:
    """(class name, text) of each message of a `dumps`-serialized message list, else None."""
    if not prompt.startswith("["):
        return None
    try:
        items = json.loads(prompt)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(_is_message(i) for i in items) or not items:
        return None
    return [(i["id"][-1], _content_text(i["kwargs"].get("content", ""))) for i in items]


def _is_message(item: Any) -> bool:
    return (isinstance(item, dict) and item.get("lc") == 1 and isinstance(item.get("id"), list)
            and bool(item["id"]) and str(item["id"][-1]).endswith(("Message", "MessageChunk"))
            and isinstance(item.get("kwargs"), dict))


def _content_text(content: Any) -> str:
    """A message's text: its string content, or the text parts of a list content."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts
                   if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text"))


def prompt_parts(prompt: str) -> tuple[str, str]:
    """(the text read of a LangChain cache prompt, the rest of it): for a serialized chat request
    its user messages and its other messages (the system prompt ...), one per line; for any
    other prompt, itself and nothing. A semantic cache compares the first and keys on the rest."""
    messages = _serialized_messages(prompt)
    if messages is None:
        return prompt, ""
    human = [text for kind, text in messages if kind in _HUMAN]
    rest = [f"{kind}: {text}" for kind, text in messages if kind not in _HUMAN]
    if not human:
        return "\n".join(text for _, text in messages), ""
    return "\n".join(human), "\n".join(rest)
