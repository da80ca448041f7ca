from __future__ import annotations

import pytest

from llmopt.bench import Endpoint, Retry
from llmopt.demo.generator import generate
from llmopt.workload import WorkloadItem

from .fake_server import FakeServer

FAST_RETRY = Retry(max_attempts=3, initial_s=0.001, max_s=0.01)


@pytest.fixture
def items() -> list[WorkloadItem]:
    return generate(12, seed=1)


@pytest.fixture
def fake():
    with FakeServer() as server:
        yield server


def endpoint_for(server: FakeServer, **overrides) -> Endpoint:
    fields = {"base_url": server.base_url, "model": "fake", "retry": FAST_RETRY,
              "timeout_s": 5.0}
    return Endpoint(**(fields | overrides))
