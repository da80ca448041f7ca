from __future__ import annotations

import pytest
import redis

from llmopt.cache.redis import RedisCache
from tests.unit.cache.conftest import after_redis_went_away, all_at_once

LLM = '{"model": "demo-large", "temperature": 0.0}'


def test_hit_needs_same_prompt_model_and_params(redis_url: str) -> None:
    c = RedisCache(redis_url)
    c.put("where is order 12?", LLM, "shipped")
    assert c.get("where is order 12?", LLM) == "shipped"
    assert c.get("where is order 13?", LLM) is None
    assert c.get("where is order 12?", LLM.replace("large", "small")) is None
    assert c.get("p", '{"model": "m", "temperature": 0.9}') is None and c.stats.bypassed == 1


def test_ttl_is_set_on_the_key(redis_url: str) -> None:
    c = RedisCache(redis_url, ttl_s=30)
    c.put("p", LLM, "a")
    client = redis.Redis.from_url(redis_url)
    keys = [k for k in client.keys("llmopt:cache:default:*") if not k.endswith(b"__lru__")]
    assert len(keys) == 1 and 0 < client.pttl(keys[0]) <= 30_000
    client.close()


def test_size_limit_evicts_least_recently_used(redis_url: str) -> None:
    c = RedisCache(redis_url, max_entries=2)
    c.put("a", LLM, "A")
    c.put("b", LLM, "B")
    assert c.get("a", LLM) == "A"
    c.put("c", LLM, "C")
    assert len(c) == 2 and c.stats.evictions == 1
    assert c.get("b", LLM) is None and c.get("a", LLM) == "A"


def test_clear_touches_one_tenant_only(redis_url: str) -> None:
    a = RedisCache(redis_url, "a")
    b = a.for_namespace("b")
    a.put("p", LLM, "A")
    b.put("p", LLM, "B")
    a.clear()
    assert a.get("p", LLM) is None and b.get("p", LLM) == "B"


@pytest.mark.parametrize("name", ["*", "a*", "ali?e", "[ab]", "back\\slash"])
def test_a_tenant_named_like_a_pattern_clears_only_its_own(redis_url: str, name: str) -> None:
    base = RedisCache(redis_url, "alice")
    odd = base.for_namespace(name)
    others = [base, base.for_namespace("abe"), base.for_namespace("b")]
    for c in [*others, odd]:
        c.put("p", LLM, c.namespace)
    odd.clear()
    assert odd.get("p", LLM) is None
    assert [c.get("p", LLM) for c in others] == ["alice", "abe", "b"]


def test_tenants_never_see_each_other_under_concurrency(redis_url: str) -> None:
    base = RedisCache(redis_url)
    tenants = [base.for_namespace(f"t{i}") for i in range(8)]
    wrong: list[str] = []

    def work(c: RedisCache) -> None:
        for j in range(40):
            c.put(f"q{j}", LLM, f"{c.namespace}-{j}")
            for k in range(j + 1):
                got = c.get(f"q{k}", LLM)
                if got != f"{c.namespace}-{k}":
                    wrong.append(f"{c.namespace} q{k} -> {got}")

    all_at_once([(work, t) for t in tenants])
    assert wrong == []
    assert all(c.stats.degraded == 0 for c in tenants)


def test_redis_gone_mid_run_degrades_to_no_cache(tmp_path) -> None:
    c = after_redis_went_away(RedisCache, tmp_path, LLM)
    assert c.get("p", LLM) is None               # a miss, not an error
    c.put("q", LLM, "b")                         # dropped, not an error
    c.clear()
    assert c.stats.degraded == 3 and c.stats.hits == 1
    assert c.stats.writes == 1  # the dropped write is not counted as one


@pytest.mark.parametrize("bad", [{"ttl_s": -1}, {"max_entries": 0}])
def test_bad_limits_are_named(bad) -> None:
    from llmopt.errors import ConfigError

    with pytest.raises(ConfigError, match=next(iter(bad))):
        RedisCache("redis://127.0.0.1:1/0", **bad)
