"""A small parser of the Prometheus text exposition format (what vLLM's /metrics returns)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ServerError

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


class Sample(BaseModel):
    """One line of the exposition: a series name, its labels and its value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    labels: dict[str, str] = {}
    value: float


def parse_samples(text: str) -> list[Sample]:
    """Every sample in `text`, in order; comments and blank lines are skipped."""
    return [_parse_line(line) for line in text.splitlines() if _is_sample(line)]


def _is_sample(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _parse_line(line: str) -> Sample:
    match = _SAMPLE.match(line.strip())
    if match is None:
        raise ServerError(f"cannot parse this /metrics line: {line!r}")
    name, labels, value = match.groups()
    try:
        number = float(value)
    except ValueError:
        raise ServerError(f"bad value {value!r} in this /metrics line: {line!r}") from None
    return Sample(name=name, labels=_parse_labels(labels or "", line), value=number)


def _parse_labels(text: str, line: str) -> dict[str, str]:
    labels, pos = {}, 0
    while pos < len(text.rstrip()):
        match = _LABEL.match(text, pos)
        if match is None:
            raise ServerError(f"cannot parse the labels of this /metrics line: {line!r}")
        labels[match[1]] = re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m[0]], match[2])
        pos = match.end()
    return labels
