import pytest

from llmopt.errors import ConfigError
from llmopt.traffic.answer import RecordedAnswer, answers_path, load_answers


def test_answers_sit_beside_the_workload(tmp_path):
    assert answers_path(tmp_path / "traffic.jsonl") == tmp_path / "traffic.answers.jsonl"
    assert answers_path("w") .name == "w.answers.jsonl"


def test_load_round_trip_and_bad_line(tmp_path):
    rows = [RecordedAnswer(id="a", answer="x", prompt_tokens=3),
            RecordedAnswer(id="b", status="error", error="boom")]
    path = tmp_path / "t.answers.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in rows) + "\n")
    assert load_answers(path) == rows
    path.write_text(path.read_text() + '{"id": "c", "status": "maybe"}\n')
    with pytest.raises(ConfigError, match=r"t\.answers\.jsonl:4: not a recorded answer"):
        load_answers(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_answers(tmp_path / "nope.jsonl")
