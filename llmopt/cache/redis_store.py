"""What the two Redis caches share: one connection, the errors that mean Redis is away, and each
tenant's keys under `{prefix}:{namespace}:`, with the last-use set the size limit evicts by.

A tenant's keys are matched with its prefix escaped for SCAN's glob, so a tenant named `*` or
`a?` clears its own entries and nobody else's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

_GLOB = re.compile(r"([*?\[\]\\])")


class RedisStore:
    """A Redis connection (`url` like redis://127.0.0.1:6379/0; or an injected `client`) and
    the key layout of one cache family (`prefix`)."""

    def __init__(self, url: str, prefix: str, client: Any = None) -> None:
        import redis

        self.url = url
        self.prefix = prefix
        self.errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
        """What a Redis that went away raises: a cache degrades to no cache on these."""
        self.client = client or redis.Redis.from_url(url, socket_timeout=2,
                                                     socket_connect_timeout=2)

    def key(self, namespace: str, name: str) -> str:
        return f"{self.prefix}:{namespace}:{name}"

    def lru(self, namespace: str) -> str:
        """The tenant's sorted set of last use per entry."""
        return self.key(namespace, "__lru__")

    def keys(self, namespace: str) -> Iterator[bytes]:
        """Every key of the tenant (and only of it)."""
        pattern = _GLOB.sub(r"\\\1", f"{self.prefix}:{namespace}:") + "*"
        return self.client.scan_iter(match=pattern)

    def size(self, namespace: str, degraded: Callable[[], None]) -> int:
        """The tenant's entries; 0 (and `degraded()` called) while Redis is away."""
        try:
            return int(self.client.zcard(self.lru(namespace)))
        except self.errors:
            degraded()
            return 0
