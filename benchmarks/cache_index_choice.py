"""How the semantic caches' approximate index was chosen: FAISS HNSW against IVF (float16 codes),
recall of the exact nearest neighbour and p50 lookup at one size, over `nprobe` / `efSearch`.

    .venv/bin/python benchmarks/cache_index_choice.py [--size 100000] [--similarity 0.9]

Entries are random unit vectors of MiniLM's 384 dimensions (isotropic: the hard case); each of
400 queries is a stored vector moved to cosine `--similarity`, so its exact nearest neighbour is
its source. One thread per query, as a cache looks up one request at a time. llmopt.cache.index
uses IVF with 4·√n cells and nprobe 64 (docs/benchmarks/cache-lookup.md has the runs).
"""

from __future__ import annotations

import argparse
import math
import time

import faiss
import numpy as np

DIM, QUERIES = 384, 400


def recall_p50(index: faiss.Index, queries: np.ndarray, picks: np.ndarray) -> tuple[float, float]:
    hits, times = 0, []
    for i in range(len(queries)):
        t = time.perf_counter()
        _, ids = index.search(queries[i : i + 1], 1)
        times.append(time.perf_counter() - t)
        hits += ids[0][0] == picks[i]
    return hits / len(queries), float(np.percentile(times, 50) * 1e6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--similarity", type=float, default=0.9)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((args.size, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    picks = rng.integers(0, args.size, QUERIES)
    noise = rng.standard_normal((QUERIES, DIM)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    queries = vecs[picks] + math.sqrt(1 / args.similarity**2 - 1) * noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    print(f"{args.size} entries, queries at cosine {args.similarity} to their source")
    for m in (16, 32):
        hnsw = faiss.IndexHNSWSQ(DIM, faiss.ScalarQuantizer.QT_fp16, m, faiss.METRIC_INNER_PRODUCT)
        start = time.perf_counter()
        hnsw.train(vecs[:10_000])
        hnsw.add(vecs)
        build = time.perf_counter() - start
        faiss.omp_set_num_threads(1)
        for ef in (64, 128):
            hnsw.hnsw.efSearch = ef
            recall, p50 = recall_p50(hnsw, queries, picks)
            print(f"HNSW M={m} efSearch={ef}: recall {recall:.3f}, p50 {p50:.0f} us, "
                  f"build {build:.0f} s")
        faiss.omp_set_num_threads(0)
    nlist = max(64, 2 ** round(math.log2(4 * math.sqrt(args.size))))
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(DIM), DIM, nlist,
                                        faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    ivf.by_residual = False
    start = time.perf_counter()
    ivf.train(vecs[rng.choice(args.size, min(args.size, 40 * nlist), replace=False)])
    ivf.add(vecs)
    build = time.perf_counter() - start
    faiss.omp_set_num_threads(1)
    for nprobe in (16, 32, 64, 128, 256):
        ivf.nprobe = nprobe
        recall, p50 = recall_p50(ivf, queries, picks)
        print(f"IVF {nlist} cells nprobe={nprobe}: recall {recall:.3f}, p50 {p50:.0f} us, "
              f"build {build:.0f} s")


if __name__ == "__main__":
    main()
