import json

import pytest

from llmopt.completions import Completion
from llmopt.demo import generator
from llmopt.demo.grader import grade_frame
from llmopt.errors import ConfigError
from llmopt.grading import with_references
from llmopt.traffic import RecordedAnswer, answers_path
from llmopt.workload import save_jsonl

GOLD = generator.generate(4, seed=3)
TRAFFIC = [item.model_copy(update={"reference": None}) for item in GOLD]  # as imported


def answer(item, text: str | None = None, error: str | None = None) -> Completion:
    text = json.dumps(item.reference) if text is None else text
    return Completion(id=item.id, text="" if error else text, latency_s=0.1, error=error)


def test_gold_references_are_kept_as_they_are():
    referenced = with_references(GOLD, strong=[answer(i, "{}") for i in GOLD])
    assert referenced.items == GOLD and (referenced.source, referenced.graded) == ("gold", 4)


def test_without_gold_the_strong_models_json_answers_are_the_references():
    strong = [answer(i) for i in GOLD[:3]] + [answer(GOLD[3], error="HTTP 500")]
    referenced = with_references(TRAFFIC, strong=strong)
    assert (referenced.source, referenced.graded) == ("strong model", 3)
    assert [i.reference for i in referenced.items] == [i.reference for i in GOLD[:3]] + [None]
    assert referenced.reason.startswith("agreement with the strong model's answers, not accuracy")
    # the demo grader's paths now grade by the stand-in's fields: the gold answer agrees,
    # another answer does not
    graded = grade_frame(referenced.items[:2], [json.dumps(GOLD[0].reference), "{}"])
    assert list(graded["correct"]) == [True, False]


def test_free_text_answers_need_a_judge_or_the_teams_grader():
    with pytest.raises(ConfigError, match=r"not JSON objects.*Judge or the profile's quality"):
        with_references(TRAFFIC, strong=[answer(i, "Your refund is on its way.") for i in GOLD])


def test_strong_answers_must_be_the_items_in_order():
    with pytest.raises(ConfigError, match="same order"):
        with_references(TRAFFIC, strong=[answer(i) for i in reversed(GOLD)])


def test_the_logs_recorded_answers_are_the_references_beside_the_workload(tmp_path):
    workload = save_jsonl(TRAFFIC, tmp_path / "workload.jsonl")
    rows = [RecordedAnswer(id=i.id, answer=json.dumps(i.reference)) for i in GOLD[:3]]
    rows.append(RecordedAnswer(id=GOLD[3].id, status="error", error="rate limited"))
    answers_path(workload).write_text("".join(r.model_dump_json() + "\n" for r in rows))
    referenced = with_references(TRAFFIC, log=workload)
    assert (referenced.source, referenced.graded) == ("log", 3)
    assert "the answers the log recorded (workload.answers.jsonl)" in referenced.reason
    assert referenced.items[3].reference is None  # its request failed: ungraded, not dropped


@pytest.mark.parametrize("answers", [None, "failed"])
def test_without_usable_answers_the_items_stay_ungraded_and_say_so(tmp_path, answers):
    workload = save_jsonl(TRAFFIC, tmp_path / "workload.jsonl")
    if answers == "failed":
        answers_path(workload).write_text("".join(
            RecordedAnswer(id=i.id, status="missing").model_dump_json() + "\n" for i in GOLD))
    referenced = with_references(TRAFFIC, log=workload)
    assert (referenced.source, referenced.graded, referenced.items) == ("none", 0, TRAFFIC)
    assert referenced.reason.endswith("quality is not measured here")
