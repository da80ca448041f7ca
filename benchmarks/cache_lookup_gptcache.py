"""GPTCache's side of benchmarks/cache_lookup.py, run in GPTCache's own environment (it does not
share one with llmopt's pins):

    python3 -m venv ~/.cache/llmopt/venvs/bench-gptcache
    ~/.cache/llmopt/venvs/bench-gptcache/bin/pip install gptcache faiss-cpu numpy sqlalchemy

cache_lookup.py starts it as `PYTHON cache_lookup_gptcache.py VECTORS.npy QUERIES.npy PICKS.npy`;
it fills the cache and prints one JSON line ({"mem", "fill_s", "version"}), then answers each
line "go" on its standard input with one pass of lookups ({"p50", "p99", "right": the share
answered with the query's source}), so that its passes
interleave with the other caches' passes in time. The entries are the given vectors (no ONNX
model download): a lookup is GPTCache's whole `get` path (embedding function = a dict look-up
of the query vector, FAISS search, SQLite scalar fetch, similarity evaluation).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    vecs, queries, picks = (np.load(a) for a in sys.argv[1:4])
    import faiss
    from gptcache import Cache, Config
    from gptcache.adapter.api import get
    from gptcache.manager import CacheBase, VectorBase, get_data_manager
    from gptcache.manager.scalar_data.base import Answer, DataType
    from gptcache.processor.pre import get_prompt
    from gptcache.similarity_evaluation.distance import SearchDistanceEvaluation

    faiss.omp_set_num_threads(1)
    by_text = {f"query {i}": q for i, q in enumerate(queries)}
    # GPTCache commits to SQLite on every lookup (hit report); on tmpfs that costs no fsync,
    # which favours GPTCache over a disk file.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    folder = tempfile.mkdtemp(prefix="gptcache-bench-", dir=shm)
    atexit.register(shutil.rmtree, folder, True)   # runs after GPTCache's own exit flush
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    n = len(vecs)
    manager = get_data_manager(     # max_size: its default (1,000) would evict all but 1,000
        CacheBase("sqlite", sql_url=f"sqlite:///{folder}/gptcache.db"),
        VectorBase("faiss", dimension=vecs.shape[1], index_path=f"{folder}/faiss.index"),
        max_size=n + 1)
    cache = Cache()
    cache.init(pre_embedding_func=get_prompt, embedding_func=lambda text, **_: by_text[text],
               data_manager=manager, similarity_evaluation=SearchDistanceEvaluation(),
               config=Config(similarity_threshold=0.5))
    for lo in range(0, n, 10_000):
        hi = min(lo + 10_000, n)
        manager.import_data([f"request {i}" for i in range(lo, hi)],
                            [Answer(f"answer {i}", DataType.STR) for i in range(lo, hi)],
                            list(vecs[lo:hi]), [None] * (hi - lo))
    mem, fill = rss_mb() - before, time.perf_counter() - start
    import gptcache

    print(json.dumps({"mem": mem, "fill_s": fill, "version": gptcache.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        times, right = [], 0
        for i in range(len(queries)):
            t = time.perf_counter()
            got = get(f"query {i}", cache_obj=cache)
            times.append(time.perf_counter() - t)
            right += got == f"answer {picks[i]}"
        us = np.asarray(times) * 1e6
        print(json.dumps({"p50": float(np.percentile(us, 50)), "p99": float(np.percentile(us, 99)),
                          "right": right / len(queries)}), flush=True)


if __name__ == "__main__":
    main()
