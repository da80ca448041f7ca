"""A real redis-server on loopback, started on a free port for the session and stopped after."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def all_at_once(calls: list[tuple[Callable[[Any], None], Any]]) -> None:
    """Run each `fn(arg)` of `calls` in a thread of its own, all released together by a barrier
    (so they overlap whatever the scheduler does), and return when every one has finished."""
    start = threading.Barrier(len(calls))

    def run(fn: Callable[[Any], None], arg: Any) -> None:
        start.wait()
        fn(arg)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def after_redis_went_away(make: Callable[[str], Any], tmp_path: Any, llm: str) -> Any:
    """A cache on a Redis that answered one write and one read, then stopped."""
    server = RedisServer(str(tmp_path))
    try:
        cache = make(server.url)
        cache.put("p", llm, "a")
        assert cache.get("p", llm) == "a"
    finally:
        server.stop()
    return cache


def tenants_keep_their_own(tenants: list[Any], rounds: int, llm: str) -> list[str]:
    """Every tenant writes `rounds` answers tagged with its name and reads each back, all
    tenants at once; the answers that came back wrong (empty: nobody crossed)."""
    wrong: list[str] = []

    def work(cache: Any) -> None:
        for j in range(rounds):
            cache.put(f"question number {j}", llm, f"{cache.namespace}-{j}")
            got = cache.get(f"question number {j}", llm)
            if got is None or not got.startswith(f"{cache.namespace}-"):
                wrong.append(f"{cache.namespace} {j} -> {got}")

    all_at_once([(work, t) for t in tenants])
    return wrong


class RedisServer:
    def __init__(self, tmp: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server binary not installed (Debian package redis-server; .ci/debs)")
    server = RedisServer(str(tmp_path_factory.mktemp("redis")))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(params=["exact", "approximate"])
def both_indexes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a semantic-cache test twice: with the exact index, and with every slice's index
    approximate from its first row (IVF, rebuilt as it grows), so that eviction, TTL and tenant
    isolation are checked on both."""
    from llmopt.cache.index import VectorIndex
    from llmopt.cache.semantic import SemanticCache

    if request.param == "approximate":
        monkeypatch.setattr(SemanticCache, "_new_index",
                            lambda self, d: VectorIndex(d, approximate_above=0))
    return request.param
