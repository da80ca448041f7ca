import pytest
from pydantic import ValidationError

from llmopt.bench import Endpoint
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem

ITEM = WorkloadItem(id="a", system="Be brief.", user="Hi {there}")


def test_key_is_read_from_the_environment_at_call_time(monkeypatch) -> None:
    endpoint = Endpoint(base_url="https://api.example.com/v1/", model="m", api_key_env="BENCH_K")
    monkeypatch.setenv("BENCH_K", "sk-first")
    assert endpoint.headers() == {"Authorization": "Bearer sk-first"}
    monkeypatch.setenv("BENCH_K", "sk-second")
    assert endpoint.headers() == {"Authorization": "Bearer sk-second"}
    assert "sk-" not in repr(endpoint) and "sk-" not in endpoint.model_dump_json()


def test_missing_key_names_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("BENCH_MISSING", raising=False)
    endpoint = Endpoint(base_url="http://x/v1", model="m", api_key_env="BENCH_MISSING")
    with pytest.raises(ConfigError, match="BENCH_MISSING"):
        endpoint.headers()


def test_no_key_no_header() -> None:
    assert Endpoint(base_url="http://x/v1", model="m").headers() == {}


def test_chat_body_streams_with_usage() -> None:
    endpoint = Endpoint(base_url="http://x/v1/", model="m", max_tokens=7,
                        extra_body={"ignore_eos": True})
    body = endpoint.body(ITEM)
    assert endpoint.url == "http://x/v1/chat/completions"
    assert body["messages"] == ITEM.messages() and body["max_tokens"] == 7
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0 and body["ignore_eos"] is True
    assert "max_tokens" not in endpoint.model_copy(update={"max_tokens": None}).body(ITEM)


def test_completions_body_uses_the_prompt_template() -> None:
    endpoint = Endpoint(base_url="http://x/v1", model="m", api="completions",
                        prompt_template="<s>{system}|{user}")
    assert endpoint.url == "http://x/v1/completions"
    assert endpoint.body(ITEM)["prompt"] == "<s>Be brief.|Hi {there}"


@pytest.mark.parametrize(("field", "value"), [
    ("base_url", "localhost:8000/v1"), ("timeout_s", 0), ("max_tokens", 0),
    ("api", "responses"), ("prompt_template", "{system} {question}"), ("temperature", -1),
])
def test_bad_values_are_named(field, value) -> None:
    with pytest.raises(ValidationError, match=field):
        Endpoint(**{"base_url": "http://x/v1", "model": "m", field: value})
