import pytest

from llmopt.completions import Completion
from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.grading import as_object, recorded_references, reference_text, strong_references
from llmopt.traffic import RecordedAnswer


@pytest.mark.parametrize(("reference", "expected"), [
    ('{"a": 1}', {"a": 1}), ('  {"a": 1}\n', {"a": 1}), ({"a": 1}, {"a": 1}),
    ("{}", None), ({}, None), ("[1]", None), ("Sure: {\"a\": 1}", None), ("free text", None),
    (None, None), ("[" * 5000, None),
])
def test_as_object_takes_a_json_object_with_fields_and_nothing_else(reference, expected):
    assert as_object(reference) == expected


def test_reference_text_keeps_text_and_writes_objects_as_compact_json():
    assert reference_text({"a": "é", "b": 2}) == '{"a": "é", "b": 2}'
    assert reference_text("as is") == "as is" and reference_text(None) == ""


def test_strong_references_leave_failed_answers_out():
    answers = [Completion(id="1", text="ok", latency_s=0.1),
               Completion(id="2", latency_s=0.1, error="timeout")]
    assert strong_references(answers) == ["ok", None]


def test_recorded_references_line_up_by_id_and_keep_only_usable_answers():
    items = generator.generate(4, seed=0)
    answers = [RecordedAnswer(id=items[2].id, answer="third"),
               RecordedAnswer(id=items[0].id, answer="first"),
               RecordedAnswer(id=items[1].id, status="error", error="429 rate limited")]
    assert recorded_references(items, answers) == ["first", None, "third", None]


def test_recorded_answers_of_another_import_are_refused():
    items = generator.generate(2, seed=0)
    with pytest.raises(ConfigError, match="none of the 2 items has a recorded answer"):
        recorded_references(items, [RecordedAnswer(id="elsewhere", answer="x")])
