from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import redis

from llmopt.cache.redis_semantic import RedisSemanticCache
from llmopt.errors import ConfigError
from tests.unit.cache.conftest import after_redis_went_away, all_at_once
from tests.unit.cache.fakes import trigram_embed

pytestmark = pytest.mark.usefixtures("both_indexes")
LLM = '{"model": "demo-large", "temperature": 0.0}'


def cache(url: str, namespace: str = "default", **kw) -> RedisSemanticCache:
    return RedisSemanticCache(url, namespace, embedder=trigram_embed, **kw)


def test_close_wording_hits_and_far_wording_misses(redis_url: str) -> None:
    c = cache(redis_url, threshold=0.8)
    c.put("where is my order 1234?", LLM, "shipped")
    assert c.get("where is my order 1234", LLM) == "shipped"
    assert c.get("what is your refund policy for shoes?", LLM) is None
    sim, value = c.nearest("what is your refund policy for shoes?", LLM)
    assert value == "shipped" and sim < 0.8
    assert c.stats.hits == 1 and c.stats.misses == 1


def test_model_and_params_are_part_of_the_key(redis_url: str) -> None:
    c = cache(redis_url, threshold=0.5)
    c.put("p", LLM, "a")
    assert c.get("p", LLM.replace("large", "small")) is None
    assert c.get("p", '{"model": "m", "temperature": 1.0}') is None and c.stats.bypassed == 1


def test_two_caches_on_one_redis_share_entries_as_they_are_written(redis_url: str) -> None:
    writer, reader = cache(redis_url, threshold=0.9), cache(redis_url, threshold=0.9)
    writer.put("where is order 7?", LLM, "seven")
    assert reader.get("where is order 7?", LLM) == "seven"        # reader's mirror is built
    writer.put_many(["refund for item 9", "reset my password"], LLM, ["nine", "reset"])
    assert reader.get("refund for item 9", LLM) == "nine"         # ... and read on from there
    assert reader.get("reset my password", LLM) == "reset"
    assert len(reader) == 3


def test_entries_written_by_another_process_are_found(redis_url: str) -> None:
    script = textwrap.dedent(f"""
        from llmopt.cache.redis_semantic import RedisSemanticCache
        from tests.unit.cache.fakes import trigram_embed
        c = RedisSemanticCache({redis_url!r}, "acme", embedder=trigram_embed)
        for i in range(20):
            c.put(f"status of order {{i}}", {LLM!r}, f"acme-{{i}}")
        assert c.stats.degraded == 0
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    mine = cache(redis_url, "acme", threshold=0.99)
    other = mine.for_namespace("globex")
    assert [mine.get(f"status of order {i}", LLM) for i in range(20)] == \
        [f"acme-{i}" for i in range(20)]
    assert other.get("status of order 3", LLM) is None and other.nearest("x", LLM) == (-1, None)


def test_a_stale_mirror_never_serves_what_another_cache_cleared(redis_url: str) -> None:
    a, b = cache(redis_url, threshold=0.9), cache(redis_url, threshold=0.9)
    a.put("p one", LLM, "A")
    assert b.get("p one", LLM) == "A"
    a.clear()
    assert b.get("p one", LLM) is None and b.nearest("p one", LLM) == (-1, None)
    a.put("p one", LLM, "A2")                                       # the log goes on after clear
    assert b.get("p one", LLM) == "A2"


def test_a_mirror_of_mostly_gone_entries_is_read_anew(redis_url: str) -> None:
    writer, reader = cache(redis_url, threshold=0.99), cache(redis_url, threshold=0.99)
    v = np.random.default_rng(0).standard_normal((1500, 256)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    writer.put_many([f"p{i}" for i in range(1500)], LLM, [f"a{i}" for i in range(1500)], v)
    assert reader.nearest("x", LLM, vector=v[0])[1] == "a0"
    assert reader._shared["mirrors"][("default", LLM)].index.ntotal == 1500
    writer.clear()
    writer.put("after clear", LLM, "fresh")
    assert reader.get("after clear", LLM) == "fresh"    # catches up, then sees 1,500 rows gone
    assert ("default", LLM) not in reader._shared["mirrors"]
    assert reader.get("after clear", LLM) == "fresh"    # read anew: one live row
    assert reader._shared["mirrors"][("default", LLM)].index.ntotal == 1


def test_ttl_is_set_on_the_entry(redis_url: str) -> None:
    c = cache(redis_url, ttl_s=30)
    c.put("p", LLM, "a")
    client = redis.Redis.from_url(redis_url)
    keys = [k for k in client.keys("llmopt:semcache:default:*") if b"__" not in k]
    assert len(keys) == 1 and 0 < client.pttl(keys[0]) <= 30_000
    client.close()


def test_size_limit_evicts_least_recently_used_everywhere(redis_url: str) -> None:
    c = cache(redis_url, max_entries=2, threshold=0.99)
    other = cache(redis_url, threshold=0.99)
    c.put("alpha order", LLM, "A")
    c.put("bravo refund", LLM, "B")
    assert other.get("bravo refund", LLM) == "B"                   # other's mirror has both
    assert c.get("alpha order", LLM) == "A"
    c.put("charlie shipping", LLM, "C")
    assert len(c) == 2 and c.stats.evictions == 1
    assert other.get("bravo refund", LLM) is None and other.get("alpha order", LLM) == "A"
    client = redis.Redis.from_url(redis_url)
    assert client.xlen(c._log(LLM)) == 2                            # evicted rows leave the log
    client.close()


def test_tenants_never_see_each_other_under_concurrency(redis_url: str) -> None:
    """Per tenant one writer and one reader with their own mirrors (as two processes would);
    threshold 0: any entry of the tenant is a hit, so a foreign entry would show."""
    tenants = [f"t{i}" for i in range(6)]
    workers = [(cache(redis_url, t, threshold=0.0), cache(redis_url, t, threshold=0.0))
               for t in tenants]
    wrong: list[str] = []

    def write(c: RedisSemanticCache) -> None:
        for j in range(25):
            c.put(f"question number {j}", LLM, f"{c.namespace}-{j}")
            got = c.get(f"question number {j}", LLM)
            if got is None or not got.startswith(f"{c.namespace}-"):
                wrong.append(f"writer {c.namespace} {j} -> {got}")

    def read(c: RedisSemanticCache) -> None:
        for j in range(40):
            got = c.get(f"question number {j % 25}", LLM)
            if got is not None and not got.startswith(f"{c.namespace}-"):
                wrong.append(f"reader {c.namespace} {j} -> {got}")

    all_at_once([(fn, c) for w, r in workers for fn, c in ((write, w), (read, r))])
    assert wrong == []
    for t in tenants:
        fresh = cache(redis_url, t, threshold=0.99)
        assert [fresh.get(f"question number {j}", LLM) for j in range(25)] == \
            [f"{t}-{j}" for j in range(25)]
    assert all(c.stats.degraded == 0 for pair in workers for c in pair)


def test_readers_sharing_one_mirror_set_catch_up_while_writers_write(redis_url: str) -> None:
    """Writers in their own cache objects; per tenant two reader threads on views of one
    process-wide mirror set (for_namespace), reading while the log grows."""
    tenants = [f"t{i}" for i in range(4)]
    shared = cache(redis_url, "root", threshold=0.99)
    writers = [cache(redis_url, t) for t in tenants]
    readers = [shared.for_namespace(t) for t in tenants for _ in range(2)]
    wrong: list[str] = []

    def write(c: RedisSemanticCache) -> None:
        c.put_many([f"order {j} status" for j in range(30)], LLM,
                   [f"{c.namespace}-{j}" for j in range(30)])

    def read(c: RedisSemanticCache) -> None:
        for j in range(60):
            got = c.get(f"order {j % 30} status", LLM)
            if got not in (None, f"{c.namespace}-{j % 30}"):
                wrong.append(f"{c.namespace} {j} -> {got}")

    all_at_once([(write, c) for c in writers] + [(read, c) for c in readers])
    assert wrong == []
    for c in readers:
        assert [c.get(f"order {j} status", LLM) for j in range(30)] == \
            [f"{c.namespace}-{j}" for j in range(30)]
    assert all(c.stats.degraded == 0 for c in readers + writers)


def test_redis_gone_mid_run_degrades_to_no_cache(tmp_path) -> None:
    c = after_redis_went_away(lambda url: cache(url, threshold=0.9), tmp_path, LLM)
    assert c.get("p", LLM) is None                # a miss, not an error
    c.put("q", LLM, "b")                          # dropped, not an error
    c.put_many(["r"], LLM, ["c"])
    c.clear()
    assert c.stats.degraded == 4 and c.stats.hits == 1
    assert c.stats.writes == 1  # the two dropped writes are not counted as writes


def test_given_vectors_skip_embedding(redis_url: str) -> None:
    c = cache(redis_url, threshold=0.9)
    v = np.eye(256, dtype=np.float32)[:2]
    c.put_many(["x", "y"], LLM, ["X", "Y"], vectors=v)
    assert c.nearest("ignored", LLM, vector=v[1]) == (pytest.approx(1.0), "Y")


@pytest.mark.parametrize("bad", [{"threshold": 1.5}, {"ttl_s": 0}, {"max_entries": 0}])
def test_bad_settings_are_named(bad) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        cache("redis://127.0.0.1:1/0", **bad)


def test_put_many_needs_one_text_per_prompt(redis_url: str) -> None:
    with pytest.raises(ConfigError, match="one text per prompt"):
        cache(redis_url).put_many(["a", "b"], LLM, ["A"])


def test_langchain_async_lookup_and_update_keep_chat_messages(redis_url: str) -> None:
    import asyncio

    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration

    c = cache(redis_url, threshold=0.9)

    async def go() -> list:
        await c.aupdate("hello there", LLM, [ChatGeneration(message=AIMessage(content="hi"))])
        return await c.alookup("hello there", LLM)

    got = asyncio.run(go())
    assert isinstance(got[0], ChatGeneration) and got[0].message.content == "hi"
