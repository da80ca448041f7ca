"""Replay logic with a fake answer function (the reference answer, or a failure) and the trigram
embedder: no server, no MiniLM."""

from __future__ import annotations

import json
from datetime import date

import pytest

from llmopt.cache import replay, traffic
from llmopt.cache.faiss_semantic import FaissSemanticCache
from llmopt.cache.sqlite import SqliteCache
from llmopt.completions import Completion
from llmopt.errors import ConfigError
from llmopt.pricing import Price, request_cost
from tests.unit.cache.fakes import trigram_embed

PRICE = Price(provider="p", model="m", input=1.0, output=4.0, source="test", as_of=date(2026, 1, 1))
KW = {"price": PRICE, "model": "demo:large", "max_tokens": 64}


def answer(item, fail: bool = False) -> Completion:
    if fail:
        return Completion(id=item.id, latency_s=0.1, error="ConnectError: refused")
    return Completion(id=item.id, text=json.dumps(item.reference), prompt_tokens=100,
                      completion_tokens=10, latency_s=0.5, status=200)


@pytest.fixture
def sample():
    return traffic.sample(60, repeat_share=0.2, paraphrase_share=0.2, near_miss_share=0.3, seed=1)


def caches(tmp_path, threshold: float = 0.9):
    return (SqliteCache(tmp_path / "c.sqlite"),
            FaissSemanticCache(threshold=threshold, embedder=trigram_embed))


def test_lookups_grade_the_served_answer_against_the_new_request(sample, tmp_path) -> None:
    exact, semantic = caches(tmp_path)
    rows = replay.lookups(sample, [answer(i) for _, _, i in sample], exact=exact,
                          semantic=semantic, **KW)
    assert list(rows.columns) == list(replay.LOOKUP_COLUMNS) and len(rows) == len(sample)
    assert rows.loc[0, "similarity"] == -1.0 and not rows.loc[0, "exact_hit"]
    repeats = rows[rows["kind"] == "repeat"]
    assert repeats["exact_hit"].all() and repeats["exact_correct"].all()
    assert (repeats["similarity"] > 0.999).all() and repeats["served_correct"].all()
    near = rows[rows["kind"] == "near_miss"]
    assert not near["exact_hit"].any() and not near["served_correct"].any()
    paraphrases = rows[rows["kind"] == "paraphrase"]
    assert not paraphrases["exact_hit"].any()
    assert rows["correct"].all() and not rows["failed"].any()
    assert rows["cost_usd"].eq(request_cost(PRICE, 100, 0, 10)).all()
    assert len(semantic) == len(sample)  # every request written (the sweep's upper bound)
    assert len(exact) == len(sample) - len(repeats)  # misses only


def test_failed_request_is_counted_and_never_cached(tmp_path) -> None:
    first = traffic.sample(1, repeat_share=0, paraphrase_share=0, near_miss_share=0)[0]
    again = ("repeat", first[2].id, first[2].model_copy(update={"id": "again"}))
    exact, semantic = caches(tmp_path)
    rows = replay.lookups([first, again], [answer(first[2], fail=True), answer(again[2])],
                          exact=exact, semantic=semantic, **KW)
    assert rows["failed"].tolist() == [True, False] and rows.loc[0, "cost_usd"] == 0.0
    assert not rows.loc[1, "exact_hit"] and rows.loc[1, "similarity"] == -1.0


def test_answers_must_match_the_requests(sample, tmp_path) -> None:
    exact, semantic = caches(tmp_path)
    with pytest.raises(ConfigError, match="answers"):
        replay.lookups(sample, [], exact=exact, semantic=semantic, **KW)
    shuffled = [answer(i) for _, _, i in reversed(sample)]
    with pytest.raises(ConfigError, match="replay order"):
        replay.lookups(sample, shuffled, exact=exact, semantic=semantic, **KW)


def test_key_holds_model_parameters_and_system_prompt(sample) -> None:
    item = sample[0][2]
    prompt, llm = replay.request_key(item, "demo:large", 64)
    assert prompt == item.user
    assert llm != replay.request_key(item, "demo:small", 64)[1]
    assert llm != replay.request_key(item, "demo:large", 32)[1]
    other = item.model_copy(update={"system": item.system + " New rule."})
    assert llm != replay.request_key(other, "demo:large", 64)[1]


def test_serve_sends_misses_only_and_matches_the_prediction(sample, tmp_path) -> None:
    exact, semantic = caches(tmp_path)
    rows = replay.lookups(sample, [answer(i) for _, _, i in sample], exact=exact,
                          semantic=semantic, **KW)
    sent = []

    def send(item):
        sent.append(item.id)
        return answer(item)

    live_cache = FaissSemanticCache(threshold=0.95, embedder=trigram_embed)
    served = replay.serve(sample, send, live_cache, **KW)
    assert list(served.columns) == list(replay.SERVE_COLUMNS)
    assert sent == served.loc[~served["hit"], "id"].tolist()
    assert (served.loc[served["hit"], "cost_usd"] == 0).all()
    assert live_cache.stats.hits == served["hit"].sum() > 0
    check = replay.compare(rows, 0.95, served)
    assert check["live_not_predicted"] == []  # a live cache holds a subset of the sweep's
    assert check["live"]["hits"] + len(check["predicted_not_live"]) == check["predicted"]["hits"]
    assert replay.live_measure(served)["usd_per_request"] < replay.measure(rows)["usd_per_request"]


def test_summaries(sample, tmp_path) -> None:
    exact, semantic = caches(tmp_path)
    rows = replay.lookups(sample, [answer(i) for _, _, i in sample], exact=exact,
                          semantic=semantic, **KW)
    ex = replay.summary(replay.exact_hits(rows))
    assert ex["false_hits"] == 0 and ex["hits"] == (rows["kind"] == "repeat").sum()
    loose = replay.semantic_hits(rows, 0.0)
    table = replay.by_kind(rows, loose)
    assert table.index.tolist() == ["fresh", "repeat", "paraphrase", "near_miss"]
    assert table.loc["near_miss", "false_hit_share"] == 1.0
    assert table.loc["near_miss", "served_wrong_share"] == 1.0
    assert table.loc["repeat", "served_wrong_share"] == 0.0
    assert table.loc["repeat", "served_share"] == 1.0 and table["requests"].sum() == len(rows)
    base, cached = replay.measure(rows), replay.measure(rows, loose)
    assert base["accuracy"] == 1.0 and cached["accuracy"] < 1.0
    assert cached["usd_per_request"] == pytest.approx(base["usd_per_request"] / len(rows))


def test_false_hit_is_the_caches_error_not_the_models(tmp_path) -> None:
    source = traffic.sample(1, repeat_share=0, paraphrase_share=0, near_miss_share=0)[0][2]
    again = source.model_copy(update={"id": "again"})
    from llmopt.demo.generator import near_misses

    near = near_misses(source, 1)[0]
    sample = [("fresh", None, source), ("repeat", source.id, again),
              ("near_miss", source.id, near)]
    wrong = Completion(id=source.id, text="{}", prompt_tokens=100, completion_tokens=1,
                       latency_s=0.5, status=200)  # the model gets the source wrong
    exact, semantic = caches(tmp_path)
    rows = replay.lookups(sample, [wrong, wrong.model_copy(update={"id": "again"}), answer(near)],
                          exact=exact, semantic=semantic, **KW).set_index("id")
    # the repeat is served the model's wrong answer; sending it would have been wrong too
    assert rows.loc["again", "exact_hit"] and not rows.loc["again", "exact_right"]
    assert rows.loc["again", "exact_correct"] and not rows.loc["again", "correct"]
    # the near miss is answered right by the server but served an answer that is wrong for it
    assert rows.loc[near.id, "correct"] and not rows.loc[near.id, "served_correct"]
    hits = replay.semantic_hits(rows.reset_index(), 0.0)
    assert hits["false_hit"].tolist() == [False, False, True]
    assert replay.measure(rows.reset_index(), hits)["accuracy"] == 0.0


def test_evidence_pairs_what_the_caller_receives_with_the_servers_own_answer(sample, tmp_path):
    exact, semantic = caches(tmp_path)
    rows = replay.lookups(sample, [answer(i) for _, _, i in sample], exact=exact,
                          semantic=semantic, **KW)
    exact_ev = replay.evidence(rows, replay.exact_hits(rows))
    assert exact_ev.quality.discordant == 0 and exact_ev.cost.direction == "better"
    assert exact_ev.cost.candidate == pytest.approx(
        exact_ev.cost.baseline * (1 - (rows["kind"] == "repeat").mean()))
    loose = replay.evidence(rows, replay.semantic_hits(rows, 0.0))
    near = loose.quality.by_tier["near_miss"]
    assert near.baseline_only == (rows["kind"] == "near_miss").sum() and near.candidate_only == 0
    assert loose.quality.high_points < 0 and loose.latency.n == len(rows)


def test_notebook_07s_hits_and_false_hits_are_the_same_with_the_approximate_index(tmp_path):
    """Notebook 07's traffic (its defaults) through MiniLM, once with the exact index and once
    with an IVF index from the first row: the nearest neighbours, hence the hits and false hits
    at every threshold, are the same."""
    from llmopt.cache import sweep

    sample = traffic.sample(120, repeat_share=0.2, paraphrase_share=0.2, near_miss_share=0.2,
                            seed=0)
    answers = [answer(i) for _, _, i in sample]
    rows = {kind: replay.lookups(sample, answers, exact=SqliteCache(tmp_path / f"{kind}.sqlite"),
                                 semantic=FaissSemanticCache(approximate_above=above), **KW)
            for kind, above in [("exact", 10**9), ("approximate", 0)]}
    exact, approximate = rows["exact"], rows["approximate"]
    assert (exact["similarity"] - approximate["similarity"]).abs().max() < 1e-6
    assert (exact["served_right"] == approximate["served_right"]).all()
    thresholds = [0.5, 0.8, 0.9, 0.95, 0.99, 0.9999]
    rates = ["hit_rate", "false_hit_rate"]
    assert sweep.curve(exact, thresholds)[rates].equals(sweep.curve(approximate, thresholds)[rates])
