"""Embedding scorer: MiniLM sentence embeddings + a small scikit-learn classifier trained on
graded runs (label 1 where the cheap tier got the request wrong).

The score is the classifier's probability that the cheap tier fails. Train it with `fit` on the
team's own graded sample. The encoder is llmopt.embed's shared MiniLM (by default ONNX Runtime
with int8 weights on one thread, the same one the semantic caches use); the scorer reads the
user's messages only (`reads`, never the shared system prompt), capped at `max_tokens` MiniLM
tokens. `fit` and `score` embed through the same settings, so training and routing always see
the same text the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage

from llmopt.embed import Embedder, minilm
from llmopt.embed.minilm import Backend, Dtype
from llmopt.errors import ConfigError
from llmopt.route.scorers.base import Reads, Scorer, request_text


class EmbeddingScorer(Scorer):
    """P(cheap tier wrong | request embedding), from logistic regression on MiniLM embeddings."""

    kind = "embedding"

    def __init__(self, encoder: Embedder | None = None, classifier: Any | None = None,
                 backend: Backend = "onnx-int8", threads: int | None = 1,
                 max_tokens: int = 128, dtype: Dtype = "auto", reads: Reads = "user") -> None:
        super().__init__(reads=reads)
        self.encoder = encoder or minilm(backend, max_tokens, threads, dtype)
        """The MiniLM `Embedder` (llmopt.embed.minilm with these settings, shared in-process)."""
        self.classifier = classifier

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised MiniLM embeddings, one float32 row per text."""
        return self.encoder.encode(list(texts))

    def fit(self, texts: Sequence[str] | Sequence[Sequence[BaseMessage]],
            cheap_correct: Sequence[bool], seed: int = 0) -> EmbeddingScorer:
        """Train on graded runs: `cheap_correct[i]` says whether the cheap tier got request i
        right. A request is its text (what `request_text` reads from it) or its chat messages
        (read here with this scorer's `reads`, as `score` will read them)."""
        from sklearn.linear_model import LogisticRegression

        if len(texts) != len(cheap_correct):
            raise ConfigError(f"texts ({len(texts)}) and cheap_correct ({len(cheap_correct)}) "
                              "must have the same length")
        texts = [t if isinstance(t, str) else request_text(t, self.reads) for t in texts]
        labels = np.asarray([0 if ok else 1 for ok in cheap_correct])
        if len(set(labels.tolist())) < 2:
            self.classifier = _Constant(float(labels[0]) if len(labels) else 0.5)
            return self
        model = LogisticRegression(max_iter=1000, class_weight="balanced", random_state=seed)
        self.classifier = model.fit(self.embed(texts), labels)
        return self

    def score_texts(self, texts: Sequence[str]) -> list[float]:
        if self.classifier is None:
            raise ConfigError("EmbeddingScorer is not trained: call fit(texts, cheap_correct) "
                              "with a graded sample first")
        return [float(p) for p in self.classifier.predict_proba(self.embed(texts))[:, 1]]


class _Constant:
    """A classifier for a sample with one label only: every request gets that label's score."""

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.tile([1 - self.p, self.p], (len(x), 1))
