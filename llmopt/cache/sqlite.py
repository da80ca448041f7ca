"""Exact cache in a SQLite file: TTL, a size limit with least-recently-used eviction, tenants.

A file that is not a readable cache (corrupt, wrong schema) is moved aside to `<name>.corrupt-N`
with a warning and a fresh one is built; it is never served from. Without a path the file is
`<results folder>/response_cache.sqlite` (`default_path`): the pilot's results folder.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from pathlib import Path

from llmopt.cache.base import ResponseCache, exact_key
from llmopt.settings import get_settings

FILE_NAME = "response_cache.sqlite"

_SCHEMA = ("CREATE TABLE IF NOT EXISTS llmopt_cache (key TEXT PRIMARY KEY, namespace TEXT NOT NULL,"
           " value TEXT NOT NULL, created REAL NOT NULL, used REAL NOT NULL)")


def default_path(results_dir: str | Path | None = None) -> Path:
    """`<results_dir>/response_cache.sqlite`; the pilot's results folder (LLMOPT_RESULTS_DIR) when
    no folder is given."""
    return Path(get_settings().results_dir if results_dir is None else results_dir) / FILE_NAME


class CacheFileWarning(UserWarning):
    """A cache file was unreadable and has been set aside."""


class SqliteCache(ResponseCache):
    """Exact-match response cache in one SQLite file (shared by every tenant, keyed apart)."""

    def __init__(self, path: str | Path | None = None, namespace: str = "default", *,
                 ttl_s: float | None = None, max_entries: int | None = None,
                 cache_sampled: bool = False, _shared: _Store | None = None) -> None:
        super().__init__(namespace, ttl_s=ttl_s, max_entries=max_entries,
                         cache_sampled=cache_sampled)
        self.path = default_path() if path is None else Path(path)
        self._store = _shared or _Store(self.path)

    def for_namespace(self, namespace: str) -> SqliteCache:
        """The same file seen as another tenant."""
        return SqliteCache(self.path, namespace, ttl_s=self.ttl_s, max_entries=self.max_entries,
                           cache_sampled=self.cache_sampled, _shared=self._store)

    def __len__(self) -> int:
        return self._store.count(self.namespace)

    def _get(self, prompt: str, llm_string: str) -> str | None:
        key = exact_key(self.namespace, prompt, llm_string)
        now = time.time()
        row = self._store.get(key, now)
        if row is None:
            return None
        value, created = row
        if self.ttl_s is not None and now - created > self.ttl_s:
            self._store.delete(key)
            return None
        return value

    def _put(self, prompt: str, llm_string: str, value: str) -> bool:
        key = exact_key(self.namespace, prompt, llm_string)
        evicted = self._store.put(key, self.namespace, value, time.time(), self.max_entries)
        if evicted:
            self._count("evictions", evicted)
        return True

    def _clear(self) -> None:
        self._store.clear(self.namespace)


class _Store:
    """One SQLite file, one connection, one lock (SQLite serialises writers anyway)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            n = 0
            while (aside := self.path.with_name(f"{self.path.name}.corrupt-{n}")).exists():
                n += 1
            self.path.rename(aside)
            warnings.warn(f"cache file {self.path} is unreadable ({exc}); set aside as {aside} "
                          "and rebuilt empty", CacheFileWarning, stacklevel=4)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per hit
            conn.execute(_SCHEMA)
            conn.execute("CREATE INDEX IF NOT EXISTS llmopt_cache_used ON llmopt_cache"
                         " (namespace, used)")
            conn.execute("SELECT key, namespace, value, created, used FROM llmopt_cache LIMIT 1")
            conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def get(self, key: str, now: float) -> tuple[str, float] | None:
        with self.lock:
            row = self.conn.execute("SELECT value, created FROM llmopt_cache WHERE key=?",
                                    (key,)).fetchone()
            if row is not None:
                self.conn.execute("UPDATE llmopt_cache SET used=? WHERE key=?", (now, key))
        return row

    def put(self, key: str, ns: str, value: str, now: float, max_entries: int | None) -> int:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO llmopt_cache VALUES (?,?,?,?,?)",
                              (key, ns, value, now, now))
            if max_entries is None:
                return 0
            over = self.conn.execute("SELECT COUNT(*) FROM llmopt_cache WHERE namespace=?",
                                     (ns,)).fetchone()[0] - max_entries
            if over <= 0:
                return 0
            self.conn.execute("DELETE FROM llmopt_cache WHERE key IN (SELECT key FROM llmopt_cache"
                              " WHERE namespace=? ORDER BY used ASC LIMIT ?)", (ns, over))
            return over

    def delete(self, key: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM llmopt_cache WHERE key=?", (key,))

    def clear(self, ns: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM llmopt_cache WHERE namespace=?", (ns,))

    def count(self, ns: str) -> int:
        with self.lock:
            return self.conn.execute("SELECT COUNT(*) FROM llmopt_cache WHERE namespace=?",
                                     (ns,)).fetchone()[0]
