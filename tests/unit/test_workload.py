import pytest

from llmopt.demo import generator
from llmopt.errors import ConfigError
from llmopt.workload import load_jsonl, save_jsonl


def test_round_trip(tmp_path):
    items = generator.generate(5)
    assert load_jsonl(save_jsonl(items, tmp_path / "w.jsonl")) == items


def test_bad_line_names_file_and_line(tmp_path):
    path = save_jsonl(generator.generate(2), tmp_path / "w.jsonl")
    path.write_text(path.read_text() + '{"id": "x"}\n')
    with pytest.raises(ConfigError, match=r"w\.jsonl:3"):
        load_jsonl(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_jsonl(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(ConfigError, match="no items"):
        load_jsonl(tmp_path / "empty.jsonl")


def test_messages():
    item = generator.generate(1)[0]
    assert [m["role"] for m in item.messages()] == ["system", "user"]


def test_a_file_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    path = save_jsonl(generator.generate(2), tmp_path / "w.jsonl")
    path.write_bytes(path.read_bytes() + '{"id": "é"}\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8: byte 0xe9 on line 3"):
        load_jsonl(path)
