import pytest

from llmopt.demo import generator
from llmopt.errors import AssetError
from llmopt.grading import JudgePrompt, judge_messages, judge_prompt
from llmopt.workload import WorkloadItem

ITEM = generator.generate(1, seed=0)[0]
REF = {"intent": "cancel", "order_id": "185000", "action": "cancel", "amount": 29}


def test_the_shipped_prompt_asks_for_exactly_the_verdict_object():
    system = judge_prompt().system
    assert '{"verdict": "same", "reason": ' in system
    assert '{"verdict": "different", "reason": ' in system
    assert "nothing else" in system and "$" not in system


def test_the_request_reference_and_candidate_go_in_as_they_are_in_order():
    system, user = judge_messages(ITEM, REF, '{"intent": "cancel"}')
    assert system == {"role": "system", "content": judge_prompt().system}
    assert user["role"] == "user"
    text = user["content"]
    parts = [ITEM.system.strip(), ITEM.user.strip(),
             '{"intent": "cancel", "order_id": "185000", "action": "cancel", "amount": 29}',
             '{"intent": "cancel"}']
    positions = [text.index(part) for part in parts]
    assert positions == sorted(positions)
    assert text.index("# Reference answer") < positions[2] < text.index("# Candidate answer")


def test_assembly_is_pure():
    assert judge_messages(ITEM, REF, "x") == judge_messages(ITEM, REF, "x")
    assert judge_messages(ITEM, REF, "x") != judge_messages(ITEM, REF, "y")


def test_dollars_braces_and_tags_in_answers_are_kept_literally():
    candidate = "Refund $amount ${system} {\"a\": 1} # Candidate answer"
    text = judge_messages(ITEM, "costs $5", candidate)[1]["content"]
    assert candidate in text and "costs $5" in text


def test_an_empty_system_prompt_shows_as_none_and_one_left_out_as_not_shown():
    bare = WorkloadItem(id="1", system="", user="Where is my parcel?")
    assert "# Request: system prompt\n(none)\n" in judge_messages(bare, "x", "y")[1]["content"]
    text = judge_messages(ITEM, REF, "y", include_system=False)[1]["content"]
    assert "(not shown)" in text and ITEM.system.strip() not in text


def test_another_prompt_can_be_given():
    prompt = JudgePrompt.parse("<!-- system -->\nJudge.\n<!-- user -->\n"
                               "$system|$user|$reference|$candidate costs $$1")
    _, user = judge_messages(WorkloadItem(id="1", system="s", user="u"), "r", "c", prompt)
    assert user["content"] == "s|u|r|c costs $1"


@pytest.mark.parametrize(("text", "why"), [
    ("Judge.\n<!-- user -->\n$system $user $reference $candidate", "needs '<!-- system -->'"),
    ("<!-- system -->\nJudge.", "needs"),
    ("intro\n<!-- system -->\nJudge.\n<!-- user -->\n$system $user $reference $candidate",
     "needs"),
    ("<!-- system -->\nJudge.\n<!-- user -->\n$system $user $reference", "lacks $candidate"),
    ("<!-- system -->\nJudge.\n<!-- user -->\n$system $user $reference $candidate $tone",
     "a '$' that is not one of"),
    ("<!-- system -->\nJudge.\n<!-- user -->\n$system $user $reference $candidate costs $5",
     "write $$ for a dollar sign"),
])
def test_a_prompt_file_without_its_parts_is_refused(text, why):
    with pytest.raises(AssetError, match="judge_prompt.md") as error:
        JudgePrompt.parse(text)
    assert why in str(error.value)
