"""Exact cache in a SQLite file: TTL, a size limit with least-recently-used eviction, tenants.

Only a file that is corrupt (SQLite says it is not a database or is malformed, its quick check
fails, or it holds an llmopt_cache table of another layout) is moved aside, to
`<name>.corrupt-N`, with a warning, and a fresh one built; it is never served from. A path that
is a folder or another application's database is refused (ConfigError) and left as it is. A
file another process keeps locked is never set aside: opening it raises CacheError; a lookup or
write that finds it locked (after waiting BUSY_TIMEOUT_S) counts as degraded, a miss or a
dropped write, as when Redis is away. Without a path the file is
`<results folder>/response_cache.sqlite` (`default_path`): the pilot's results folder.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from llmopt.cache.base import ResponseCache, exact_key
from llmopt.errors import CacheError, ConfigError
from llmopt.settings import get_settings

FILE_NAME = "response_cache.sqlite"
BUSY_TIMEOUT_S = 5.0
"""How long an operation waits for another process's lock before it gives up (degraded)."""
_OURS = {"llmopt_cache"}
_CORRUPT = ("not a database", "malformed", "no such column")

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

    def _degraded(self) -> None:
        self._count("degraded")

    def _get(self, prompt: str, llm_string: str) -> str | None:
        key = exact_key(self.namespace, prompt, llm_string)
        now = time.time()
        row = self._store.get(key, now, self._degraded)
        if row is None:
            return None
        value, created = row
        if self.ttl_s is not None and now - created > self.ttl_s:
            self._store.delete(key, self._degraded)
            return None
        return value

    def _put(self, prompt: str, llm_string: str, value: str) -> bool:
        key = exact_key(self.namespace, prompt, llm_string)
        evicted = self._store.put(key, self.namespace, value, time.time(), self.max_entries,
                                  self._degraded)
        if evicted:
            self._count("evictions", evicted)
        return evicted is not None

    def _clear(self) -> None:
        self._store.clear(self.namespace)


class _Store:
    """One SQLite file, one connection, one lock (SQLite serialises writers anyway)."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise ConfigError(f"cache path {path} is a folder; give a file, e.g. "
                              f"{path / FILE_NAME}")
        self.path = path
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise CacheError(f"cache file {self.path} is locked by another process (waited "
                                 f"{BUSY_TIMEOUT_S:g} s); it was left as it is") from exc
            if not any(sign in str(exc) for sign in _CORRUPT):
                raise
            n = 0
            while (aside := self.path.with_name(f"{self.path.name}.corrupt-{n}")).exists():
                n += 1
            self.path.rename(aside)
            warnings.warn(f"cache file {self.path} is corrupt ({exc}); set aside as {aside} "
                          "and rebuilt empty", CacheFileWarning, stacklevel=4)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=BUSY_TIMEOUT_S)
        try:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if tables - _OURS:
                raise ConfigError(f"{self.path} is another application's database (tables "
                                  f"{sorted(tables)}); give the cache a file of its own")
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise sqlite3.DatabaseError("database disk image is malformed (quick_check)")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per hit
            conn.execute(_SCHEMA)
            conn.execute("CREATE INDEX IF NOT EXISTS llmopt_cache_used ON llmopt_cache"
                         " (namespace, used)")
            conn.execute("SELECT key, namespace, value, created, used FROM llmopt_cache LIMIT 1")
        except (sqlite3.DatabaseError, ConfigError):
            conn.close()
            raise
        return conn

    def get(self, key: str, now: float, degraded: Callable[[], None]
            ) -> tuple[str, float] | None:
        """The entry (its last use touched), or None; a lock counts as degraded: a miss, or a
        hit whose last use stays as it was."""
        row = None
        with self.lock:
            with _past_locks(degraded):
                row = self.conn.execute("SELECT value, created FROM llmopt_cache WHERE key=?",
                                        (key,)).fetchone()
            if row is not None:
                with _past_locks(degraded):
                    self.conn.execute("UPDATE llmopt_cache SET used=? WHERE key=?", (now, key))
        return row

    def put(self, key: str, ns: str, value: str, now: float, max_entries: int | None,
            degraded: Callable[[], None]) -> int | None:
        """Entries evicted to make room; None when a lock dropped the write (degraded)."""
        evicted = None
        with self.lock, _past_locks(degraded):
            evicted = self._put(key, ns, value, now, max_entries)
        return evicted

    def _put(self, key: str, ns: str, value: str, now: float, max_entries: int | None) -> int:
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

    def delete(self, key: str, degraded: Callable[[], None]) -> None:
        with self.lock, _past_locks(degraded):
            self.conn.execute("DELETE FROM llmopt_cache WHERE key=?", (key,))

    def clear(self, ns: str) -> None:
        with self.lock:
            try:
                self.conn.execute("DELETE FROM llmopt_cache WHERE namespace=?", (ns,))
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                raise CacheError(f"cache file {self.path} is locked by another process; "
                                 f"tenant {ns!r} was not cleared") from exc

    def count(self, ns: str) -> int:
        with self.lock:
            return self.conn.execute("SELECT COUNT(*) FROM llmopt_cache WHERE namespace=?",
                                     (ns,)).fetchone()[0]


def _busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "busy": another process holds the file."""
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in str(exc) for word in ("locked", "busy"))


@contextlib.contextmanager
def _past_locks(degraded: Callable[[], None]) -> Iterator[None]:
    """Runs the block; a lock held by another process ends it as degraded, not as an error."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not _busy(exc):
            raise
        degraded()
