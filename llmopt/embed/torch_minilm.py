"""MiniLM through sentence-transformers on torch: the reference encoder, in float32 or bfloat16."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from llmopt.embed.base import Embedder
from llmopt.embed.weights import minilm_path


class TorchMiniLM(Embedder):
    """sentence-transformers' MiniLM reading at most `max_tokens` tokens per text, weights in
    `dtype`, on `threads` torch threads while it encodes (None: torch's own setting; set around
    each call and restored after, so the rest of the process keeps its own)."""

    def __init__(self, max_tokens: int = 128, dtype: str = "float32",
                 threads: int | None = None) -> None:
        self.model = sentence_transformer(max_tokens, dtype)
        self.threads = threads

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with _torch_threads(self.threads), torch.inference_mode():
            vectors = self.model.encode(list(texts), normalize_embeddings=True,
                                        show_progress_bar=False, convert_to_tensor=True)
        return vectors.float().cpu().numpy()


def sentence_transformer(max_tokens: int = 128, dtype: str = "float32") -> Any:
    """sentence-transformers' MiniLM from the offline wheel; never downloads."""
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(minilm_path(), device="cpu")
    encoder.max_seq_length = min(max_tokens, encoder.max_seq_length or max_tokens)
    return encoder.to(getattr(torch, dtype))


@contextlib.contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    if count is None or count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
