"""Semantic cache in process: a vector index per tenant and model + generation parameters
(exact while small, approximate above `approximate_above` rows: llmopt.cache.index), with TTL
and a per-tenant size limit (least recently used first; an evicted or expired row leaves the
index). Shared by the threads of one process (`for_namespace` views share the indexes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from llmopt.cache.index import APPROXIMATE_ABOVE
from llmopt.cache.semantic import Embedder, SemanticCache, _Shelf


class FaissSemanticCache(SemanticCache):
    """Semantic response cache in process: MiniLM embeddings in FAISS."""

    def __init__(self, namespace: str = "default", *, threshold: float = 0.9,
                 embedder: Embedder | None = None, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False,
                 approximate_above: int = APPROXIMATE_ABOVE, _shared: dict | None = None) -> None:
        super().__init__(namespace, threshold=threshold, embedder=embedder, ttl_s=ttl_s,
                         max_entries=max_entries, cache_sampled=cache_sampled,
                         approximate_above=approximate_above)
        self._shared = _shared if _shared is not None else {"shelves": {},
                                                            "lock": threading.RLock()}

    def for_namespace(self, namespace: str) -> FaissSemanticCache:
        """The same index set seen as another tenant."""
        return FaissSemanticCache(namespace, threshold=self.threshold, embedder=self.embed,
                                  ttl_s=self.ttl_s, max_entries=self.max_entries,
                                  cache_sampled=self.cache_sampled,
                                  approximate_above=self.approximate_above, _shared=self._shared)

    @property
    def _lock(self) -> threading.RLock:
        return self._shared["lock"]

    def _shelf(self, llm_string: str, create: bool) -> _Shelf | None:
        key = (self.namespace, llm_string)
        shelves = self._shared["shelves"]
        if key not in shelves and create:
            shelves[key] = _Shelf(index=self._new_index(self.embed(["probe"]).shape[1]))
        return shelves.get(key)

    def __len__(self) -> int:
        with self._lock:
            return sum(s.live for (ns, _), s in self._shared["shelves"].items()
                       if ns == self.namespace)

    def _nearest(self, prompt: str, llm_string: str, vector: np.ndarray | None = None,
                 floor: float = -1.0) -> tuple[float, str | None]:
        q = self._query(prompt, vector)
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
        shelf.index.remove([i])

    def _write(self, prompts: Sequence[str], llm_string: str, values: Sequence[str],
               vectors: np.ndarray) -> int:
        now = time.time()
        with self._lock:
            shelf = self._shelf(llm_string, create=True)
            shelf.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            shelf.values.extend(values)
            shelf.created.extend([now] * len(values))
            shelf.used.extend([now] * len(values))
            shelf.live += len(values)
            if self.max_entries is not None and shelf.live > self.max_entries:
                live = sorted((i for i, x in enumerate(shelf.values) if x is not None),
                              key=lambda i: shelf.used[i])
                for i in live[: shelf.live - self.max_entries]:
                    self._drop(shelf, i)
                    self._count("evictions")
        return len(values)

    def _clear(self) -> None:
        with self._lock:
            for key in [k for k in self._shared["shelves"] if k[0] == self.namespace]:
                del self._shared["shelves"][key]
