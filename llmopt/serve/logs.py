"""Reading a vLLM server log: its tail, the KV-cache capacity line, argument errors."""

from __future__ import annotations

import re

# vLLM 0.32 (vllm/v1/core/kv_cache_utils.py) logs e.g.
# "CPU KV cache size: 524,288 tokens, Maximum concurrency for 512 tokens per request: 1024.00x"
_KV_CACHE_SIZE = re.compile(r"KV cache size: ([\d,]+) tokens")
_MAX_CONCURRENCY = re.compile(r"Maximum concurrency for ([\d,]+) tokens per request: ([\d.,]+)x")
_ARG_ERROR = re.compile(r"error: (unrecognized arguments: .*|argument .*)")
_USAGE = re.compile(r"^(usage: |\s{8,}\S)")


def parse_kv_cache_tokens(log_text: str) -> int | None:
    """KV-cache capacity in tokens from the last "KV cache size: N tokens" line, or None."""
    matches = _KV_CACHE_SIZE.findall(log_text)
    return int(matches[-1].replace(",", "")) if matches else None


def parse_max_concurrency(log_text: str) -> tuple[int, float] | None:
    """(tokens per request, concurrency) from the last "Maximum concurrency for N tokens per
    request: Xx" line, or None."""
    matches = _MAX_CONCURRENCY.findall(log_text)
    if not matches:
        return None
    tokens, times = matches[-1]
    return int(tokens.replace(",", "")), float(times.replace(",", ""))


def find_arg_error(log_text: str) -> str | None:
    """vLLM's argparse complaint ("unrecognized arguments: --x", "argument --y: ..."), or None."""
    match = _ARG_ERROR.search(log_text)
    return match[1].strip() if match else None


def without_usage(text: str) -> str:
    """`text` without argparse's (very long) usage block."""
    kept = [line for line in text.splitlines() if not _USAGE.match(line)]
    return "\n".join(kept)


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of `text`."""
    return "\n".join(text.splitlines()[-lines:])
