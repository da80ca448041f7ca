from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

from llmopt.cache.base import dump_generations, load_generations, temperature_of
from llmopt.cache.sqlite import SqliteCache
from llmopt.errors import ConfigError


@pytest.mark.parametrize(("s", "t"), [
    ('{"temperature": 0.7, "model": "m"}', 0.7),
    ("[('temperature', 0.0)]", 0.0),
    ("temperature=1", 1.0),
    ('{"model": "m"}', None),
])
def test_temperature_is_read_from_llm_string(s: str, t: float | None) -> None:
    assert temperature_of(s) == t


def test_generations_round_trip() -> None:
    gens = [ChatGeneration(message=AIMessage(content="hi")), Generation(text="plain")]
    back = load_generations(dump_generations(gens))
    assert isinstance(back[0], ChatGeneration) and back[0].message.content == "hi"
    assert back[1].text == "plain"


@pytest.mark.parametrize("ns", ["", "a:b"])
def test_bad_namespace_is_named(tmp_path, ns: str) -> None:
    with pytest.raises(ConfigError, match="namespace"):
        SqliteCache(tmp_path / "c.db", ns)
