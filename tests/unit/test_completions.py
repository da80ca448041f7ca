"""Error paths of the blocking client, against a fake transport (no server)."""

import httpx

from llmopt import completions
from llmopt.demo import generator

ITEM = generator.generate(1)[0]


def call(handler) -> completions.Completion:
    with httpx.Client(base_url="http://test/v1", transport=httpx.MockTransport(handler)) as c:
        return completions._one(c, "m", ITEM, 16)


def test_ok_response_keeps_text_and_usage():
    body = {"choices": [{"message": {"content": "{}"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2}}
    result = call(lambda request: httpx.Response(200, json=body))
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("{}", 5, 2)
    assert result.error is None


def test_http_error_is_recorded_with_the_servers_message():
    result = call(lambda request: httpx.Response(404, text="model 'x' does not exist"))
    assert result.status == 404 and "does not exist" in result.error


def test_transport_error_is_recorded():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    result = call(refuse)
    assert result.status is None and "ConnectError" in result.error


def test_sender_sends_one_item_per_call(monkeypatch):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"choices": [{"message": {"content": "{}"}}],
                                         "usage": {"prompt_tokens": 5, "completion_tokens": 2}})

    real_client = httpx.Client
    monkeypatch.setattr(completions.httpx, "Client",
                        lambda **kw: real_client(**kw, transport=httpx.MockTransport(handler)))
    with completions.sender("http://test/v1", "m", max_tokens=8) as send:
        first, second = send(ITEM), send(ITEM)
    assert first.text == second.text == "{}" and len(seen) == 2
    assert seen[0].url.path == "/v1/chat/completions"
    assert b'"temperature":0.0' in seen[0].content.replace(b" ", b"")


def test_on_the_api_profile_the_attached_models_key_goes_with_every_call(monkeypatch):
    """Notebooks 07 and 08 answer through `complete` / `sender` on the profile's attached
    server: with its `api_key_env`, each call carries the key from the environment."""
    from llmopt.profile import Profile
    from llmopt.settings import REPO_ROOT

    monkeypatch.setenv("OPENAI_API_KEY", "llmopt-fake-openai-key-0b1d")
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"choices": [{"message": {"content": "{}"}}]})

    real_client = httpx.Client
    monkeypatch.setattr(completions.httpx, "Client",
                        lambda **kw: real_client(**kw, transport=httpx.MockTransport(handler)))
    server = Profile.load(REPO_ROOT / "cookbook/profiles/api.yaml").server("target")
    answers = completions.complete(server.base_url, server.model_name, [ITEM],
                                   api_key_env=server.config.api_key_env)
    with completions.sender(server.base_url, server.model_name,
                            api_key_env=server.config.api_key_env) as send:
        send(ITEM)
    assert answers[0].error is None and len(seen) == 2
    assert {r.headers["Authorization"] for r in seen} == {"Bearer llmopt-fake-openai-key-0b1d"}
    assert {str(r.url) for r in seen} == {"https://api.openai.com/v1/chat/completions"}
    assert b'"model":"gpt-4.1"' in seen[0].content.replace(b" ", b"")
