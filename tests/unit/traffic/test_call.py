from datetime import UTC, datetime

import pytest

from llmopt.traffic.call import LoggedCall, conversation
from llmopt.traffic.fields import BadLine


def test_a_single_turn_request_is_system_and_user():
    talk = conversation([{"role": "system", "content": "s1"}, {"role": "developer",
                                                               "content": "s2"},
                         {"role": "user", "content": "q"}])
    assert (talk.system, talk.user, talk.turns) == ("s1\ns2", "q", ())


def test_other_turns_are_kept_beside_the_last_user_message():
    talk = conversation([{"role": "user", "content": "q1"},
                         {"role": "assistant", "content": None, "tool_calls": []},
                         {"role": "tool", "content": "42"}, {"role": "user", "content": "q2"}])
    assert talk.user == "q2" and [t["role"] for t in talk.turns] == ["user", "assistant", "tool"]


@pytest.mark.parametrize("messages, message", [
    ([], "non-empty list"), ("hi", "non-empty list"), ([{"content": "x"}], r"messages\[0\]"),
    ([{"role": "system", "content": "x"}], "no user message"),
    ([{"role": "user", "content": 5}], r"messages\[0\].content must be text"),
])
def test_bad_messages(messages, message):
    with pytest.raises(BadLine, match=message):
        conversation(messages)


def test_the_item_carries_the_logged_facts():
    call = LoggedCall(id="a", line=3, conversation=conversation([{"role": "user", "content": "q"}]),
                      model="m", timestamp=datetime(2025, 5, 1, tzinfo=UTC), tags=("t",),
                      user="u", reference={"x": 1}, kept={"metadata.team": "t1"})
    item = call.item()
    assert (item.id, item.system, item.user, item.reference) == ("a", "", "q", {"x": 1})
    assert item.facts == {"log_line": 3, "model": "m", "timestamp": "2025-05-01T00:00:00+00:00",
                          "tags": ["t"], "user": "u", "kept": {"metadata.team": "t1"}}
