"""Force-kept spans: the parts of a prompt no compressor may drop (order ids, amounts).

`spans` finds them with the config's `force` patterns; `missing` says which of them a
compressed text lost (the check behind "force-kept tokens survive"); `segments` cuts a text
into (text, forced) pieces, which the LLMLingua variants mark `compress=False`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TAIL = re.compile(r"[.,;:!?)]*\s*")


def _matches(text: str, patterns: Iterable[str]) -> list[re.Match[str]]:
    found = [m for p in patterns for m in re.finditer(p, text) if m.group()]
    found.sort(key=lambda m: (m.start(), -len(m.group())))
    kept: list[re.Match[str]] = []
    for match in found:  # overlapping matches: the first and longest wins
        if not kept or match.start() >= kept[-1].end():
            kept.append(match)
    return kept


def spans(text: str, patterns: Iterable[str]) -> list[str]:
    """The distinct forced strings of `text`, in order of first appearance."""
    return list(dict.fromkeys(m.group() for m in _matches(text, patterns)))


def segments(text: str, patterns: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into consecutive (piece, forced) pairs; the pieces join back to `text`. A
    forced piece takes the whitespace before it and the closing punctuation and whitespace
    after it along, so that a compressor dropping those does not glue it to its neighbours
    (`amount 0.` + `3.` read as `03`)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _matches(text, patterns):
        start = max(at, len(text[:match.start()].rstrip()))
        end = max(start, match.end() + len(_TAIL.match(text, match.end()).group()))
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def missing(original: str, compressed: str, patterns: Iterable[str]) -> list[str]:
    """Forced strings of `original` that occur fewer times in `compressed` (empty: all kept)."""
    patterns = list(patterns)
    have = [m.group() for m in _matches(compressed, patterns)]
    lost = []
    for span in spans(original, patterns):
        want = sum(m.group() == span for m in _matches(original, patterns))
        if have.count(span) < want:
            lost.append(span)
    return lost
