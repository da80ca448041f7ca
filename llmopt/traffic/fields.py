"""Reading typed values out of a log line's JSON: each reader names the field and what it
got when the value is of the wrong kind (raising `BadLine`, which a format turns into a
ConfigError naming the file and line)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from llmopt.traffic.options import as_utc

T = TypeVar("T")
MILLISECONDS_ABOVE = 1e11
"""A Unix time above this is in milliseconds (in seconds it would be past the year 5000)."""


class BadLine(ValueError):
    """What is wrong with one line; the format adds the file and line number."""


def at(data: Any, path: str) -> Any:
    """The value at a dotted path (None where any step is missing or not an object)."""
    steps = _STEPS.get(path)
    if steps is None:
        steps = _STEPS.setdefault(path, tuple(path.split(".")))
    for step in steps:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


_STEPS: dict[str, tuple[str, ...]] = {}
"""Dotted paths split once (a log line reads ~20 of them, a log has millions of lines)."""


def first(data: dict[str, Any], paths: tuple[str, ...]) -> tuple[str, Any]:
    """The first of `paths` holding a value (not None), and that value; (paths[0], None)
    when none does."""
    for path in paths:
        value = at(data, path)
        if value is not None:
            return path, value
    return paths[0], None


def read(data: dict[str, Any], paths: tuple[str, ...], reader: Callable[[Any, str], T]) -> T:
    """`reader` applied to the first of `paths` holding a value (or to None, named by the
    first path): `read(line, ("usage.prompt_tokens", "prompt_tokens"), count)`."""
    path, value = first(data, paths)
    return reader(value, path)


def count(value: Any, name: str) -> int | None:
    """A token count: a whole number >= 0, or None when not logged."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadLine(f"{name} must be a whole number >= 0, got {_shown(value)}")
    return value


def moment(value: Any, name: str) -> datetime | None:
    """A timestamp: ISO 8601 text (no time zone means UTC) or a Unix time in seconds
    (milliseconds above 10^11)."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return as_utc(datetime.fromisoformat(value.strip()))
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            seconds = value / 1000 if value > MILLISECONDS_ABOVE else value
            return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadLine(f"{name} must be an ISO 8601 time or Unix seconds, got {_shown(value)}")


def text(content: Any, name: str) -> tuple[str, int]:
    """A message's text, and how many non-text parts it had (images, audio): content is a
    string, null, or a list of parts whose `text` parts are joined."""
    if content is None:
        return "", 0
    if isinstance(content, str):
        return content, 0
    if isinstance(content, list):
        texts, others = [], 0
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, str):
                texts.append(part)
            else:
                others += 1
        return "".join(texts), others
    raise BadLine(f"{name} must be text or a list of content parts, got {_shown(content)}")


def tag_list(value: Any, name: str) -> tuple[str, ...]:
    """Tags: a list of strings, or one comma-separated string."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(tag.strip() for tag in value.split(",") if tag.strip())
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return tuple(value)
    raise BadLine(f"{name} must be a list of strings, got {_shown(value)}")


def label(value: Any, name: str) -> str | None:
    """An id or a model name: text, or a number taken as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadLine(f"{name} must be text, got {_shown(value)}")


def _shown(value: Any) -> str:
    """A value as an error message shows it: its kind, and short scalars themselves."""
    if isinstance(value, dict | list):
        return f"a {'JSON object' if isinstance(value, dict) else 'list'}"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
