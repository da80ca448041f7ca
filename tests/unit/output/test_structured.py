from llmopt.demo import generator
from llmopt.demo.grader import Answer
from llmopt.output import json_schema_format, malformed_share, structured_effect
from llmopt.output.structured import malformed


def test_every_reference_fits_the_answer_schema():
    for item in generator.generate(300, seed=1):
        Answer.model_validate(item.reference)


def test_the_response_format_carries_the_schema_strictly():
    fmt = json_schema_format(Answer)
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["required"] == ["intent", "order_id", "action", "amount"]
    assert schema["additionalProperties"] is False
    assert "escalate" in schema["properties"]["action"]["enum"]


def test_malformed_means_not_one_object_of_the_schema():
    good = '{"intent": "cancel", "order_id": "123456", "action": "cancel", "amount": 29}'
    assert not malformed(good, Answer)
    assert malformed(good + " and more", Answer)
    assert malformed(good.replace("123456", "12345"), Answer)
    assert malformed(good.replace("29}", '29, "note": "x"}'), Answer)
    assert malformed('{"intent": "cancel"', Answer)
    assert malformed_share([good, "", good + "}"], Answer) == 2 / 3
    assert malformed_share([], Answer) == 0.0


def test_the_effect_says_whether_the_grammar_changed_anything():
    good = '{"intent": "cancel", "order_id": "123456", "action": "cancel", "amount": 29}'
    assert structured_effect([good, good], [good, good], Answer).verdict == "no effect"
    assert structured_effect([good, "oops"], [good, good], Answer).verdict == "effective"
    assert structured_effect([good, good], [good, "oops"], Answer).verdict == "harmful"
