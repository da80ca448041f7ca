from __future__ import annotations

import numpy as np
import pytest

from llmopt.cache import faiss_semantic as sem
from llmopt.cache.faiss_semantic import FaissSemanticCache
from llmopt.cache.index import VectorIndex
from llmopt.errors import ConfigError
from tests.unit.cache.conftest import tenants_keep_their_own
from tests.unit.cache.fakes import trigram_embed

pytestmark = pytest.mark.usefixtures("both_indexes")
LLM = '{"model": "demo-large", "temperature": 0.0}'


def cache(**kw) -> FaissSemanticCache:
    return FaissSemanticCache(embedder=trigram_embed, **kw)


def test_close_wording_hits_and_far_wording_misses() -> None:
    c = cache(threshold=0.8)
    c.put("where is my order 1234?", LLM, "shipped")
    assert c.get("where is my order 1234", LLM) == "shipped"
    assert c.get("what is your refund policy for shoes?", LLM) is None
    sim, value = c.nearest("what is your refund policy for shoes?", LLM)
    assert value == "shipped" and sim < 0.8


def test_model_and_params_are_part_of_the_key() -> None:
    c = cache(threshold=0.5)
    c.put("p", LLM, "a")
    assert c.get("p", LLM.replace("large", "small")) is None
    assert c.get("p", '{"model": "m", "temperature": 1.0}') is None and c.stats.bypassed == 1


def test_ttl_expires(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(sem.time, "time", lambda: now[0])
    c = cache(ttl_s=10)
    c.put("p", LLM, "a")
    now[0] += 11
    assert c.get("p", LLM) is None and len(c) == 0


def test_size_limit_evicts_least_recently_used(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(sem.time, "time", lambda: now[0])
    c = cache(max_entries=2, threshold=0.99)
    for p in ("alpha order", "bravo refund"):
        now[0] += 1
        c.put(p, LLM, p)
    now[0] += 1
    assert c.get("alpha order", LLM) == "alpha order"
    now[0] += 1
    c.put("charlie shipping", LLM, "charlie shipping")
    assert len(c) == 2 and c.stats.evictions == 1
    assert c.get("bravo refund", LLM) is None


def test_put_many_keeps_the_size_limit() -> None:
    c = cache(max_entries=3, threshold=0.99)
    c.put_many([f"request {i}" for i in range(5)], LLM, [f"answer {i}" for i in range(5)])
    assert len(c) == 3 and c.stats.evictions == 2 and c.stats.writes == 5
    assert c.get("request 0", LLM) is None and c.get("request 4", LLM) == "answer 4"


@pytest.mark.parametrize("bad", [{"threshold": 1.5}, {"ttl_s": 0}, {"max_entries": 0}])
def test_bad_settings_are_named(bad) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        cache(**bad)


def test_tenants_never_see_each_other_under_concurrency() -> None:
    base = cache(threshold=0.0)          # any entry of the tenant would be a hit
    tenants = [base.for_namespace(f"t{i}") for i in range(8)]
    assert tenants_keep_their_own(tenants, 30, LLM) == []
    assert all(len(t) == 30 for t in tenants)


def test_minilm_scores_a_paraphrase_above_an_unrelated_request() -> None:
    c = FaissSemanticCache(threshold=0.0)
    c.put("Where is my order 1234?", LLM, "shipped")
    para, _ = c.nearest("Can you tell me where order 1234 is?", LLM)
    other, _ = c.nearest("How do I reset my password?", LLM)
    assert para > 0.7 > other


def test_the_exact_index_finds_the_exact_nearest_with_cosines_within_5e_4() -> None:
    rng = np.random.default_rng(0)
    v = rng.standard_normal((2000, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = v[:50] + 0.3 * rng.standard_normal((50, 384)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    index = VectorIndex(384)
    index.add(v)
    assert index.kind == "exact"
    sims, ids = index.search(q, 1)
    exact = q @ v.T
    assert (ids[:, 0] == exact.argmax(axis=1)).all()
    assert np.abs(sims[:, 0] - exact.max(axis=1)).max() < 5e-4


def test_a_langchain_chat_prompt_is_compared_by_its_user_text_within_its_system_prompt():
    from langchain_core.load import dumps
    from langchain_core.messages import convert_to_messages

    from llmopt.demo import generator

    a, b = generator.generate(2, seed=3)  # two tickets under the demo's long system prompt

    def prompt(item, system=None):
        return dumps(convert_to_messages([("system", system or item.system), ("user", item.user)]))

    c = FaissSemanticCache(threshold=0.95)  # MiniLM, as LangChain's set_llm_cache uses it
    c.put(prompt(a), LLM, "answer a")
    assert c.get(prompt(a), LLM) == "answer a"
    assert c.nearest(prompt(b), LLM)[0] < 0.9  # the tickets differ (whole prompts: 1.0)
    assert c.get(prompt(a, system="You are another assistant."), LLM) is None  # another slice


def test_a_chat_models_cache_tells_two_tickets_apart_under_one_system_prompt():
    """The path a LangChain user takes: the cache given to a chat model (a scripted one here)."""
    from langchain_core.language_models import GenericFakeChatModel

    from llmopt.demo import generator

    a, b = generator.generate(2, seed=3)
    chat = GenericFakeChatModel(messages=iter(["answer a", "answer b", "never"]),
                                cache=FaissSemanticCache(threshold=0.95))
    assert chat.invoke(a.messages()).content == "answer a"
    assert chat.invoke(b.messages()).content == "answer b"  # another ticket: not a hit
    assert chat.invoke(a.messages()).content == "answer a"  # the same ticket: a hit
