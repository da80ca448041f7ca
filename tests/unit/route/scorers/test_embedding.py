from __future__ import annotations

import pytest

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
