import random

import pytest

from llmopt.compress import labels
from llmopt.demo import generator, manual
from llmopt.demo.generator import Facts
from llmopt.errors import AssetError


def facts(**changes) -> Facts:
    base = dict(intent="damaged", order_id="482913", member="standard", items=("lamp",),
                prices=(100,), target=0, days=10, late_days=3, opened=False)
    return Facts(**(base | changes))


def label_of(words, text):
    return next(w.label for w in words if w.text == text)


def test_spans_used_follow_the_rule_that_decides():
    assert labels.spans_used(facts()) == {"always", "intent:damaged", "membership", "window",
                                          "rule1", "rule7"}
    assert "rule3" in labels.spans_used(facts(days=31))
    assert "window_edge" in labels.spans_used(facts(days=60, member="gold"))
    assert labels.spans_used(facts(intent="tracking")) == {"always", "intent:tracking",
                                                           "rule8:tracking"}
    assert labels.spans_used(facts(intent="late_delivery")) == {
        "always", "intent:late_delivery", "membership", "rule6"}


def test_the_rule_used_agrees_with_every_reference_answer():
    actions = {"rule1": {"refund", "escalate"}, "rule2": {"replace"},
               "rule3": {"store_credit"}, "rule4": {"refund", "escalate"}, "rule5": {"deny"},
               "rule6": {"store_credit", "deny"}, "rule8:cancel": {"cancel"},
               "rule8:tracking": {"send_tracking"}, "rule8:address": {"update_address"}}
    for item in generator.generate(300, seed=5):
        used = labels.spans_used(Facts.from_dict(item.facts))
        rules = [r for r in actions if r in used]
        assert len(rules) == 1 and item.reference["action"] in actions[rules[0]], item.id


def test_manual_labels():
    words = labels.manual_words()
    assert "".join(w.text for w in words) == "".join(manual.MANUAL.split())
    assert label_of(words, "Northwind") == 0.0  # filler: the role sentence
    assert label_of(words, "the") == 0.0  # a function word
    assert label_of(words, "JSON") == 1.0  # answer format: every request
    assert label_of(words, "unless") > 0.5  # logic words are content
    share = labels.usage()["rule7"]
    assert 0 < share < 1 and label_of(words, "supervisor:") == pytest.approx(0.5 + 0.5 * share)


def test_ticket_labels_drop_greetings_and_keep_facts():
    words = labels.ticket_words("Hi, Order #482913 arrived 8 days late. I shop here often. "
                                "I paid $45 for it. Thanks.")
    kept = [w.text for w in words if labels.binary(w.label)]
    assert kept == ["Order", "#482913", "arrived", "8", "days", "late.", "paid", "$45"]


def test_drop_words_keeps_offsets_right():
    words = labels.manual_words()
    text, kept = labels.drop_words(words, manual.MANUAL, 0.4, random.Random(1))
    assert 0.45 < len(kept) / len(words) < 0.75
    assert all(text[w.start:w.end] == w.text for w in kept)


def test_a_manual_without_a_named_span_is_an_error():
    with pytest.raises(AssetError, match="no span 'membership'"):
        labels.manual_spans(manual.MANUAL.replace("Membership:", "Members:"))
