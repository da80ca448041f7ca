import json

import pytest

from llmopt.demo import generator, prompt
from llmopt.errors import ConfigError
from llmopt.quantize import Calibration
from llmopt.quantize.calibration import fingerprint
from llmopt.workload import save_jsonl


class ChatTokenizer:
    """Renders like the demo models' chat template (the real one is checked in integration)."""

    chat_template = prompt.CHAT_TEMPLATE

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        assert not tokenize and add_generation_prompt
        return prompt.render(messages[0]["content"], messages[1]["content"])


def test_demo_calibration_is_seeded_and_differs_from_the_evaluation_requests():
    calibration = Calibration(samples=8)
    assert calibration.items() == generator.generate(8, seed=1)
    evaluation = {i.user for i in generator.generate(8, seed=0)}
    assert not evaluation & {i.user for i in calibration.items()}


def test_texts_are_rendered_prompts():
    calibration = Calibration(samples=3, seed=5)
    texts = calibration.texts(ChatTokenizer())
    first = calibration.items()[0]
    assert texts[0] == prompt.render(first.system, first.user)
    assert len(texts) == 3


def test_fingerprint_changes_with_the_texts_and_their_order():
    texts = Calibration(samples=3).texts(ChatTokenizer())
    assert fingerprint(texts) == fingerprint(list(texts))
    assert fingerprint(texts) != fingerprint(texts[::-1])
    assert fingerprint(texts) != fingerprint(texts[:2])


def test_workload_file(tmp_path):
    path = save_jsonl(generator.generate(5, seed=9), tmp_path / "w.jsonl")
    assert Calibration(workload=str(path), samples=4).items() == generator.generate(4, seed=9)


def test_missing_calibration_file(tmp_path):
    missing = str(tmp_path / "none.jsonl")
    with pytest.raises(ConfigError, match="calibration workload .*none.jsonl' does not exist"):
        Calibration(workload=missing).items()


def test_too_few_calibration_requests(tmp_path):
    path = save_jsonl(generator.generate(2), tmp_path / "w.jsonl")
    with pytest.raises(ConfigError, match="has 2 requests after skip=0, fewer than samples=8"):
        Calibration(workload=str(path), samples=8).items()


def test_skip_leaves_out_the_evaluation_requests(tmp_path):
    items = generator.generate(6, seed=2)
    path = save_jsonl(items, tmp_path / "w.jsonl")
    assert Calibration(workload=str(path), samples=2, skip=4).items() == items[4:]
    with pytest.raises(ConfigError, match="has 1 requests after skip=5"):
        Calibration(workload=str(path), samples=2, skip=5).items()


def test_empty_calibration_file(tmp_path):
    path = tmp_path / "w.jsonl"
    path.write_text("\n")
    with pytest.raises(ConfigError, match="holds no items"):
        Calibration(workload=str(path)).items()


def test_tokenizer_without_chat_template():
    tokenizer = ChatTokenizer()
    tokenizer.chat_template = None
    with pytest.raises(ConfigError, match="has no chat template"):
        Calibration(samples=1).texts(tokenizer)


def test_settings_round_trip():
    calibration = Calibration(workload="data/w.jsonl", samples=16, seed=3, max_seq_length=512)
    assert Calibration.model_validate(json.loads(calibration.model_dump_json())) == calibration
    with pytest.raises(ValueError, match="samples"):
        Calibration(samples=0)
