from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from llmopt.errors import ConfigError
from llmopt.route.scorers import request_text

CHAT = [SystemMessage("shared manual"), HumanMessage("first ticket"), AIMessage("an answer"),
        HumanMessage("follow-up")]


def test_reads_picks_the_text_a_scorer_sees():
    assert request_text(CHAT) == "first ticket\nfollow-up"
    assert request_text(CHAT, "last_user") == "follow-up"
    assert request_text(CHAT, "all") == "shared manual\nfirst ticket\nan answer\nfollow-up"
    assert request_text(CHAT[:1], "last_user") == "shared manual"


def test_unknown_reads_is_named():
    with pytest.raises(ConfigError, match="last_user"):
        request_text(CHAT, "system")
