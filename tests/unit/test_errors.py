"""The errors module's helper for showing what bad input is told."""

import pytest

from llmopt.errors import ConfigError, refusals


def test_refusals_collect_each_message() -> None:
    def refused():
        raise ConfigError("no such scheme 'q4'")

    assert refusals({"bad": refused, "fine": lambda: 1}) == {
        "bad": "no such scheme 'q4'", "fine": "accepted"}


def test_other_errors_are_not_swallowed() -> None:
    with pytest.raises(ZeroDivisionError):
        refusals({"bug": lambda: 1 / 0})
