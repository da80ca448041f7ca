from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

from llmopt.cache.base import dump_generations, load_generations, temperature_of
from llmopt.cache.sqlite import SqliteCache
from llmopt.errors import ConfigError

LLM = '{"model": "demo-large", "temperature": 0.0}'


@pytest.mark.parametrize(("s", "t"), [
    ('{"temperature": 0.7, "model": "m"}', 0.7),
    ("[('temperature', 0.0)]", 0.0),
    ("temperature=1", 1.0),
    ('{"model": "m"}', None),
])
def test_temperature_is_read_from_llm_string(s: str, t: float | None) -> None:
    assert temperature_of(s) == t


def test_generations_round_trip() -> None:
    gens = [ChatGeneration(message=AIMessage(content="hi")), Generation(text="plain")]
    back = load_generations(dump_generations(gens))
    assert isinstance(back[0], ChatGeneration) and back[0].message.content == "hi"
    assert back[1].text == "plain"


@pytest.mark.parametrize("ns", ["", "a:b"])
def test_bad_namespace_is_named(tmp_path, ns: str) -> None:
    with pytest.raises(ConfigError, match="namespace"):
        SqliteCache(tmp_path / "c.db", ns)


# --- tenant names: one rule, every backend -------------------------------------------------

ALLOWED = ["*", "?", "[", "]", "\\", "a*", "ali?e", "[ab]", "x" * 128, "ünï cödé"]
REFUSED = ["", ":", "a:b", "x" * 129, "x" * 10_000, "a\x00b", "line\nbreak"]


def _backends(request) -> dict:
    from llmopt.cache.faiss_semantic import FaissSemanticCache
    from llmopt.cache.redis import RedisCache
    from llmopt.cache.redis_semantic import RedisSemanticCache
    from llmopt.cache.sqlite import SqliteCache
    from tests.unit.cache.fakes import trigram_embed

    url = request.getfixturevalue("redis_url")
    tmp = request.getfixturevalue("tmp_path")
    return {"sqlite": lambda ns: SqliteCache(tmp / "c.sqlite", ns),
            "redis": lambda ns: RedisCache(url, ns),
            "faiss": lambda ns: FaissSemanticCache(ns, embedder=trigram_embed, threshold=0.99),
            "redis-semantic": lambda ns: RedisSemanticCache(url, ns, embedder=trigram_embed,
                                                            threshold=0.99)}


@pytest.mark.parametrize("backend", ["sqlite", "redis", "faiss", "redis-semantic"])
@pytest.mark.usefixtures("both_indexes")
def test_hostile_tenant_names_keep_to_their_own_entries(request, backend):
    base = _backends(request)[backend]("alice")
    others = [base, base.for_namespace("abe"), base.for_namespace("b")]
    for name in ALLOWED:
        odd = base.for_namespace(name)
        for c in [*others, odd]:
            c.put("the same question", LLM, c.namespace)
        assert odd.get("the same question", LLM) == name
        odd.clear()
        assert odd.get("the same question", LLM) is None, name
        assert [c.get("the same question", LLM) for c in others] == ["alice", "abe", "b"], name
    for name in REFUSED:
        with pytest.raises(ConfigError, match="tenant.*1 to 128 characters"):
            base.for_namespace(name)
