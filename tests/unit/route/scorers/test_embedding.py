from __future__ import annotations

import pytest
from langchain_core.messages import convert_to_messages

from llmopt.demo.generator import generate
from llmopt.errors import ConfigError
from llmopt.route.scorers import EmbeddingScorer


@pytest.fixture(scope="module")
def scorer() -> EmbeddingScorer:
    return EmbeddingScorer()


def test_untrained_scorer_says_so():
    with pytest.raises(ConfigError, match="not trained"):
        EmbeddingScorer(encoder=object()).score_texts(["x"])


def test_learns_which_requests_the_cheap_tier_gets_wrong(scorer):
    items = generate(40, seed=3)
    texts = [item.user for item in items]
    hard = [item.tier == "hard" for item in items]
    scorer.fit(texts, [not h for h in hard])
    scores = scorer.score_texts(texts)
    mean_hard = sum(s for s, h in zip(scores, hard, strict=True) if h) / sum(hard)
    mean_easy = sum(s for s, h in zip(scores, hard, strict=True) if not h) / (40 - sum(hard))
    assert mean_hard > mean_easy


def test_one_label_only_gives_a_constant_score(scorer):
    scorer_one = EmbeddingScorer(encoder=scorer.encoder).fit(["a", "b"], [True, True])
    assert scorer_one.score_texts(["c"]) == [0.0]


def test_fit_on_chat_messages_reads_them_as_score_does(scorer):
    items = generate(30, seed=4)
    good = [item.tier == "easy" for item in items]
    messages = [convert_to_messages(item.messages()) for item in items]
    on_messages = EmbeddingScorer(encoder=scorer.encoder).fit(messages, good)
    on_texts = EmbeddingScorer(encoder=scorer.encoder).fit([i.user for i in items], good)
    assert on_messages.score(messages[0]) == pytest.approx(on_texts.score(messages[0]))


def test_bad_settings_name_the_valid_ones():
    with pytest.raises(ConfigError, match="float32"):
        EmbeddingScorer(dtype="fp8")
    with pytest.raises(ConfigError, match="onnx-int8"):
        EmbeddingScorer(backend="openvino")
    with pytest.raises(ConfigError, match="last_user"):
        EmbeddingScorer(reads="system")
    with pytest.raises(ConfigError, match="max_tokens"):
        EmbeddingScorer(max_tokens=0)
