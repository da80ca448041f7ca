"""What a compressor kept and dropped: a word-level diff of the original and compressed text.

Compressors delete; they rarely add. `diff` aligns the two texts' words and punctuation marks
by a longest common subsequence (the most original pieces that can have survived) and marks
every piece of the original `kept` or `dropped`; a piece of the compressed text with no
counterpart (a word LLMLingua cut in half, two words it joined) comes out `added`, where it
appears. Whitespace stays with the piece before it, so joining every piece but the added ones
gives the original text back.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["kept", "dropped", "added"]
_PIECE = re.compile(r"\w+|[^\w\s]")


class Piece(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    """The word or mark, followed by the whitespace after it in its text."""
    status: Status


def pieces(text: str) -> list[str]:
    """Words and single punctuation marks, each with the whitespace that follows it (the text's
    leading whitespace, if any, goes with the first piece)."""
    starts = [m.start() for m in _PIECE.finditer(text)]
    if not starts:
        return [text] if text else []
    bounds = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def diff(original: str, compressed: str) -> list[Piece]:
    """The original's pieces marked kept or dropped, with the compressed text's extra pieces."""
    old, new = pieces(original), pieces(compressed)
    a, b = [p.strip() for p in old], [p.strip() for p in new]
    # lcs[i][j]: longest common subsequence of a[i:] and b[j:]
    lcs = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        row, below = lcs[i], lcs[i + 1]
        for j in range(len(b) - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    out: list[Piece] = []
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and j < len(b) and a[i] == b[j]:
            out.append(Piece(text=old[i], status="kept"))
            i, j = i + 1, j + 1
        elif i < len(a) and (j == len(b) or lcs[i + 1][j] >= lcs[i][j + 1]):
            out.append(Piece(text=old[i], status="dropped"))
            i += 1
        else:
            out.append(Piece(text=new[j], status="added"))
            j += 1
    return out


def kept_share(result: list[Piece]) -> float:
    """Share of the original's pieces that were kept (1.0 for an empty text)."""
    original = [p for p in result if p.status != "added"]
    if not original:
        return 1.0
    return sum(p.status == "kept" for p in original) / len(original)
