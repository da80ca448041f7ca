from __future__ import annotations

from langchain_core.messages import HumanMessage

from llmopt.route.scorers import HeuristicConfig, HeuristicScorer


def test_longer_structured_reasoning_requests_score_higher():
    scorer = HeuristicScorer()
    easy = scorer.score([HumanMessage("hello")])
    hard = scorer.score([HumanMessage("Explain why the total is wrong:\n- 2 items at 40\n"
                                      "- 3 items at 15\n" + "x" * 1500)])
    assert 0 <= easy < hard <= 1


def test_weights_come_from_the_config():
    only_length = HeuristicScorer(HeuristicConfig(keyword_weight=0, structure_weight=0,
                                                  long_chars=10))
    assert only_length.score_texts(["12345", "1234567890ab"]) == [0.5, 1.0]


def test_scorers_read_the_user_messages_not_the_shared_system_prompt():
    from langchain_core.messages import SystemMessage

    from llmopt.route.scorers import request_text

    messages = [SystemMessage("a long shared manual"), HumanMessage("the ticket")]
    assert request_text(messages) == "the ticket"
    assert request_text([SystemMessage("only")]) == "only"
