"""Reading a JSONL log one line at a time (a 1 GB log never sits in memory): each line's
number, byte offset and JSON object, or what is wrong with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from llmopt.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line: its JSON object, or `problem` saying why there is none."""

    number: int
    offset: int
    data: dict[str, Any] | None
    problem: str | None = None


def read_lines(path: Path, what: str = "log") -> Iterator[Line]:
    """The non-blank lines of `path`, streamed (a ConfigError if the file does not exist)."""
    if not path.is_file():
        raise ConfigError(f"{what} file {path} does not exist")
    offset = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            start, offset = offset, offset + len(raw)
            if raw.strip():
                data, problem = _parsed(raw)
                yield Line(number, start, data, problem)


def read_line_at(lines: BinaryIO, offset: int) -> dict[str, Any]:
    """The JSON object of the line starting at byte `offset` of an open file (a line read
    before, so known good: a ConfigError if the file changed since)."""
    lines.seek(offset)
    data, problem = _parsed(lines.readline())
    if data is None:
        raise ConfigError(f"{lines.name} changed while it was imported: {problem}")
    return data


def _parsed(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, (f"not UTF-8: byte {raw[error.start]:#04x} at byte {error.start} of the "
                      "line; save the log as UTF-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not JSON ({error.msg} at column {error.colno})"
    except RecursionError:
        return None, "not JSON this reader can take (nested too deeply)"
    if not isinstance(data, dict):
        return None, f"not a JSON object (a JSON {type(data).__name__})"
    return data, None
