from __future__ import annotations

import asyncio

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from llmopt.cache import sqlite as sqlite_mod
from llmopt.cache.sqlite import CacheFileWarning, SqliteCache
from llmopt.errors import ConfigError
from tests.unit.cache.conftest import all_at_once

LLM = '{"model": "demo-large", "temperature": 0.0}'


def test_hit_needs_same_prompt_model_and_params(tmp_path) -> None:
    c = SqliteCache(tmp_path / "c.db")
    c.put("where is order 12?", LLM, "shipped")
    assert c.get("where is order 12?", LLM) == "shipped"
    assert c.get("where is order 13?", LLM) is None
    assert c.get("where is order 12?", LLM.replace("large", "small")) is None
    assert c.get("where is order 12?", '{"model": "demo-large", "max_tokens": 5}') is None
    assert (c.stats.hits, c.stats.misses) == (1, 3)


def test_sampling_bypasses_unless_asked(tmp_path) -> None:
    hot = '{"model": "m", "temperature": 0.8}'
    c = SqliteCache(tmp_path / "c.db")
    c.put("p", hot, "a")
    assert c.get("p", hot) is None and c.stats.bypassed == 1 and len(c) == 0
    c2 = SqliteCache(tmp_path / "c2.db", cache_sampled=True)
    c2.put("p", hot, "a")
    assert c2.get("p", hot) == "a"


def test_survives_reopen(tmp_path) -> None:
    SqliteCache(tmp_path / "c.db").put("p", LLM, "a")
    assert SqliteCache(tmp_path / "c.db").get("p", LLM) == "a"


def test_ttl_expires(tmp_path, monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(sqlite_mod.time, "time", lambda: now[0])
    c = SqliteCache(tmp_path / "c.db", ttl_s=60)
    c.put("p", LLM, "a")
    now[0] += 59
    assert c.get("p", LLM) == "a"
    now[0] += 2
    assert c.get("p", LLM) is None and len(c) == 0


def test_size_limit_evicts_least_recently_used(tmp_path, monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(sqlite_mod.time, "time", lambda: now[0])
    c = SqliteCache(tmp_path / "c.db", max_entries=2)
    for p in ("a", "b"):
        now[0] += 1
        c.put(p, LLM, p.upper())
    now[0] += 1
    assert c.get("a", LLM) == "A"          # a is now more recent than b
    now[0] += 1
    c.put("c", LLM, "C")
    assert len(c) == 2 and c.stats.evictions == 1
    assert c.get("b", LLM) is None and c.get("a", LLM) == "A" and c.get("c", LLM) == "C"


@pytest.mark.parametrize("bad", [{"ttl_s": 0}, {"max_entries": 0}])
def test_bad_limits_are_named(tmp_path, bad) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        SqliteCache(tmp_path / "c.db", **bad)


def test_corrupt_file_is_set_aside_and_rebuilt(tmp_path) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not a sqlite database at all" * 100)
    with pytest.warns(CacheFileWarning, match="set aside"):
        c = SqliteCache(path)
    assert (tmp_path / "c.db.corrupt-0").exists()
    assert c.get("p", LLM) is None
    c.put("p", LLM, "a")
    assert c.get("p", LLM) == "a"


def test_wrong_schema_is_set_aside(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "c.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE llmopt_cache (key TEXT)")
    conn.commit()
    conn.close()
    with pytest.warns(CacheFileWarning):
        c = SqliteCache(path)
    c.put("p", LLM, "a")
    assert c.get("p", LLM) == "a"


def test_tenants_never_see_each_other_under_concurrency(tmp_path) -> None:
    base = SqliteCache(tmp_path / "c.db")
    tenants = [base.for_namespace(f"t{i}") for i in range(8)]
    wrong: list[str] = []

    def work(c: SqliteCache) -> None:
        for j in range(40):
            c.put(f"q{j}", LLM, f"{c.namespace}-{j}")
            got = c.get(f"q{j}", LLM)
            if got != f"{c.namespace}-{j}":
                wrong.append(f"{c.namespace} q{j} -> {got}")
            for k in range(j + 1):
                got = c.get(f"q{k}", LLM)
                if got is not None and not got.startswith(f"{c.namespace}-"):
                    wrong.append(f"{c.namespace} q{k} -> {got}")

    all_at_once([(work, t) for t in tenants])
    assert wrong == []
    assert all(len(t) == 40 for t in tenants)


def test_langchain_chat_model_uses_it(tmp_path) -> None:
    c = SqliteCache(tmp_path / "c.db")
    model = FakeListChatModel(responses=["first", "second"], cache=c)
    assert model.invoke("hello").content == "first"
    assert model.invoke("hello").content == "first"     # served from the cache
    assert c.stats.hits == 1 and c.stats.writes == 1


def test_async_lookup_and_update(tmp_path) -> None:
    c = SqliteCache(tmp_path / "c.db")
    model = FakeListChatModel(responses=["first", "second"], cache=c)

    async def go() -> tuple[str, str]:
        a = await model.ainvoke("hello")
        b = await model.ainvoke("hello")
        return a.content, b.content

    assert asyncio.run(go()) == ("first", "first")


def test_default_file_is_in_the_results_folder(tmp_path, monkeypatch) -> None:
    from llmopt.cache.sqlite import default_path

    assert default_path(tmp_path / "pilot") == tmp_path / "pilot" / "response_cache.sqlite"
    monkeypatch.setenv("LLMOPT_RESULTS_DIR", str(tmp_path / "results"))
    c = SqliteCache()
    assert c.path == tmp_path / "results" / "response_cache.sqlite" == default_path()
    c.put("p", LLM, "a")
    assert c.path.is_file() and SqliteCache().get("p", LLM) == "a"


def _locked_by_another_process(path, journal: str = "WAL"):
    """A second connection (as another process would hold it) in the middle of a write."""
    import sqlite3

    other = sqlite3.connect(path, isolation_level=None)
    other.execute(f"PRAGMA journal_mode={journal}")
    other.execute("CREATE TABLE IF NOT EXISTS llmopt_cache (key TEXT PRIMARY KEY, namespace TEXT"
                  " NOT NULL, value TEXT NOT NULL, created REAL NOT NULL, used REAL NOT NULL)")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT OR REPLACE INTO llmopt_cache VALUES ('k', 'other', 'v', 0, 0)")
    return other


def test_a_file_locked_at_open_is_refused_and_left_as_it_is(tmp_path, monkeypatch) -> None:
    from llmopt.errors import CacheError

    monkeypatch.setattr(sqlite_mod, "BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "c.db"
    other = _locked_by_another_process(path, journal="DELETE")
    with pytest.raises(CacheError, match="locked by another process"):
        SqliteCache(path)
    other.execute("COMMIT")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.db"]  # nothing set aside
    assert other.execute("SELECT value FROM llmopt_cache").fetchall() == [("v",)]


def test_a_lock_mid_run_is_a_miss_or_a_dropped_write_not_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_mod, "BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "c.db"
    c = SqliteCache(path)
    c.put("p", LLM, "a")
    other = _locked_by_another_process(path)
    assert c.get("p", LLM) == "a"  # WAL: the read goes through; its last-use touch waits
    c.put("q", LLM, "b")
    assert (c.stats.degraded, c.stats.writes) == (2, 1)
    other.execute("COMMIT")
    assert c.get("q", LLM) is None and c.get("p", LLM) == "a"
    assert sorted(p.name for p in tmp_path.iterdir() if ".corrupt" in p.name) == []


def test_a_folder_is_refused_not_replaced(tmp_path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="is a folder"):
        SqliteCache(folder)
    assert (folder / "keep.txt").read_text() == "mine" and len(list(tmp_path.iterdir())) == 1


def test_another_applications_database_is_refused_untouched(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"another application's database.*users"):
        SqliteCache(path)
    assert path.read_bytes() == before and not (tmp_path / "app.db-wal").exists()
