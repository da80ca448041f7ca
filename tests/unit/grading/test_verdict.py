import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmopt.grading import Verdict, parse_verdict


@pytest.mark.parametrize(("text", "verdict"), [
    ('{"verdict": "same", "reason": "same refund"}', "same"),
    ('  {"reason": "amount differs", "verdict": "different"}\n', "different"),
    ('```json\n{"verdict": "same", "reason": "ok"}\n```', "same"),
    ('```\n{"verdict": "different", "reason": ""}\n```', "different"),
])
def test_one_verdict_object_parses(text, verdict):
    parsed = parse_verdict(text)
    assert parsed.verdict == verdict and parsed.error is None


@pytest.mark.parametrize(("text", "why"), [
    ("", "not one JSON object"),
    ("same", "not one JSON object"),
    ('Verdict: {"verdict": "same", "reason": "ok"}', "not one JSON object"),
    ('{"verdict": "same", "reason": "ok"} I hope that helps', "not one JSON object"),
    ('{"verdict": "same", "reason": "ok"}{"verdict": "different", "reason": "no"}',
     "not one JSON object"),
    ('{"verdict": "same", "reason": "unterminated', "not one JSON object"),
    ('["same", "ok"]', "a JSON list, not an object"),
    ('"same"', "a JSON str, not an object"),
    ('{"verdict": "same"}', "missing ['reason']"),
    ('{"verdict": "same", "reason": "ok", "confidence": 0.9}', "unexpected ['confidence']"),
    ('{"intent": "cancel", "amount": 0}', "missing ['reason', 'verdict']"),
    ('{"verdict": "Same", "reason": "ok"}', "verdict must be 'same' or 'different', got 'Same'"),
    ('{"verdict": "equivalent", "reason": "ok"}', "got 'equivalent'"),
    ('{"verdict": true, "reason": "ok"}', "got True"),
    ('{"verdict": ["same"], "reason": "ok"}', "got ['same']"),
    ('{"verdict": "same", "reason": 3}', "reason must be a string, got int"),
    ("1" * 5000, "not one JSON object (ValueError)"),
    ("[" * 100_000, "not one JSON object"),
])
def test_anything_else_is_an_error_with_the_reason_never_a_pass(text, why):
    parsed = parse_verdict(text)
    assert parsed.verdict is None and why in parsed.error


def test_a_verdict_has_a_verdict_or_an_error():
    with pytest.raises(ValueError, match="either a verdict or an error"):
        Verdict()
    with pytest.raises(ValueError, match="either a verdict or an error"):
        Verdict(verdict="same", error="both")


def _is_one(parsed: Verdict) -> bool:
    return isinstance(parsed, Verdict) and (parsed.verdict is None) != (parsed.error is None)


@given(st.text())
def test_any_string_parses_to_a_verdict_or_is_an_error(text):
    assert _is_one(parse_verdict(text))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=10)


@given(verdict=JSON | st.sampled_from(["same", "different"]), reason=JSON,
       extra=st.dictionaries(st.text(), JSON, max_size=2), fence=st.booleans())
def test_any_json_object_parses_only_when_it_is_exactly_a_verdict(verdict, reason, extra,
                                                                   fence):
    data = {"verdict": verdict, "reason": reason} | extra
    text = json.dumps(data)
    parsed = parse_verdict(f"```json\n{text}\n```" if fence else text)
    assert _is_one(parsed)
    exact = set(data) == {"verdict", "reason"} and isinstance(data["reason"], str) and \
        data["verdict"] in ("same", "different")
    assert (parsed.verdict is not None) == exact
    if exact:
        assert parsed.verdict == data["verdict"] and parsed.reason == data["reason"]
