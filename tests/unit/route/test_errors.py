from __future__ import annotations

import pytest

from llmopt.route.errors import ContentFiltered, ErrorClass, StreamBroken, classify
from tests.unit.route.fakes import api_error, refused, stream_error, timed_out


@pytest.mark.parametrize(("exc", "expected"), [
    (api_error(429), ErrorClass.rate_limit),
    (api_error(503), ErrorClass.server_error),
    (api_error(400, "This model's maximum context length is 512 tokens"),
     ErrorClass.context_window),
    (api_error(400, "blocked by content_filter"), ErrorClass.content_filter),
    (stream_error(500, "EngineCore encountered an issue."), ErrorClass.server_error),
    (stream_error("context_length_exceeded"), ErrorClass.other),
    (timed_out(), ErrorClass.timeout),
    (refused(), ErrorClass.connection),
    (StreamBroken("x"), ErrorClass.stream_broken),
    (ContentFiltered("x"), ErrorClass.content_filter),
    (api_error(401), ErrorClass.other),
    (ValueError("x"), ErrorClass.other),
])
def test_classify(exc, expected):
    assert classify(exc) == expected
