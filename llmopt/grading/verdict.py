"""A judge's verdict, parsed strictly: one JSON object, `{"verdict": "same" | "different",
"reason": "..."}`, and nothing else.

The whole reply must be that object (whitespace around it, and one Markdown code fence around
it, aside): no other keys, no other verdict words, no prose before or after. Anything else is an
error with the reason, never a pass; parsing never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

VERDICTS = ("same", "different")
KEYS = {"verdict", "reason"}
_FENCE = re.compile(r"\A```[A-Za-z]*[ \t]*\n(?P<body>.*)\n[ \t]*```\Z", re.DOTALL)


class Verdict(BaseModel):
    """A parsed verdict (`verdict` and the judge's `reason`) or an `error` saying why the reply
    is not one; exactly one of `verdict` and `error` is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Literal["same", "different"] | None = None
    reason: str = ""
    error: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Verdict:
        if (self.verdict is None) == (self.error is None):
            raise ValueError("a verdict has either a verdict or an error, not both or neither")
        return self


def parse_verdict(text: str) -> Verdict:
    """The verdict in a judge's reply; a Verdict with `error` where it is not exactly one."""
    body = _unfenced(text.strip())
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        return _error(f"not one JSON object ({error.msg} at character {error.pos})", text)
    except (ValueError, RecursionError) as error:  # numbers too long, nesting too deep
        return _error(f"not one JSON object ({type(error).__name__})", text)
    return _checked(data, text)


def _unfenced(text: str) -> str:
    match = _FENCE.match(text)
    return match["body"].strip() if match else text


def _checked(data: Any, text: str) -> Verdict:
    if not isinstance(data, dict):
        return _error(f"a JSON {type(data).__name__}, not an object", text)
    if set(data) != KEYS:
        missing, extra = sorted(KEYS - set(data)), sorted(set(data) - KEYS)
        said = "; ".join(part for part in (missing and f"missing {missing}",
                                           extra and f"unexpected {extra}") if part)
        return _error(f"keys must be exactly verdict and reason: {said}", text)
    verdict, reason = data["verdict"], data["reason"]
    if verdict not in VERDICTS:
        return _error(f"verdict must be 'same' or 'different', got {verdict!r:.40}", text)
    if not isinstance(reason, str):
        return _error(f"reason must be a string, got {type(reason).__name__}", text)
    return Verdict(verdict=verdict, reason=reason)


def _error(why: str, text: str) -> Verdict:
    return Verdict(error=f"{why}: {text[:80]!r}")
