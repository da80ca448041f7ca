"""`VectorIndex`: the nearest-neighbour search behind the semantic caches, exact while small and
approximate once a flat scan costs more than a lookup is worth.

Below `approximate_above` rows it scans every vector (float16 copies: a lookup reads half the
bytes of float32, and a cosine between unit vectors moves by less than 5e-4). Above, it is an
inverted-file index (FAISS IVF, float16 codes): k-means cells, `nlist` = 4·√n rounded to a
power of two, a query scanning its `nprobe` nearest cells; rebuilt (k-means trained again on the
live vectors) each time it has grown fourfold. Rows keep the ids `add` gave them; `remove` takes
them out of the index itself (no tombstones to skip). A missed neighbour makes a hit a miss,
never a miss a wrong hit: every answer is still judged by its own similarity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from llmopt.errors import ConfigError

APPROXIMATE_ABOVE = 20_000
"""Rows above which the index is approximate (benchmarks/cache_lookup.py measures both)."""
NPROBE = 64
"""Cells a query scans: recall of the exact nearest neighbour >= 0.99 at 10k-1M rows."""
GROWTH = 4
"""An approximate index is rebuilt when it holds this many times the rows it was built on."""


class VectorIndex:
    """Inner-product search over unit vectors of dimension `d` with stable row ids."""

    def __init__(self, d: int, approximate_above: int = APPROXIMATE_ABOVE,
                 nprobe: int = NPROBE) -> None:
        if d < 1 or approximate_above < 0 or nprobe < 1:
            raise ConfigError(f"VectorIndex needs d >= 1, approximate_above >= 0 and nprobe >= "
                              f"1; got {d}, {approximate_above}, {nprobe}")
        self.d, self.approximate_above, self.nprobe = d, approximate_above, nprobe
        self.ntotal = 0
        """Rows ever added: the next row gets this id."""
        self.live = 0
        """Rows in the index now (added, not removed)."""
        self._alive = np.zeros(1024, dtype=bool)  # by id; grown by doubling
        self.built_on = 0
        """Rows the approximate index was trained on (0 while exact)."""
        self._index = _exact(d)

    @property
    def kind(self) -> str:
        return "exact" if self.built_on == 0 else f"ivf{self.nlist},nprobe{self.nprobe}"

    @property
    def nlist(self) -> int:
        return int(self._index.nlist) if self.built_on else 0

    def add(self, vectors: np.ndarray) -> np.ndarray:
        """Add rows (one unit vector each); their ids, in order."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.d)
        ids = np.arange(self.ntotal, self.ntotal + len(vectors), dtype=np.int64)
        self._index.add_with_ids(vectors, ids)
        self.ntotal += len(vectors)
        if self.ntotal > len(self._alive):
            grown = np.zeros(max(self.ntotal, 2 * len(self._alive)), dtype=bool)
            grown[: len(self._alive)] = self._alive
            self._alive = grown
        self._alive[ids] = True
        self.live += len(vectors)
        if (self.built_on == 0 and self.live > self.approximate_above) or (
                self.built_on and self.live >= GROWTH * self.built_on):
            self._rebuild()
        return ids

    def remove(self, ids: Any) -> None:
        """Take rows out of the search (ids that are gone already are ignored)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        ids = np.unique(ids[(ids >= 0) & (ids < self.ntotal)])
        ids = ids[self._alive[ids]]
        if len(ids):
            self._index.remove_ids(ids)
            self._alive[ids] = False
            self.live -= len(ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, ids) of the `k` nearest live rows per query, nearest first; id -1 where
        fewer are found."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.d)
        return self._index.search(queries, max(1, k))

    def _rebuild(self) -> None:
        """Train an IVF index for the live rows and move them into it, with their ids."""
        import faiss

        ids = np.flatnonzero(self._alive[: self.ntotal]).astype(np.int64)
        vectors = self._index.reconstruct_batch(ids)
        nlist = max(1, min(_nlist(len(ids)), len(ids) // 39))  # k-means wants 39 per cell
        sample = np.random.default_rng(0).choice(len(ids), min(len(ids), 40 * nlist),
                                                 replace=False)
        quantizer = faiss.IndexFlatIP(self.d)
        index = faiss.IndexIVFScalarQuantizer(quantizer, self.d, nlist,
                                              faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT)
        index.by_residual = False  # float16 of the vector itself: cosines as exact as the scan
        index.train(vectors[sample])
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
        index.nprobe = self.nprobe
        index.add_with_ids(vectors, ids)
        self._index, self.built_on = index, len(ids)


def _exact(d: int) -> Any:
    import faiss

    flat = faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    return faiss.IndexIDMap2(flat)  # explicit ids: removable, and kept across a rebuild


def _nlist(rows: int) -> int:
    """4·√rows rounded to a power of two (at least 64)."""
    return max(64, 2 ** round(math.log2(4 * math.sqrt(max(rows, 1)))))
