"""`Endpoint`: where requests go (any OpenAI-compatible server) and how they are shaped.

The API key is read from the environment variable `api_key_env` names, at call time; the key
itself is never stored in the endpoint, its repr, records or results. A base URL with
credentials in it (user:key@host, ?api_key=...) works, and shows redacted (llmopt.redaction)
in the endpoint's repr and in every error.
"""

from __future__ import annotations

import os
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from llmopt.errors import ConfigError
from llmopt.redaction import redact_url
from llmopt.workload import WorkloadItem


class Retry(BaseModel):
    """Retries on 429, 408, 5xx, timeouts and connection errors: exponential backoff, bounded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=3, ge=1)
    """Attempts in all, the first one included (1 = no retry)."""
    initial_s: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    """Wait before the first retry; it doubles for each further one."""
    max_s: float = Field(default=8.0, ge=0, allow_inf_nan=False)
    """Longest wait between two attempts (a server's Retry-After is honoured up to this)."""


class Endpoint(BaseModel):
    """An OpenAI-compatible endpoint: local vLLM, a hosted API or a gateway."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
    """Errors do not echo inputs: a base URL may carry credentials (the messages name what is
    wrong, a base URL's redacted)."""

    base_url: str = Field(min_length=1)
    """Base URL ending in /v1, e.g. http://127.0.0.1:8000/v1."""
    model: str = Field(min_length=1)
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    timeout_s: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    """Limit for one attempt, from sending to the last streamed byte."""
    max_tokens: int | None = Field(default=64, ge=1)
    """The output cap sent with every request; None sends none (the server then lets an answer
    run to the end of the context, what an uncapped client gets)."""
    temperature: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    api: Literal["chat", "completions"] = "chat"
    prompt_template: str = "{system}\n\n{user}"
    """The prompt text of an item: sent as `prompt` on the completions API, and what a client
    tokenizer counts on either API (on the chat API the server's template may add tokens)."""
    extra_body: dict[str, Any] = {}
    """Further request fields, e.g. {"ignore_eos": true} or {"seed": 0}."""
    retry: Retry = Retry()

    @classmethod
    def of(cls, server: Any, **fields: Any) -> Endpoint:
        """The endpoint of a running server (a VllmServer: its `base_url`, `model_name` and
        the key its config names)."""
        fields.setdefault("api_key_env", server.config.api_key_env)
        return cls(base_url=server.base_url, model=server.model_name, **fields)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got "
                             f"{redact_url(url)!r}")
        return url.rstrip("/")

    @field_validator("prompt_template")
    @classmethod
    def _known_fields(cls, template: str) -> str:
        try:
            template.format(system="", user="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"prompt_template may use only {{system}} and {{user}}: "
                             f"{template!r} ({error!r})") from None
        return template

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "base_url" else value

    @property
    def url(self) -> str:
        """Where requests are posted (the base URL's query, if any, kept at the end)."""
        parts = urlsplit(self.base_url)
        route = "chat/completions" if self.api == "chat" else "completions"
        return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/{route}"))

    def headers(self) -> dict[str, str]:
        """HTTP headers; the key is read from the environment now. ConfigError if it is unset."""
        if self.api_key_env is None:
            return {}
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(f"environment variable {self.api_key_env} (api_key_env) is not set; "
                              "export the API key there")
        return {"Authorization": f"Bearer {key}"}

    def prompt_text(self, item: WorkloadItem) -> str:
        return self.prompt_template.format(system=item.system, user=item.user)

    def body(self, item: WorkloadItem) -> dict[str, Any]:
        """The streaming request for one item, with usage in the last chunk."""
        body: dict[str, Any] = {
            "model": self.model, "temperature": self.temperature,
            "stream": True, "stream_options": {"include_usage": True},
        }
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.api == "chat":
            body["messages"] = item.messages()
        else:
            body["prompt"] = self.prompt_text(item)
        return body | self.extra_body
