"""One YAML reader and one tagged-family validator, and the errors bad input gets."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmopt.bench.profiles import PROFILES
from llmopt.config import Tagged, read_yaml
from llmopt.errors import ConfigError

FAMILY = Tagged("profile", "kind", PROFILES)


def test_a_file_and_text_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("kind: concurrent\nconcurrency: 4\nmax_requests: 8\n")
    assert read_yaml(path, "profile") == read_yaml(str(path), "profile") == read_yaml(
        path.read_text(), "profile")
    assert FAMILY.validate(read_yaml(path, "profile")).concurrency == 4


@pytest.mark.parametrize(("text", "match"), [
    ("kind: [concurrent\n", r"profile file '.*bad.yaml' is not valid YAML at line 2"),
    ("- concurrent\n", "must be a mapping of fields, got list"),
])
def test_broken_files_are_named_with_the_line(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        read_yaml(path, "profile")


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ConfigError, match="profile file 'nowhere.yaml' does not exist"):
        read_yaml("nowhere.yaml", "profile")


def test_tagged_errors_name_the_tag_and_the_field() -> None:
    with pytest.raises(ConfigError, match="unknown profile kind 'ramp'; valid: synchronous"):
        FAMILY.validate({"kind": "ramp"})
    with pytest.raises(ConfigError, match=r"bad concurrent profile: concurrency: .* \(got 0\)"):
        FAMILY.validate({"kind": "concurrent", "concurrency": 0, "max_requests": 1})
    with pytest.raises(ConfigError, match="must be a mapping with a `kind`"):
        FAMILY.validate(["concurrent"])
    same = FAMILY.validate({"kind": "synchronous", "max_requests": 1})
    assert FAMILY.validate(same) is same


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_reads_as_a_mapping_or_a_named_error(text: str) -> None:
    try:
        data = read_yaml(text, "profile")
    except ConfigError as error:
        assert "profile" in str(error)
        return
    assert isinstance(data, dict)
