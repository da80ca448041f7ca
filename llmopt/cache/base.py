"""Response cache base: what every backend shares (key, sampling bypass, counters, values).

A cache is a LangChain `BaseCache` (so `set_llm_cache(cache)` or `ChatOpenAI(cache=cache)` takes
it) and is usable directly: `cache.get(prompt, llm_string)` / `cache.put(prompt, llm_string, text)`.

The key holds the prompt, the model and the generation parameters (LangChain's `llm_string`
carries both) and the namespace (tenant). A request sampled at temperature above 0 bypasses the
cache unless `cache_sampled=True`: a sampled answer is one draw, not *the* answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation

from llmopt.errors import ConfigError

MAX_NAMESPACE = 128
_TEMPERATURE = re.compile(r"""['"]?temperature['"]?\s*[:=,]\s*([-+0-9.eE]+)""")


@dataclass
class CacheStats:
    """Counters a cache keeps: hits, misses, bypassed (sampled) lookups, degraded operations
    (backend unavailable: answered as a miss / dropped write, never raised)."""

    hits: int = 0
    misses: int = 0
    bypassed: int = 0
    degraded: int = 0
    writes: int = 0
    evictions: int = 0

    @property
    def hit_rate(self) -> float:
        looked = self.hits + self.misses
        return self.hits / looked if looked else 0.0


def temperature_of(llm_string: str) -> float | None:
    """The sampling temperature written in a LangChain `llm_string`, or None when absent."""
    m = _TEMPERATURE.search(llm_string)
    if not m:
        return None
    try:
        return float(m.group(1))
    except ValueError:
        return None


def exact_key(namespace: str, prompt: str, llm_string: str) -> str:
    """Stable digest of (namespace, prompt, model + generation parameters)."""
    raw = json.dumps([namespace, prompt, llm_string], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def dump_generations(gens: Sequence[Generation]) -> str:
    """JSON for a list of generations (chat generations keep their message)."""
    out = []
    for g in gens:
        if isinstance(g, ChatGeneration):
            out.append({"kind": "chat", "message": message_to_dict(g.message),
                        "info": g.generation_info})
        else:
            out.append({"kind": "text", "text": g.text, "info": g.generation_info})
    return json.dumps(out)


def load_generations(raw: str | bytes) -> list[Generation]:
    """Inverse of `dump_generations`."""
    items = json.loads(raw)
    gens: list[Generation] = []
    for it in items:
        if it["kind"] == "chat":
            msg = messages_from_dict([it["message"]])[0]
            gens.append(ChatGeneration(message=msg, generation_info=it.get("info")))
        else:
            gens.append(Generation(text=it["text"], generation_info=it.get("info")))
    return gens


NAMESPACE_RULE = (f"1 to {MAX_NAMESPACE} characters, none of them ':' (the key separator) or a "
                  "control character (NUL, newline, ...)")
"""The one rule for a tenant's name, on every backend (docs/caches.md). Glob characters
(`*`, `?`, `[`, `]`, `\\`) are allowed: the Redis caches escape them in every key pattern."""


def check_namespace(namespace: str) -> str:
    """`namespace` when it follows NAMESPACE_RULE, else a ConfigError that shows it."""
    if (isinstance(namespace, str) and 1 <= len(namespace) <= MAX_NAMESPACE
            and ":" not in namespace
            and not any(unicodedata.category(c) == "Cc" for c in namespace)):
        return namespace
    shown = repr(namespace) if len(str(namespace)) <= 60 else (
        f"{str(namespace)[:40]!r}... ({len(namespace)} characters)")
    raise ConfigError(f"cache namespace (tenant) {shown} is not valid: a tenant name is "
                      f"{NAMESPACE_RULE}")


class ResponseCache(BaseCache):
    """Base: namespace, sampling bypass, TTL and size limit, counters; backends implement `_get`,
    `_put` (True when the answer was stored) and `_clear`.

    `for_namespace(name)` returns a view of the same store for another tenant.
    """

    def __init__(self, namespace: str = "default", *, ttl_s: float | None = None,
                 max_entries: int | None = None, cache_sampled: bool = False) -> None:
        if ttl_s is not None and not ttl_s > 0:
            raise ConfigError(f"ttl_s={ttl_s!r} is not valid; use a positive number or None")
        if max_entries is not None and max_entries < 1:
            raise ConfigError(f"max_entries={max_entries!r} is not valid; use >= 1 or None")
        self.namespace = check_namespace(namespace)
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.cache_sampled = cache_sampled
        self.stats = CacheStats()
        self._stats_lock = threading.Lock()

    # -- counters -------------------------------------------------------------------------
    def _count(self, field: str, n: int = 1) -> None:
        with self._stats_lock:
            setattr(self.stats, field, getattr(self.stats, field) + n)

    def _bypass(self, llm_string: str) -> bool:
        t = temperature_of(llm_string)
        return (not self.cache_sampled) and t is not None and t > 0

    # -- LangChain BaseCache --------------------------------------------------------------
    def lookup(self, prompt: str, llm_string: str) -> list[Generation] | None:
        if self._bypass(llm_string):
            self._count("bypassed")
            return None
        raw = self._get(prompt, llm_string)
        if raw is None:
            self._count("misses")
            return None
        self._count("hits")
        return load_generations(raw)

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        if self._bypass(llm_string):
            return
        if self._put(prompt, llm_string, dump_generations(return_val)):
            self._count("writes")

    def clear(self, **kwargs: Any) -> None:
        self._clear()

    # -- direct use -----------------------------------------------------------------------
    def get(self, prompt: str, llm_string: str = "") -> str | None:
        """The cached answer text for this prompt, or None."""
        gens = self.lookup(prompt, llm_string)
        return gens[0].text if gens else None

    def put(self, prompt: str, llm_string: str, text: str) -> None:
        """Store an answer text for this prompt."""
        self.update(prompt, llm_string, [Generation(text=text)])

    # -- backend --------------------------------------------------------------------------
    def _get(self, prompt: str, llm_string: str) -> str | None:
        raise NotImplementedError

    def _put(self, prompt: str, llm_string: str, value: str) -> bool:
        """Store `value`; False when it could not be (a backend away: counted as degraded)."""
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError
