from datetime import UTC, datetime

import pytest

from llmopt.traffic.fields import BadLine, at, count, first, label, moment, read, tag_list, text


def test_paths_and_the_first_field_present():
    line = {"usage": {"prompt_tokens": 5}, "prompt_tokens": 7, "model": None}
    assert at(line, "usage.prompt_tokens") == 5 and at(line, "usage.x.y") is None
    assert first(line, ("usage.prompt_tokens", "prompt_tokens")) == ("usage.prompt_tokens", 5)
    assert first(line, ("model", "nope")) == ("model", None)
    assert read(line, ("x", "prompt_tokens"), count) == 7


def test_counts_are_whole_and_not_negative():
    assert count(3, "n") == 3 and count(3.0, "n") == 3 and count(None, "n") is None
    for bad in (-1, 1.5, True, "3", [3]):
        with pytest.raises(BadLine, match="n must be a whole number"):
            count(bad, "n")


def test_timestamps_iso_or_unix_seconds_or_milliseconds():
    moment_ = datetime(2025, 5, 1, 12, tzinfo=UTC)
    assert moment("2025-05-01T12:00:00Z", "t") == moment_
    assert moment("2025-05-01 14:00:00+02:00", "t") == moment_
    assert moment("2025-05-01T12:00:00", "t") == moment_
    assert moment(moment_.timestamp(), "t") == moment_
    assert moment(moment_.timestamp() * 1000, "t") == moment_
    for bad in ("yesterday", float("inf"), 10 ** 30, True, {}):
        with pytest.raises(BadLine, match="t must be an ISO 8601 time"):
            moment(bad, "t")


def test_message_text_and_parts():
    assert text("hi", "c") == ("hi", 0) and text(None, "c") == ("", 0)
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}, "b"]
    assert text(parts, "c") == ("ab", 1)
    with pytest.raises(BadLine, match="c must be text"):
        text(5, "c")


def test_tags_and_labels():
    assert tag_list(["a", "b"], "tags") == ("a", "b") and tag_list("a, b,", "tags") == ("a", "b")
    assert label(7, "id") == "7" and label(None, "id") is None
    with pytest.raises(BadLine, match="tags must be a list of strings, got a list"):
        tag_list([1], "tags")
    with pytest.raises(BadLine, match="id must be text, got a JSON object"):
        label({}, "id")
