import pytest

from llmopt.errors import ConfigError
from llmopt.traffic.lines import read_line_at, read_lines


def test_lines_carry_numbers_offsets_and_problems(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n\n[1]\n{"a": \n' + '{"b": "\u00e9"}\n'.encode("latin-1")
                     + b'{"c": 3}')
    lines = list(read_lines(path))
    assert [line.number for line in lines] == [1, 3, 4, 5, 6]
    assert lines[0].data == {"a": 1} and lines[-1].data == {"c": 3}
    assert "not a JSON object (a JSON list)" in lines[1].problem
    assert lines[2].problem.startswith("not JSON")
    assert "not UTF-8: byte 0xe9" in lines[3].problem
    with path.open("rb") as handle:
        assert read_line_at(handle, lines[-1].offset) == {"c": 3}


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="log file .*nope.jsonl does not exist"):
        list(read_lines(tmp_path / "nope.jsonl"))
