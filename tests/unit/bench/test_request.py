"""The client's error paths against fake servers (scripted aiohttp handlers on loopback and
the scripted FakeServer)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web

from llmopt.bench import Endpoint, Reply, Retry, send
from llmopt.bench.request import retryable
from llmopt.workload import WorkloadItem

from .conftest import FAST_RETRY, endpoint_for
from .fake_server import Answer, FakeServer

ITEM = WorkloadItem(id="a", system="Answer in JSON.", user="Cancel order #123456.")
OK_LINES = [
    {"choices": [{"delta": {"role": "assistant", "content": ""}}]},
    {"choices": [{"delta": {"content": "{\"a\""}}]},
    {"choices": [{"delta": {"content": ": 1}"}}]},
    {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2,
                              "prompt_tokens_details": {"cached_tokens": 4}}},
]


def sse(chunks: list[dict]) -> bytes:
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"


def stream_response(chunks: list[dict] = OK_LINES) -> web.Response:
    return web.Response(body=sse(chunks), content_type="text/event-stream")


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "code": status}}, status=status)


def send_with(handler, **endpoint_fields) -> Reply:
    """Send ITEM to a loopback server whose answers `handler(request)` scripts (a function
    returning a response, or a coroutine function for streams written piece by piece)."""

    async def route(request: web.Request) -> web.StreamResponse:
        answer = handler(request)
        return await answer if asyncio.iscoroutine(answer) else answer

    async def go() -> Reply:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", route)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        fields = {"base_url": f"http://127.0.0.1:{port}/v1", "model": "m", "retry": FAST_RETRY}
        try:
            async with aiohttp.ClientSession() as client:
                return await send(client, Endpoint(**(fields | endpoint_fields)), ITEM,
                                  token_counter=counter)
        finally:
            await runner.cleanup()

    counter = endpoint_fields.pop("token_counter", None)
    return asyncio.run(go())


def test_ok_stream_reads_text_usage_and_cached_tokens() -> None:
    reply = send_with(lambda request: stream_response())
    assert (reply.status, reply.text, reply.attempts) == ("ok", '{"a": 1}', 1)
    assert (reply.prompt_tokens, reply.cached_tokens, reply.output_tokens) == (9, 4, 2)
    assert reply.usage_source == "server" and reply.error is None
    assert 0 < reply.ttft_s <= reply.latency_s and reply.itl_mean_s >= 0
    assert reply.tpot_s == pytest.approx(reply.latency_s - reply.ttft_s)  # 2 tokens: 1 gap


def test_the_finish_reason_is_kept_streamed_or_whole() -> None:
    cut = [*OK_LINES[:2], {"choices": [{"delta": {"content": "x"}, "finish_reason": "length"}]},
           {"choices": [], "usage": OK_LINES[-1]["usage"]}]
    assert send_with(lambda request: stream_response(cut)).finish_reason == "length"
    assert send_with(lambda request: stream_response()).finish_reason is None
    body = {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    assert send_with(lambda request: web.json_response(body)).finish_reason == "stop"


def test_timings_follow_the_stream() -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for chunk in OK_LINES:
            await asyncio.sleep(0.05)
            await response.write(sse([chunk]).removesuffix(b"data: [DONE]\n\n"))
        await response.write(b"data: [DONE]\n\n")
        return response

    reply = send_with(slow)
    # Lower bounds only: the server sleeps at least this long; a busy machine adds to it.
    assert reply.ttft_s >= 0.10 - 0.01  # role chunk, then first text
    assert reply.itl_mean_s >= 0.05 - 0.01
    assert reply.latency_s >= 0.20 - 0.01 and reply.latency_s > reply.ttft_s
    assert reply.tpot_s == pytest.approx(reply.latency_s - reply.ttft_s)


def test_429_then_200_is_retried() -> None:
    answers = iter([lambda: error_response(429, "slow down"), stream_response])
    reply = send_with(lambda request: next(answers)())
    assert (reply.status, reply.attempts) == ("ok", 2)


def test_each_429_is_counted_on_the_reply() -> None:
    answers = iter([lambda: error_response(429, "slow down"), lambda: error_response(503, "busy"),
                    lambda: error_response(429, "slow down"), stream_response])
    reply = send_with(lambda request: next(answers)(),
                      retry=Retry(max_attempts=4, initial_s=0.001, max_s=0.01))
    assert (reply.status, reply.attempts, reply.rate_limited) == ("ok", 4, 2)
    assert send_with(lambda request: stream_response()).rate_limited == 0


def test_500_every_time_gives_up_after_max_attempts() -> None:
    calls = []

    def handler(request):
        calls.append(request)
        return web.Response(status=500, text="engine died")

    reply = send_with(handler)
    assert (reply.status, reply.attempts, len(calls)) == ("http_500", 3, 3)
    assert "engine died" in reply.error
    assert reply.usage_source == "client" and reply.prompt_tokens > 0  # priced by its prompt
    assert reply.output_tokens == 0 and reply.ttft_s is None


def test_404_keeps_the_servers_message_and_is_not_retried() -> None:
    calls = []
    message = "The model `nope` does not exist."

    def handler(request):
        calls.append(request)
        return error_response(404, message)

    reply = send_with(handler)
    assert (reply.status, reply.attempts, len(calls)) == ("http_404", 1, 1)
    assert message in reply.error


def test_missing_usage_is_counted_on_the_client() -> None:
    reply = send_with(lambda request: stream_response(OK_LINES[:3]))
    assert reply.status == "ok" and reply.usage_source == "client"
    assert reply.output_tokens > 0 and reply.prompt_tokens > 0 and reply.cached_tokens is None


def test_given_counter_counts_missing_usage_and_cross_checks() -> None:
    words = lambda text: len(text.split())  # noqa: E731
    reply = send_with(lambda request: stream_response(OK_LINES[:3]), token_counter=words)
    assert reply.output_tokens == 2 and reply.client_prompt_tokens == reply.prompt_tokens == 6
    with_usage = send_with(lambda request: stream_response(), token_counter=words)
    assert (with_usage.prompt_tokens, with_usage.client_prompt_tokens) == (9, 6)


def test_error_inside_the_stream_is_recorded_not_retried() -> None:
    chunks = [OK_LINES[1], {"error": {"message": "out of KV cache", "code": 500}}]
    reply = send_with(lambda request: stream_response(chunks))
    assert (reply.status, reply.attempts) == ("error", 1)
    assert "out of KV cache" in reply.error and reply.text == '{"a"'


def test_non_streamed_json_answer_is_read() -> None:
    body = {"choices": [{"message": {"content": "hi"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    reply = send_with(lambda request: web.json_response(body))
    assert (reply.status, reply.text, reply.output_tokens, reply.ttft_s) == ("ok", "hi", 1, None)


def test_read_timeout_is_retried_then_recorded() -> None:
    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return stream_response()

    reply = send_with(silent, timeout_s=0.1)
    assert (reply.status, reply.attempts) == ("timeout", 3)
    assert "timeout_s=" in reply.error


def test_slow_server_hits_timeout_s() -> None:
    answer = Answer(pieces=("a", "b", "c"), piece_delay_s=0.2)
    with FakeServer(lambda body, n: answer) as fake:
        endpoint = endpoint_for(fake, timeout_s=0.25, retry=Retry(max_attempts=1))
        reply = asyncio.run(_send_real(endpoint))
    assert reply.status == "timeout" and reply.latency_s < 1.0
    assert reply.usage_source == "client"


def test_unreachable_endpoint_is_a_clear_record() -> None:
    endpoint = Endpoint(base_url="http://127.0.0.1:9/v1", model="m", retry=FAST_RETRY)
    reply = asyncio.run(_send_real(endpoint))
    assert reply.status == "error" and reply.unreachable and reply.attempts == 3
    assert reply.error.startswith("cannot connect to http://127.0.0.1:9/v1")


def test_completions_api_reads_text_pieces(fake) -> None:
    endpoint = endpoint_for(fake, api="completions")
    reply = asyncio.run(_send_real(endpoint))
    assert reply.status == "ok" and reply.text == '{"intent": "cancel"}'
    assert fake.bodies[0]["prompt"] == endpoint.prompt_text(ITEM)


def test_retry_after_header_is_honoured_up_to_max_s() -> None:
    answers = [Answer(status=429, headers={"Retry-After": "0.3"}), Answer()]
    with FakeServer(lambda body, n: answers[n]) as fake:
        endpoint = endpoint_for(fake, retry=Retry(max_attempts=2, initial_s=0.001, max_s=0.5))
        reply = asyncio.run(_send_real(endpoint))
    assert reply.status == "ok" and reply.attempts == 2 and reply.latency_s >= 0.3


@pytest.mark.parametrize(("error", "expected"), [
    (aiohttp.ServerDisconnectedError(), True), (aiohttp.ClientPayloadError("cut"), True),
    (TimeoutError(), True), (ValueError(), False),
])
def test_retryable(error, expected) -> None:
    assert retryable(error) is expected


async def _send_real(endpoint: Endpoint) -> Reply:
    async with aiohttp.ClientSession() as client:
        return await send(client, endpoint, ITEM)


KEY = "llmopt-test-key-7d3e1b"


def test_a_key_an_error_body_echoes_is_masked_in_the_record(monkeypatch) -> None:
    monkeypatch.setenv("GATEWAY_KEY", KEY)
    seen = []

    def handler(request):
        seen.append(request.headers["Authorization"])
        return error_response(401, f"Incorrect API key provided: {KEY}.")

    reply = send_with(handler, api_key_env="GATEWAY_KEY")
    assert seen == [f"Bearer {KEY}"] and reply.status == "http_401"
    assert KEY not in reply.error and "Incorrect API key provided: ***" in reply.error


def test_credentials_in_a_base_url_are_redacted_in_the_record() -> None:
    endpoint = Endpoint(base_url=f"http://alice:{KEY}@127.0.0.1:9/v1?api_key={KEY}", model="m",
                        retry=Retry(max_attempts=1))
    reply = asyncio.run(_send_real(endpoint))
    assert reply.unreachable and KEY not in reply.error and KEY not in repr(endpoint)
    assert "http://***@127.0.0.1:9/v1?api_key=***" in reply.error
    assert endpoint.url == f"http://alice:{KEY}@127.0.0.1:9/v1/chat/completions?api_key={KEY}"
