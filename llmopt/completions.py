"""A small blocking client: send workload items to an OpenAI-compatible chat endpoint.

For answering and grading a sample. Load tests, streaming timings and retries live in
`llmopt.bench`. Failed requests are returned as data (with `error` set), never dropped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
from pydantic import BaseModel, ConfigDict
from tqdm.auto import tqdm

from llmopt.workload import WorkloadItem


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float
    status: int | None = None
    error: str | None = None


def complete(
    base_url: str,
    model: str,
    items: list[WorkloadItem],
    *,
    max_tokens: int = 64,
    concurrency: int = 8,
    timeout_s: float = 120.0,
    api_key_env: str | None = None,
) -> list[Completion]:
    """Greedy chat completions for `items`, in order; `api_key_env` names the key's variable."""
    headers = {}
    if api_key_env:
        headers["Authorization"] = f"Bearer {os.environ[api_key_env]}"
    with httpx.Client(base_url=base_url, timeout=timeout_s, headers=headers) as client:

        def one(item: WorkloadItem) -> Completion:
            return _one(client, model, item, max_tokens)

        with ThreadPoolExecutor(concurrency) as pool:
            results = pool.map(one, items)
            return list(tqdm(results, total=len(items), desc=f"{model}", leave=False))


@contextmanager
def sender(base_url: str, model: str, *, max_tokens: int = 64, timeout_s: float = 120.0,
           api_key_env: str | None = None) -> Iterator[Callable[[WorkloadItem], Completion]]:
    """A function sending one item at a time (greedy), on one connection kept open: for callers
    that decide per request whether to send it (a response cache in front of the server)."""
    headers = {}
    if api_key_env:
        headers["Authorization"] = f"Bearer {os.environ[api_key_env]}"
    with httpx.Client(base_url=base_url, timeout=timeout_s, headers=headers) as client:
        yield lambda item: _one(client, model, item, max_tokens)


def _one(client: httpx.Client, model: str, item: WorkloadItem, max_tokens: int) -> Completion:
    body = {"model": model, "messages": item.messages(), "max_tokens": max_tokens,
            "temperature": 0.0}
    start = time.perf_counter()
    try:
        response = client.post("/chat/completions", json=body)
    except httpx.HTTPError as error:
        return Completion(id=item.id, latency_s=time.perf_counter() - start,
                          error=f"{type(error).__name__}: {error}")
    latency = time.perf_counter() - start
    if response.status_code != 200:
        return Completion(id=item.id, latency_s=latency, status=response.status_code,
                          error=response.text[:500])
    data = response.json()
    usage = data.get("usage") or {}
    return Completion(
        id=item.id, text=data["choices"][0]["message"]["content"] or "",
        prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
        latency_s=latency, status=200,
    )
