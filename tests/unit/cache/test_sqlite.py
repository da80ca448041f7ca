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
