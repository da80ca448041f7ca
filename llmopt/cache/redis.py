"""Exact cache in Redis, shared by a team: TTL via Redis expiry, a per-tenant size limit with
least-recently-used eviction (a sorted set of last use), tenants under their own key prefix.

A Redis that goes away mid-run degrades to no cache: lookups answer a miss, writes are dropped,
and each is counted in `stats.degraded`; the caller never sees an error.
"""

from __future__ import annotations

import time
from typing import Any

from llmopt.cache.base import ResponseCache, exact_key
from llmopt.errors import ConfigError

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
        super().__init__(namespace, cache_sampled=cache_sampled)
        if ttl_s is not None and ttl_s <= 0:
            raise ConfigError(f"ttl_s={ttl_s!r} is not valid; use a positive number or None")
        if max_entries is not None and max_entries < 1:
            raise ConfigError(f"max_entries={max_entries!r} is not valid; use >= 1 or None")
        import redis

        self.url = url
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.prefix = prefix
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
        self.client = client or redis.Redis.from_url(url, socket_timeout=2,
                                                     socket_connect_timeout=2)
        self._get_and_touch = self.client.register_script(_GET_AND_TOUCH)

    def for_namespace(self, namespace: str) -> RedisCache:
        """The same Redis seen as another tenant."""
        return RedisCache(self.url, namespace, ttl_s=self.ttl_s, max_entries=self.max_entries,
                          cache_sampled=self.cache_sampled, prefix=self.prefix,
                          client=self.client)

    def _key(self, prompt: str, llm_string: str) -> str:
        return f"{self.prefix}:{self.namespace}:{exact_key(self.namespace, prompt, llm_string)}"

    @property
    def _lru(self) -> str:
        return f"{self.prefix}:{self.namespace}:__lru__"

    def __len__(self) -> int:
        try:
            return int(self.client.zcard(self._lru))
        except self._errors:
            self._count("degraded")
            return 0

    def _get(self, prompt: str, llm_string: str) -> str | None:
        key = self._key(prompt, llm_string)
        try:
            raw = self._get_and_touch(keys=[key, self._lru], args=[time.time()])
        except self._errors:
            self._count("degraded")
            return None
        return raw.decode() if isinstance(raw, bytes) else raw

    def _put(self, prompt: str, llm_string: str, value: str) -> None:
        key = self._key(prompt, llm_string)
        ttl_ms = int(self.ttl_s * 1000) if self.ttl_s is not None else None
        try:
            pipe = self.client.pipeline()
            pipe.set(key, value, px=ttl_ms)
            pipe.zadd(self._lru, {key: time.time()})
            pipe.execute()
            if self.max_entries is not None:
                self._evict()
        except self._errors:
            self._count("degraded")

    def _evict(self) -> None:
        over = int(self.client.zcard(self._lru)) - self.max_entries
        if over <= 0:
            return
        old = self.client.zpopmin(self._lru, over)
        keys = [k for k, _ in old]
        if keys:
            self.client.delete(*keys)
            self._count("evictions", len(keys))

    def _clear(self) -> None:
        try:
            keys = list(self.client.scan_iter(match=f"{self.prefix}:{self.namespace}:*"))
            if keys:
                self.client.delete(*keys)
        except self._errors:
            self._count("degraded")
