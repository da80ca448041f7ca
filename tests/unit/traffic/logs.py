"""Tiny logs the traffic tests write for themselves (no committed fixtures)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

START = datetime(2025, 5, 1, tzinfo=UTC)
MARKER = "ZZ-SECRET-7f3a"
SALT = "a-test-salt-of-32-characters-xyz"


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def at(i: int) -> str:
    return (START + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")


def chat_line(i: int, **fields: Any) -> dict[str, Any]:
    line = {"id": f"req-{i}", "timestamp": at(i), "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": "policy"},
                         {"role": "user", "content": f"question {i}"}],
            "response": f"answer {i}",
            "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10,
                      "prompt_tokens_details": {"cached_tokens": 64}},
            "tags": ["even" if i % 2 == 0 else "odd"], "user": f"user-{i % 3}"}
    return line | fields


def batch_input(i: int, **body: Any) -> dict[str, Any]:
    return {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini",
                     "messages": [{"role": "system", "content": "policy"},
                                  {"role": "user", "content": f"question {i}"}]} | body}


def batch_output(i: int, content: str | None = None, error: dict | None = None,
                 status_code: int = 200) -> dict[str, Any]:
    if error is not None:
        return {"id": f"batch_req_{i}", "custom_id": f"req-{i}", "response": None,
                "error": error}
    body = {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1746057600 + 60 * i,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant",
                                                 "content": content or f"answer {i}"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10, "total_tokens": 110 + i,
                      "prompt_tokens_details": {"cached_tokens": 32}}}
    if status_code != 200:
        body = {"error": {"message": "the model is overloaded", "type": "server_error"}}
    return {"id": f"batch_req_{i}", "custom_id": f"req-{i}",
            "response": {"status_code": status_code, "request_id": f"r{i}", "body": body},
            "error": None}


def every_file_text(folder: Path) -> str:
    """The text of every file under `folder` (the outputs an import left there)."""
    return "".join(p.read_text() for p in sorted(folder.rglob("*")) if p.is_file())


PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
"""The traffic property tests' settings (a shared 2-core machine: no deadlines)."""


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    """Any JSON value json.loads can give (NaN and infinities included), objects keyed by
    `keys` or short text."""
    scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(keys) | st.text(max_size=3), inner, max_size=4), max_leaves=12)


def mutations(line: dict[str, Any], paths: list[str], keys: list[str]
              ) -> st.SearchStrategy[dict[str, Any]]:
    """`line` with up to three of the dotted `paths` set to any JSON value (so that the
    parsers' deep fields are reached, not only their first check)."""
    def apply(changes: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(line)
        for path, value in changes.items():
            node = out
            *parents, last = path.split(".")
            for step in parents:
                if not isinstance(node.get(step), dict):
                    node[step] = {}
                node = node[step]
            node[last] = value
        return out
    return st.dictionaries(st.sampled_from(paths), json_values(keys), max_size=3).map(apply)
