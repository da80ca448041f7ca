"""Response-cache lookup latency (p50/p99) and memory at 10k and 100k entries: llmopt's exact
SQLite cache and its MiniLM + FAISS semantic cache, side by side with redisvl's SemanticCache
when the local redis-server can serve it (it needs the RediSearch module).

    .venv/bin/python benchmarks/cache_lookup.py [--sizes 10000 100000] [--lookups 2000]

Semantic entries are filled with stored vectors (random unit vectors, MiniLM's 384 dimensions),
so the index lookup is timed apart from embedding the query; the MiniLM query embedding time is
printed once, separately (every semantic cache pays it, whichever index it uses).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from llmopt.cache import FaissSemanticCache, SqliteCache

LLM = '{"model": "demo-large", "temperature": 0.0}'
DIM = 384


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1e6, q))


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def bench_exact(n: int, lookups: int, folder: Path) -> dict:
    gc.collect()
    before = rss_mb()
    c = SqliteCache(folder / f"exact-{n}.db")
    for i in range(n):
        c.put(f"request {i}", LLM, f"answer {i}")
    mem = rss_mb() - before
    disk = (folder / f"exact-{n}.db").stat().st_size / 2**20
    rng = np.random.default_rng(0)
    times = []
    for i in rng.integers(0, n, lookups):
        t = time.perf_counter()
        c.get(f"request {i}", LLM)
        times.append(time.perf_counter() - t)
    return {"name": "llmopt exact (SQLite)", "p50": pct(times, 50), "p99": pct(times, 99),
            "mem": mem, "note": f"file {disk:.1f} MiB"}


def bench_semantic(n: int, lookups: int) -> dict:
    gc.collect()
    before = rss_mb()
    c = FaissSemanticCache(embedder=lambda texts: unit(np.random.default_rng(1), len(texts)))
    rng = np.random.default_rng(0)
    vecs = unit(rng, n)
    c.put_many([f"request {i}" for i in range(n)], LLM, [f"answer {i}" for i in range(n)], vecs)
    mem = rss_mb() - before
    queries = vecs[rng.integers(0, n, lookups)] + 0.01 * unit(rng, lookups)
    times = []
    for q in queries:
        t = time.perf_counter()
        c.nearest("", LLM, vector=q[None, :].astype(np.float32))
        times.append(time.perf_counter() - t)
    return {"name": "llmopt semantic (FAISS flat)", "p50": pct(times, 50), "p99": pct(times, 99),
            "mem": mem, "note": "index search, query vector given"}


def redisvl_reason() -> str | None:
    """Why redisvl's SemanticCache cannot run here, or None when it can."""
    if shutil.which("redis-server") is None:
        return "redis-server not installed"
    import subprocess

    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    version = out.split("v=")[1].split()[0] if "v=" in out else "?"
    if int(version.split(".")[0]) < 8 and not Path("/usr/lib/redis/modules").exists():
        return (f"local redis-server {version} has no RediSearch module (FT.CREATE), which "
                "redisvl's SemanticCache needs; Redis 8 or redis-stack provides it")
    return None


def minilm_query_us(k: int = 50) -> float:
    from llmopt.cache import minilm_embedder

    embed = minilm_embedder()
    embed(["warm up"])
    times = []
    for i in range(k):
        t = time.perf_counter()
        embed([f"Where is my order #{100000 + i}? It was delivered 3 days ago."])
        times.append(time.perf_counter() - t)
    return pct(times, 50)


def main() -> None:
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time: threads only add start-up cost
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--lookups", type=int, default=2000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="llmopt-cache-bench-"))
    try:
        rows = []
        for n in args.sizes:
            rows.append((n, bench_exact(n, args.lookups, folder)))
            rows.append((n, bench_semantic(n, args.lookups)))
        print(f"{'entries':>8}  {'cache':<30} {'p50 us':>9} {'p99 us':>9} {'mem MiB':>8}  note")
        for n, r in rows:
            print(f"{n:>8}  {r['name']:<30} {r['p50']:>9.1f} {r['p99']:>9.1f} {r['mem']:>8.1f}  "
                  f"{r['note']}")
        for n in args.sizes:
            e, s = (r for m, r in rows if m == n)
            print(f"{n:>8}  semantic/exact p50 ratio: {s['p50'] / e['p50']:.1f}x")
        print(f"MiniLM query embedding p50: {minilm_query_us():.0f} us (paid by any semantic "
              "cache on every lookup)")
        reason = redisvl_reason()
        print(f"redisvl SemanticCache: {'not run: ' + reason if reason else 'available'}")
        print("GPTCache: not run (not installed; see the closing note of issue 12)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
