"""Semantic cache shared through plain Redis (no RediSearch needed): the entries live in Redis,
each process searches them with a local FAISS mirror.

Layout under `{prefix}:{namespace}:` (one tenant never reads outside its own prefix):
- `<exact key>`: a hash {a: answer, x: its log id, l: its log}, TTL as Redis expiry;
- `__lru__`: last use per entry (sorted set), the per-tenant size limit evicts its oldest,
  exactly as `RedisCache` does;
- `__log__:<llm digest>`: a stream per model + generation parameters of (entry key, float32
  embedding); evicted entries leave it, expired ones are trimmed from it.

A lookup searches the process's mirror (a `VectorIndex`: exact while small, approximate above
`approximate_above` rows), then makes one round trip (a
script): if the log grew since the mirror last read it, the new rows come back and the search
runs again with them, so a reader sees other writers' entries at once; otherwise the best
candidates are confirmed in Redis (the answer is read there and its last use set), so an entry
another process evicted, expired or cleared is never served from a stale mirror. A mirror that
holds far more rows than its log is read anew. A Redis that goes away degrades to no cache
(`stats.degraded`), never to an error.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmopt.cache.base import exact_key
from llmopt.cache.index import APPROXIMATE_ABOVE
from llmopt.cache.redis_store import RedisStore
from llmopt.cache.semantic import Embedder, SemanticCache, _Shelf

# KEYS: entry, lru, log. ARGV: answer, vector, now, ttl ms (0: none), max entries (0: none).
_PUT = """
local old = redis.call('HGET', KEYS[1], 'x')
local ttl = tonumber(ARGV[4])
local id
if ttl > 0 then
  local t = redis.call('TIME')
  local minid = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - ttl)
  id = redis.call('XADD', KEYS[3], 'MINID', '~', minid, '*', 'k', KEYS[1], 'v', ARGV[2])
else
  id = redis.call('XADD', KEYS[3], '*', 'k', KEYS[1], 'v', ARGV[2])
end
if old then redis.call('XDEL', KEYS[3], old) end
redis.call('HSET', KEYS[1], 'a', ARGV[1], 'x', id, 'l', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
local evicted = 0
local maxn = tonumber(ARGV[5])
if maxn > 0 then
  local over = redis.call('ZCARD', KEYS[2]) - maxn
  if over > 0 then
    local popped = redis.call('ZPOPMIN', KEYS[2], over)
    for i = 1, #popped, 2 do
      local e = redis.call('HMGET', popped[i], 'x', 'l')
      if e[1] then redis.call('XDEL', e[2], e[1]) end
      redis.call('DEL', popped[i])
      evicted = evicted + 1
    end
  end
end
return evicted
"""

# KEYS: lru, log, candidate entries best first. ARGV: now, last log id read, batch size.
# -> {-1, log rows after that id} when the log grew (search again with them); else
#    {position of the first live candidate (1-based; 0: none), its answer, the log's length},
#    the candidate's last use set.
_LOOK = """
local new = redis.call('XRANGE', KEYS[2], '(' .. ARGV[2], '+', 'COUNT', ARGV[3])
if #new > 0 then return {-1, new} end
local n = redis.call('XLEN', KEYS[2])
for i = 3, #KEYS do
  local v = redis.call('HGET', KEYS[i], 'a')
  if v then
    redis.call('ZADD', KEYS[1], ARGV[1], KEYS[i])
    return {i - 2, v, n}
  end
end
return {0, '', n}
"""


@dataclass
class _Mirror(_Shelf):
    """A process's copy of one log: FAISS rows, their entry keys (`values`), the last log id."""

    last_id: tuple[int, int] = (0, 0)


def _stream_id(raw: bytes | str) -> tuple[int, int]:
    ms, seq = (raw.decode() if isinstance(raw, bytes) else raw).split("-")
    return int(ms), int(seq)


class RedisSemanticCache(SemanticCache):
    """Semantic response cache whose entries are shared through Redis (`url` like
    redis://127.0.0.1:6379/0); the nearest-neighbour search runs in a local FAISS mirror."""

    def __init__(self, url: str, namespace: str = "default", *, threshold: float = 0.9,
                 embedder: Embedder | None = None, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False,
                 prefix: str = "llmopt:semcache", client: Any = None,
                 approximate_above: int = APPROXIMATE_ABOVE, _shared: dict | None = None) -> None:
        super().__init__(namespace, threshold=threshold, embedder=embedder, ttl_s=ttl_s,
                         max_entries=max_entries, cache_sampled=cache_sampled,
                         approximate_above=approximate_above)
        self.store = RedisStore(url, prefix, client)
        self._shared = _shared if _shared is not None else {"mirrors": {},
                                                            "lock": threading.RLock()}
        self._put_script = self.store.client.register_script(_PUT)
        self._look_script = self.store.client.register_script(_LOOK)

    def for_namespace(self, namespace: str) -> RedisSemanticCache:
        """The same Redis (and this process's mirrors) seen as another tenant."""
        return RedisSemanticCache(self.store.url, namespace, threshold=self.threshold,
                                  embedder=self.embed, ttl_s=self.ttl_s,
                                  max_entries=self.max_entries,
                                  cache_sampled=self.cache_sampled, prefix=self.store.prefix,
                                  client=self.store.client,
                                  approximate_above=self.approximate_above, _shared=self._shared)

    def __len__(self) -> int:
        return self.store.size(self.namespace, lambda: self._count("degraded"))

    def _log(self, llm_string: str) -> str:
        digest = hashlib.sha256(llm_string.encode()).hexdigest()[:16]
        return self.store.key(self.namespace, f"__log__:{digest}")

    # -- mirror ---------------------------------------------------------------------------
    def _mirror(self, key: tuple[str, str]) -> _Mirror | None:
        with self._shared["lock"]:
            return self._shared["mirrors"].get(key)

    def _trim(self, key: tuple[str, str], mirror: _Mirror, log_length: int) -> None:
        """Drop a mirror that holds far more rows than the log (evicted, expired or cleared
        entries): the next lookup reads the log anew."""
        if mirror.index.ntotal > 2 * log_length + 1024:
            with self._shared["lock"]:
                if self._shared["mirrors"].get(key) is mirror:
                    del self._shared["mirrors"][key]

    def _absorb(self, key: tuple[str, str], start: tuple[int, int], rows: list) -> None:
        """Add log rows ([id, [field, value, ...]], the ones after `start`) newer than what the
        mirror holds; rows that would leave a gap (the mirror was dropped meanwhile) are left
        for the next read."""
        ids = [_stream_id(r[0]) for r in rows]
        fields = [dict(zip(r[1][::2], r[1][1::2], strict=True)) for r in rows]
        vecs = [np.frombuffer(f[b"v"], dtype=np.float32) for f in fields]
        with self._shared["lock"]:
            mirror = self._shared["mirrors"].get(key)
            if (mirror.last_id if mirror is not None else (0, 0)) < start:
                return
            if mirror is None:
                mirror = self._shared["mirrors"][key] = _Mirror(
                    index=self._new_index(len(vecs[0])))
            new = [i for i, sid in enumerate(ids)
                   if sid > mirror.last_id and len(vecs[i]) == mirror.index.d]
            if new:
                mirror.index.add(np.stack([vecs[i] for i in new]))
                mirror.values.extend(fields[i][b"k"].decode() for i in new)
                mirror.live += len(new)
            mirror.last_id = max(mirror.last_id, ids[-1])

    def _candidates(self, mirror: _Mirror | None, q: np.ndarray, floor: float,
                    k: int) -> tuple[list[tuple[float, int, str]], bool]:
        """(similarity, row, entry key) of the k nearest live rows at or above `floor`, and
        whether looking further (a larger k) could find more."""
        if mirror is None or mirror.live == 0:
            return [], False
        with self._shared["lock"]:
            k = min(mirror.index.ntotal, k)
            sims, rows = mirror.index.search(q, k)
            found = [(float(s), int(i), mirror.values[i])
                     for s, i in zip(sims[0], rows[0], strict=True)
                     if i >= 0 and s >= floor and mirror.values[i] is not None]
            return found, k < mirror.index.ntotal and sims[0][-1] >= floor

    def _forget(self, mirror: _Mirror, rows: Sequence[int]) -> None:
        with self._shared["lock"]:
            for i in rows:
                if mirror.values[i] is not None:
                    mirror.values[i] = None
                    mirror.live -= 1
            mirror.index.remove(list(rows))

    def _nearest(self, prompt: str, llm_string: str, vector: np.ndarray | None = None,
                 floor: float = -1.0) -> tuple[float, str | None]:
        """Search the mirror, then in one round trip: read what the log gained since (and search
        again with it), or confirm the best live candidate in Redis."""
        q = self._query(prompt, vector)
        key, log, k = (self.namespace, llm_string), self._log(llm_string), 8
        lru = self.store.lru(self.namespace)
        try:
            while True:
                mirror = self._mirror(key)
                found, more = self._candidates(mirror, q, floor, k)
                last = mirror.last_id if mirror is not None else (0, 0)
                pos, *rest = self._look_script(
                    keys=[lru, log, *(c[2] for c in found)],
                    args=[time.time(), f"{last[0]}-{last[1]}", 10_000])
                if pos == -1:
                    self._absorb(key, last, rest[0])
                    continue
                if mirror is not None:
                    self._forget(mirror, [i for _, i, _ in found[: (pos or len(found) + 1) - 1]])
                    self._trim(key, mirror, rest[1])
                if pos:
                    return found[pos - 1][0], rest[0].decode()
                if not more:
                    return -1.0, None
                k *= 4
        except self.store.errors:
            self._count("degraded")
        return -1.0, None

    # -- writes ---------------------------------------------------------------------------
    def _write(self, prompts: Sequence[str], llm_string: str, values: Sequence[str],
               vectors: np.ndarray) -> int:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ttl_ms = int(self.ttl_s * 1000) if self.ttl_s is not None else 0
        log, lru = self._log(llm_string), self.store.lru(self.namespace)
        written = evicted = 0
        try:
            for lo in range(0, len(prompts), 1000):
                pipe = self.store.client.pipeline(transaction=False)
                batch = range(lo, min(lo + 1000, len(prompts)))
                for i in batch:
                    self._put_script(keys=[self._key(prompts[i], llm_string), lru, log],
                                     args=[values[i], vectors[i].tobytes(), time.time(),
                                           ttl_ms, self.max_entries or 0], client=pipe)
                evicted += sum(pipe.execute())
                written += len(batch)
        except self.store.errors:
            self._count("degraded")
        if evicted:
            self._count("evictions", evicted)
        return written

    def _key(self, prompt: str, llm_string: str) -> str:
        return self.store.key(self.namespace, exact_key(self.namespace, prompt, llm_string))

    def _clear(self) -> None:
        try:
            for key in self.store.keys(self.namespace):
                if b":__log__:" in key:
                    self.store.client.xtrim(key, maxlen=0)  # keeps the log's last id for readers
                else:
                    self.store.client.delete(key)
        except self.store.errors:
            self._count("degraded")
        with self._shared["lock"]:
            for key in [k for k in self._shared["mirrors"] if k[0] == self.namespace]:
                del self._shared["mirrors"][key]
