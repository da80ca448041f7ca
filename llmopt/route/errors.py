"""How the router sorts a failed call, and what it does about each kind.

    ErrorClass          retried (same model)  falls back   cools down
    rate_limit          yes (backoff)         yes          yes
    timeout             yes (backoff)         yes          no
    server_error (5xx)  yes (backoff)         yes          yes
    connection          no                    yes          yes
    context_window      no                    yes          no   (a longer context may fit)
    content_filter      no                    yes          no
    stream_broken       no                    yes          yes  (broke after first tokens)
    other               no                    no: raised   no
"""

from __future__ import annotations

from enum import StrEnum

from llmopt.errors import LlmoptError
from llmopt.redaction import mask


class ErrorClass(StrEnum):
    rate_limit = "rate_limit"
    timeout = "timeout"
    server_error = "server_error"
    connection = "connection"
    context_window = "context_window"
    content_filter = "content_filter"
    stream_broken = "stream_broken"
    early_stop = "early_stop"
    other = "other"


RETRIED = {ErrorClass.rate_limit, ErrorClass.timeout, ErrorClass.server_error}
COOLED = {ErrorClass.rate_limit, ErrorClass.server_error, ErrorClass.connection,
          ErrorClass.stream_broken}
FALLS_BACK = set(ErrorClass) - {ErrorClass.other}

_CONTEXT_WORDS = ("context length", "context_length", "maximum context", "context window",
                  "too many tokens", "prompt is too long", "max_model_len")
_FILTER_WORDS = ("content_filter", "content filter", "content management policy")


class RouteError(LlmoptError):
    """Base of the router's own errors."""


class AllTiersFailed(RouteError):
    """Every model in the fallback list failed; `attempts` holds each try, `causes` each
    model's last error (the tier, where it was called and what went wrong)."""

    def __init__(self, message: str, attempts: list, causes: list[str] | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.causes = causes or []


def described(exc: BaseException) -> str:
    """An error and what caused it, in one line (the client's "Connection error." says little
    without the refused connection under it)."""
    text = f"{type(exc).__name__}: {exc}"
    cause, seen = exc.__cause__ or exc.__context__, 0
    while cause is not None and seen < 5:  # the first cause that says something new
        if str(cause) not in text:
            text = f"{text} (from {type(cause).__name__}: {cause})"
            break
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return mask(text)[:300]  # no key a gateway's error body echoes


class ContentFiltered(RouteError):
    """A model stopped its answer with finish_reason `content_filter`."""


class StreamBroken(RouteError):
    """A stream failed after its first tokens; the router discards the partial answer."""


class EarlyStopped(RouteError):
    """A cascade's early stop aborted the answer mid-stream (its log-probabilities fell below
    the rule's threshold); the next tier is asked. Not a failure of the tier: no cooldown."""


def classify(exc: BaseException) -> ErrorClass:
    """The class of a failed call: by the status code and type the OpenAI/httpx clients raise."""
    if isinstance(exc, StreamBroken):
        return ErrorClass.stream_broken
    if isinstance(exc, EarlyStopped):
        return ErrorClass.early_stop
    if isinstance(exc, ContentFiltered):
        return ErrorClass.content_filter
    text = str(exc).lower()
    status = _status(exc)
    if status == 429:
        return ErrorClass.rate_limit
    if status is not None and status >= 500:
        return ErrorClass.server_error
    if status in (400, 413, 422) and any(w in text for w in _CONTEXT_WORDS):
        return ErrorClass.context_window
    if any(w in text for w in _FILTER_WORDS):
        return ErrorClass.content_filter
    return _by_type(exc)


def _status(exc: BaseException) -> int | None:
    """The HTTP status of the response, or of an error sent inside a stream that had already
    answered 200 (vLLM sends `{"error": {"code": 500, ...}}` when its engine dies mid-answer;
    the OpenAI client raises it as a bare `APIError` with that body)."""
    status = getattr(exc, "status_code", None)
    if status is None:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
    if status is None:
        body = getattr(exc, "body", None)
        status = body.get("code") if isinstance(body, dict) else None
        if isinstance(status, str) and status.isdigit():
            status = int(status)
    return status if isinstance(status, int) else None


def _by_type(exc: BaseException) -> ErrorClass:
    names = {t.__name__ for t in type(exc).__mro__}
    if names & {"APITimeoutError", "TimeoutException", "TimeoutError", "ReadTimeout"}:
        return ErrorClass.timeout
    if names & {"APIConnectionError", "ConnectError", "ConnectionError", "RemoteProtocolError",
                "ReadError"}:
        return ErrorClass.connection
    return ErrorClass.other
