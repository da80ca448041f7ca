"""`Embedder`: text to unit vectors, the one protocol the caches and the router embed with.

It is a LangChain `Embeddings` (`embed_documents`, `embed_query`: lists of floats), so it plugs
into LangChain's own vector stores and caches, plus `encode(texts) -> float32 array` (one unit
row per text) for llmopt's own hot paths, and calling it is `encode`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings


class Embedder(Embeddings):
    """A sentence encoder: `encode` gives one float32 row of unit length per text."""

    dim: int = 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
