"""Sentence embeddings for the response caches and the router: one `Embedder` protocol (a
LangChain `Embeddings` with a numpy `encode`), MiniLM on ONNX Runtime int8 or torch, one shared
encoder per setting (`minilm()`). Below cache and route: it imports neither."""

from llmopt.embed.base import Embedder
from llmopt.embed.minilm import BACKENDS, DTYPES, minilm, resolve_dtype
from llmopt.embed.weights import minilm_path

__all__ = ["BACKENDS", "DTYPES", "Embedder", "minilm", "minilm_path", "resolve_dtype"]
