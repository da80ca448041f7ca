"""Log formats, one per file, told apart by the content of a log's first line: the OpenAI
Batch input file (`openai-batch`) and the chat log of requests with their responses
(`chat-log`, which LiteLLM's records are)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmopt.errors import ConfigError
from llmopt.traffic.formats.base import LogFormat
from llmopt.traffic.formats.chat_log import ChatLog
from llmopt.traffic.formats.openai_batch import (
    BatchOutputs,
    OpenAIBatch,
    check_output_log,
    parse_output,
)

FORMATS: dict[str, type[LogFormat]] = {OpenAIBatch.name: OpenAIBatch, ChatLog.name: ChatLog}
"""Every log format, by name, in the order they are tried."""


def detect(line: dict[str, Any], where: str) -> type[LogFormat]:
    """The format a log is in, from its first line; a ConfigError naming that line (`where`:
    file:line) and the formats known when it is in none."""
    for kind in FORMATS.values():
        if kind.claims(line):
            return kind
    path, _, number = where.rpartition(":")
    check_output_log(Path(path), int(number), line)
    known = "; ".join(f"{name} ({kind.shape})" for name, kind in FORMATS.items())
    fields = ", ".join(sorted(line)[:12]) or "no fields"
    raise ConfigError(f"{where} is in no log format llmopt knows (it has {fields}); known "
                      f"formats: {known}")


__all__ = ["FORMATS", "BatchOutputs", "ChatLog", "LogFormat", "OpenAIBatch", "detect",
           "parse_output"]
