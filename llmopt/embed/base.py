"""`Embedder`: text to unit vectors, the one protocol the caches and the router embed with.

It is a LangChain `Embeddings` (`embed_documents`, `embed_query`: lists of floats), so it plugs
into LangChain's own vector stores and caches, plus `encode(texts) -> float32 array` (one unit
row per text) for llmopt's own hot paths, and calling it is `encode`.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

REMEMBERED = 4096
"""Texts whose vectors an encoder keeps (least recently used out): about 6 MB at 384 dims."""


class Embedder(Embeddings):
    """A sentence encoder: `encode` gives one float32 row of unit length per text. It remembers
    the vectors of its last `REMEMBERED` texts: a request the semantic cache embedded is not
    embedded again by the router's scorer (the same text through the same shared encoder)."""

    dim: int = 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        with self._memo_lock:
            found = {t: self._memo[t] for t in dict.fromkeys(texts) if t in self._memo}
            for t in found:
                self._memo.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, self._encode(missing), strict=True))
            with self._memo_lock:
                self._memo.update(fresh)
                while len(self._memo) > REMEMBERED:
                    self._memo.popitem(last=False)
            found |= fresh
        rows = [found[t] for t in texts]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), np.float32)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """The backend: one unit row per text."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the remembered vectors (a benchmark timing the embedding of a request it has
        sent before)."""
        with self._memo_lock:
            self._memo.clear()

    @functools.cached_property
    def _memo(self) -> OrderedDict[str, np.ndarray]:
        return OrderedDict()

    @functools.cached_property
    def _memo_lock(self) -> threading.Lock:
        return threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
