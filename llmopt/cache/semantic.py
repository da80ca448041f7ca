"""Semantic cache: MiniLM embeddings (llmopt.embed's shared encoder, the one the router uses)
and a FAISS inner-product index in process (exact search over float16 copies, `flat_index`).
A lookup is a hit when the nearest cached prompt of the same tenant and the same model and
generation parameters has cosine similarity >= `threshold`.

`nearest(prompt, llm_string)` returns (similarity, answer) without applying the threshold, so one
pass of lookups can be swept over thresholds afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from llmopt.cache.base import ResponseCache, load_generations
from llmopt.embed import minilm
from llmopt.errors import ConfigError

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Text to one float32 unit row per text: an `llmopt.embed.Embedder`, or any such function."""


def flat_index(dim: int) -> Any:
    """Exact (brute-force) inner-product FAISS index over float16 copies of the vectors: a lookup
    reads half the bytes of a float32 index, so it runs about twice as fast (the scan is bound
    by memory traffic); a cosine between unit vectors moves by less than 5e-4."""
    import faiss

    return faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                      faiss.METRIC_INNER_PRODUCT)


@dataclass
class _Shelf:
    """One (tenant, llm_string) slice: a FAISS index plus its values, creation and last use."""

    index: Any
    values: list[str | None] = field(default_factory=list)
    created: list[float] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    live: int = 0


class FaissSemanticCache(ResponseCache):
    """Semantic response cache in process (exact FAISS inner-product search over normalised
    embeddings, `flat_index`)."""

    def __init__(self, namespace: str = "default", *, threshold: float = 0.9,
                 embedder: Embedder | None = None, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False,
                 _shared: dict | None = None) -> None:
        super().__init__(namespace, cache_sampled=cache_sampled)
        if not 0.0 <= threshold <= 1.0:
            raise ConfigError(f"threshold={threshold!r} is not valid; use a cosine in [0, 1]")
        if ttl_s is not None and ttl_s <= 0:
            raise ConfigError(f"ttl_s={ttl_s!r} is not valid; use a positive number or None")
        if max_entries is not None and max_entries < 1:
            raise ConfigError(f"max_entries={max_entries!r} is not valid; use >= 1 or None")
        self.threshold = threshold
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.embed = embedder or minilm()
        self._shared = _shared if _shared is not None else {"shelves": {},
                                                            "lock": threading.RLock()}

    def for_namespace(self, namespace: str) -> FaissSemanticCache:
        """The same index set seen as another tenant."""
        return FaissSemanticCache(namespace, threshold=self.threshold, embedder=self.embed,
                                  ttl_s=self.ttl_s, max_entries=self.max_entries,
                                  cache_sampled=self.cache_sampled, _shared=self._shared)

    @property
    def _lock(self) -> threading.RLock:
        return self._shared["lock"]

    def _shelf(self, llm_string: str, create: bool) -> _Shelf | None:
        key = (self.namespace, llm_string)
        shelves = self._shared["shelves"]
        if key not in shelves and create:
            shelves[key] = _Shelf(index=flat_index(self.embed(["probe"]).shape[1]))
        return shelves.get(key)

    def __len__(self) -> int:
        with self._lock:
            return sum(s.live for (ns, _), s in self._shared["shelves"].items()
                       if ns == self.namespace)

    def nearest(self, prompt: str, llm_string: str = "",
                vector: np.ndarray | None = None) -> tuple[float, str | None]:
        """(cosine similarity, answer text) of the nearest live entry, whatever the threshold;
        (-1, None) when the tenant has none. `vector` skips embedding the prompt again."""
        sim, raw = self._nearest(prompt, llm_string, vector)
        return sim, (load_generations(raw)[0].text if raw is not None else None)

    def _nearest(self, prompt: str, llm_string: str,
                 vector: np.ndarray | None = None) -> tuple[float, str | None]:
        q = self.embed([prompt]) if vector is None else vector.reshape(1, -1)
        now = time.time()
        with self._lock:
            shelf = self._shelf(llm_string, create=False)
            if shelf is None or shelf.live == 0:
                return -1.0, None
            k = min(shelf.index.ntotal, 8)
            while True:
                sims, ids = shelf.index.search(q, k)
                for s, i in zip(sims[0], ids[0], strict=True):
                    if i < 0 or shelf.values[i] is None:
                        continue
                    if self.ttl_s is not None and now - shelf.created[i] > self.ttl_s:
                        self._drop(shelf, int(i))
                        continue
                    shelf.used[i] = now
                    return float(s), shelf.values[i]
                if k >= shelf.index.ntotal:
                    return -1.0, None
                k = min(shelf.index.ntotal, k * 4)

    def _drop(self, shelf: _Shelf, i: int) -> None:
        shelf.values[i] = None
        shelf.live -= 1
        # FAISS flat indexes keep the vector; a dropped row is skipped on search.

    def _get(self, prompt: str, llm_string: str) -> str | None:
        sim, value = self._nearest(prompt, llm_string)
        return value if value is not None and sim >= self.threshold else None

    def _put(self, prompt: str, llm_string: str, value: str) -> None:
        v = self.embed([prompt])
        now = time.time()
        with self._lock:
            shelf = self._shelf(llm_string, create=True)
            shelf.index.add(v)
            shelf.values.append(value)
            shelf.created.append(now)
            shelf.used.append(now)
            shelf.live += 1
            if self.max_entries is not None and shelf.live > self.max_entries:
                live = [i for i, x in enumerate(shelf.values) if x is not None]
                live.sort(key=lambda i: shelf.used[i])
                for i in live[: shelf.live - self.max_entries]:
                    self._drop(shelf, i)
                    self._count("evictions")

    def put_many(self, prompts: Sequence[str], llm_string: str, texts: Sequence[str],
                 vectors: np.ndarray | None = None) -> None:
        """Store many answers at once (one embedding batch); `vectors` skips embedding."""
        from langchain_core.outputs import Generation

        from llmopt.cache.base import dump_generations

        if len(prompts) != len(texts):
            raise ConfigError(f"put_many got {len(prompts)} prompts and {len(texts)} texts; "
                              "give one text per prompt")
        if self._bypass(llm_string):
            return
        v = self.embed(list(prompts)) if vectors is None else np.asarray(vectors, np.float32)
        now = time.time()
        with self._lock:
            shelf = self._shelf(llm_string, create=True)
            shelf.index.add(v)
            shelf.values.extend(dump_generations([Generation(text=t)]) for t in texts)
            shelf.created.extend([now] * len(texts))
            shelf.used.extend([now] * len(texts))
            shelf.live += len(texts)
        self._count("writes", len(texts))

    def _clear(self) -> None:
        with self._lock:
            for key in [k for k in self._shared["shelves"] if k[0] == self.namespace]:
                del self._shared["shelves"][key]
