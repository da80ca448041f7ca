"""A scripted OpenAI-compatible server on loopback, for the client's error paths only.

Unit tests use it to make a real HTTP client meet 429s, 500s, 404s, slow and usage-less
answers; measurements of a real server live in tests/integration.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """What the server does for one request."""

    status: int = 200
    pieces: tuple[str, ...] = ('{"intent": ', '"cancel"', "}")
    usage: bool = True
    prompt_tokens: int = 11
    delay_s: float = 0.0
    """Seconds before the status line is sent."""
    piece_delay_s: float = 0.0
    error: str = "boom"
    headers: dict[str, str] = field(default_factory=dict)


Plan = Callable[[dict[str, Any], int], Answer]
"""(request body, 0-based request number) -> Answer."""

METRICS = """# HELP vllm:prompt_tokens_total x
vllm:prompt_tokens_total{{model_name="fake"}} {prompt}
vllm:generation_tokens_total{{model_name="fake"}} {output}
vllm:request_success_total{{finished_reason="stop",model_name="fake"}} {ok}
vllm:time_to_first_token_seconds_sum{{model_name="fake"}} {ttft}
vllm:time_to_first_token_seconds_count{{model_name="fake"}} {ok}
"""


class FakeServer:
    """`with FakeServer(plan) as fake:` -> `fake.base_url`, `fake.bodies`, `fake.metrics_url`."""

    def __init__(self, plan: Plan | None = None) -> None:
        self.plan = plan or (lambda body, n: Answer())
        self.bodies: list[dict[str, Any]] = []
        self.counters = {"prompt": 0, "output": 0, "ok": 0, "ttft": 0.0}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def metrics_url(self) -> str:
        return self.base_url.removesuffix("/v1") + "/metrics"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def take(self, body: dict[str, Any]) -> Answer:
        with self.lock:
            self.bodies.append(body)
            return self.plan(body, len(self.bodies) - 1)

    def count(self, answer: Answer) -> None:
        with self.lock:
            self.counters["prompt"] += answer.prompt_tokens
            self.counters["output"] += len(answer.pieces)
            self.counters["ok"] += 1
            self.counters["ttft"] += 0.001


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            text = METRICS.format(**fake.counters).encode()
            self._head(200, "text/plain", {"Content-Length": str(len(text))})
            self.wfile.write(text)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = fake.take(body)
            time.sleep(answer.delay_s)
            if answer.status != 200:
                return self._error(answer)
            self._head(200, "text/event-stream", answer.headers)
            try:
                self._stream(body, answer)
            except (BrokenPipeError, ConnectionResetError):
                return
            fake.count(answer)

        def _error(self, answer: Answer) -> None:
            data = json.dumps({"error": {"message": answer.error, "code": answer.status}})
            self._head(answer.status, "application/json", answer.headers)
            self.wfile.write(data.encode())

        def _stream(self, body: dict[str, Any], answer: Answer) -> None:
            chat = "messages" in body
            self._send({"choices": [{"delta": {"role": "assistant", "content": ""}}]})
            for piece in answer.pieces:
                time.sleep(answer.piece_delay_s)
                self._send({"choices": [{"delta": {"content": piece}} if chat
                                        else {"text": piece}]})
            if answer.usage:
                usage = {"prompt_tokens": answer.prompt_tokens,
                         "completion_tokens": len(answer.pieces)}
                self._send({"choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")

        def _send(self, chunk: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        def _head(self, status: int, kind: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()

    return Handler
