"""Exact cache in Redis, shared by a team: TTL via Redis expiry, a per-tenant size limit with
least-recently-used eviction (a sorted set of last use), tenants under their own key prefix.

A Redis that goes away mid-run degrades to no cache: lookups answer a miss, writes are dropped
(and not counted as writes), and each is counted in `stats.degraded`; the caller never sees an
error.
"""

from __future__ import annotations

import time
from typing import Any

from llmopt.cache.base import ResponseCache, exact_key
from llmopt.cache.redis_store import RedisStore

# KEYS: entry, lru. ARGV: now. -> the entry's value (nil on a miss), its last use set on a hit:
# one round trip per lookup (a GET then a ZADD took two).
_GET_AND_TOUCH = """
local value = redis.call('GET', KEYS[1])
if value then redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1]) end
return value
"""


class RedisCache(ResponseCache):
    """Exact-match response cache in Redis (`url` like redis://127.0.0.1:6379/0)."""

    def __init__(self, url: str, namespace: str = "default", *, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False,
                 prefix: str = "llmopt:cache", client: Any = None) -> None:
        super().__init__(namespace, ttl_s=ttl_s, max_entries=max_entries,
                         cache_sampled=cache_sampled)
        self.store = RedisStore(url, prefix, client)
        self._get_and_touch = self.store.client.register_script(_GET_AND_TOUCH)

    def for_namespace(self, namespace: str) -> RedisCache:
        """The same Redis seen as another tenant."""
        return RedisCache(self.store.url, namespace, ttl_s=self.ttl_s,
                          max_entries=self.max_entries, cache_sampled=self.cache_sampled,
                          prefix=self.store.prefix, client=self.store.client)

    def _key(self, prompt: str, llm_string: str) -> str:
        return self.store.key(self.namespace, exact_key(self.namespace, prompt, llm_string))

    def __len__(self) -> int:
        return self.store.size(self.namespace, lambda: self._count("degraded"))

    def _get(self, prompt: str, llm_string: str) -> str | None:
        key = self._key(prompt, llm_string)
        try:
            raw = self._get_and_touch(keys=[key, self.store.lru(self.namespace)],
                                      args=[time.time()])
        except self.store.errors:
            self._count("degraded")
            return None
        return raw.decode() if isinstance(raw, bytes) else raw

    def _put(self, prompt: str, llm_string: str, value: str) -> bool:
        key, lru = self._key(prompt, llm_string), self.store.lru(self.namespace)
        ttl_ms = int(self.ttl_s * 1000) if self.ttl_s is not None else None
        try:
            pipe = self.store.client.pipeline()
            pipe.set(key, value, px=ttl_ms)
            pipe.zadd(lru, {key: time.time()})
            pipe.execute()
            if self.max_entries is not None:
                self._evict(lru)
        except self.store.errors:
            self._count("degraded")
            return False
        return True

    def _evict(self, lru: str) -> None:
        over = int(self.store.client.zcard(lru)) - self.max_entries
        if over <= 0:
            return
        keys = [k for k, _ in self.store.client.zpopmin(lru, over)]
        if keys:
            self.store.client.delete(*keys)
            self._count("evictions", len(keys))

    def _clear(self) -> None:
        try:
            keys = list(self.store.keys(self.namespace))
            if keys:
                self.store.client.delete(*keys)
        except self.store.errors:
            self._count("degraded")
