import pytest

from llmopt.errors import ConfigError
from llmopt.traffic.formats import FORMATS, ChatLog, OpenAIBatch, detect
from tests.unit.traffic.logs import batch_input, batch_output, chat_line


def test_formats_are_told_apart_by_content():
    assert detect(batch_input(1), "f:1") is OpenAIBatch
    assert detect(chat_line(1), "f:1") is ChatLog
    assert list(FORMATS) == ["openai-batch", "chat-log"]


def test_a_line_in_no_format_names_the_line_and_the_known_formats():
    with pytest.raises(ConfigError) as caught:
        detect({"prompt": "hi", "completion": "ho"}, "data/x.jsonl:3")
    message = str(caught.value)
    assert message.startswith("data/x.jsonl:3 is in no log format")
    assert "it has completion, prompt" in message
    assert "openai-batch (an OpenAI Batch input line" in message and "chat-log (" in message


def test_a_batch_output_given_as_the_log_says_so():
    with pytest.raises(ConfigError, match="x.jsonl:1 is an OpenAI Batch output line.*--batch-"):
        detect(batch_output(1), "x.jsonl:1")
