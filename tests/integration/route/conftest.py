"""One vLLM server of the demo `small` model for the router's integration tests, started with
tool calling on (shared by the package's modules)."""

from __future__ import annotations

import json

import pytest

from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

TOOL_ARGS = ["--enable-auto-tool-choice", "--tool-call-parser", "pythonic",
             "--structured-outputs-config",
             json.dumps({"backend": "xgrammar", "disable_any_whitespace": True})]
"""vLLM's tool calling for the demo models. A forced call (tool_choice "required" or a named
tool) is written under a JSON grammar, so any model makes one; `disable_any_whitespace` keeps a
5M-parameter model from filling the grammar's free whitespace until max_tokens. `auto` needs a
parser of the model's own call format: the demo models have none (they answer in their ticket
JSON), and `pythonic` is the one parser that needs no special token in the vocabulary (hermes,
llama3_json and the rest refuse the demo tokenizer at start-up), so `auto` answers in text."""


@pytest.fixture(scope="package")
def demo_small_server():
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    with pilot.server("draft", extra_args=["-O0", *TOOL_ARGS]) as server:
        yield server
