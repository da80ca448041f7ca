import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from llmopt.errors import ConfigError
from llmopt.grading import FunctionGrader, JsonFields, Judge, choose_metric, grader_for
from llmopt.route import Tier

OBJECTS = [json.dumps({"intent": "cancel", "amount": 29}), {"intent": "damaged"}]


def test_every_reference_a_json_object_chooses_json_fields():
    choice = choose_metric(OBJECTS)
    assert choice.metric == "json_fields" and choice.references == 2 and choice.missing == 0
    assert choice.reason.startswith("all 2 reference answers are JSON objects")


def test_one_free_text_reference_chooses_the_judge_and_says_why():
    choice = choose_metric([*OBJECTS, "Sorry, I cannot help with that."])
    assert choice.metric == "judge"
    assert "1 of 3 reference answers are not JSON objects (first: 'Sorry," in choice.reason


@pytest.mark.parametrize("other", ["[1, 2]", "{}", 'Here: {"a": 1}', "42"])
def test_lists_empty_objects_and_prose_around_json_are_not_json_objects(other):
    assert choose_metric([*OBJECTS, other]).metric == "judge"


def test_missing_references_are_left_out_and_counted():
    choice = choose_metric([*OBJECTS, None])
    assert choice.metric == "json_fields" and choice.missing == 1
    assert "1 without a reference count as errors" in choice.reason
    with pytest.raises(ConfigError, match="none of the 2 requests has a reference answer"):
        choose_metric([None, None])


def test_grader_for_uses_the_profiles_grader_first():
    grader, why = grader_for("json:dumps", OBJECTS)
    assert isinstance(grader, FunctionGrader) and why == "the profile's grader 'json:dumps'"


def test_grader_for_without_one_takes_the_chosen_metric():
    assert isinstance(grader_for(None, OBJECTS)[0], JsonFields)
    with pytest.raises(ConfigError, match="not JSON objects.*give a judge tier"):
        grader_for(None, ["free text"])
    tier = Tier(name="judge", model=FakeListChatModel(responses=["x"]), priced_as="demo:small")
    grader, why = grader_for(None, ["free text"], judge=tier)
    assert isinstance(grader, Judge) and grader.tier is tier and "a judge model" in why
