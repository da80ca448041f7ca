"""A real vLLM server (the CPU build on CPU machines) on a tiny Llama: one start for the file."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from llmopt.errors import ConfigError
from llmopt.serve import MetricsDelta, MetricsSnapshot, ServeConfig, VllmServer
from llmopt.settings import get_settings

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

SENTENCE = "Policy: refunds are allowed within thirty days of delivery. "


@pytest.fixture(scope="module")
def shared_server(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VllmServer]:
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")
    positions = json.loads((tiny_model_dir / "config.json").read_text())["max_position_embeddings"]
    config = ServeConfig(
        model=str(tiny_model_dir), served_model_name="tiny", max_model_len=min(512, positions)
    )
    log_path = tmp_path_factory.mktemp("vllm") / "server.log"
    with VllmServer(config, log_path=log_path) as server:
        yield server


@pytest.fixture
def server(shared_server: VllmServer) -> VllmServer:
    """The shared server, restarted if an earlier test stopped it."""
    return shared_server.start()


def _complete(server: VllmServer, prompt: str, max_tokens: int = 8) -> dict:
    body = {"model": server.model_name, "prompt": prompt, "max_tokens": max_tokens}
    body["temperature"] = 0
    response = httpx.post(f"{server.base_url}/completions", json=body, timeout=120)
    response.raise_for_status()
    return response.json()


def _token_count(server: VllmServer, prompt: str) -> int:
    body = {"model": server.model_name, "prompt": prompt}
    response = httpx.post(f"{server.url}/tokenize", json=body, timeout=30)
    response.raise_for_status()
    return int(response.json()["count"])


def _prompt_of(server: VllmServer, max_tokens: int) -> str:
    """The longest repetition of SENTENCE that stays within `max_tokens` tokens."""
    prompt = SENTENCE
    while _token_count(server, prompt + SENTENCE) <= max_tokens:
        prompt += SENTENCE
    return prompt


def _delta_after(
    server: VllmServer, request: Callable[[], dict], timeout_s: float = 10.0
) -> tuple[dict, MetricsDelta]:
    """Run `request`, then wait until /metrics has counted it; (response, delta)."""
    before = server.metrics()
    answer = request()
    deadline = time.monotonic() + timeout_s
    delta = server.metrics() - before
    while delta.request_success < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        delta = server.metrics() - before
    return answer, delta


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found.update(kids)
        todo.extend(kids)
    return found


def _alive(pid: int) -> bool:
    """True for a running process; False when it is gone or only a zombie awaiting its reaper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_completions_work(server: VllmServer) -> None:
    answer = _complete(server, "Thank you for contacting support.")
    assert answer["model"] == "tiny"
    assert answer["usage"]["completion_tokens"] > 0
    assert isinstance(answer["choices"][0]["text"], str)
    assert server.startup_s is not None and server.startup_s > 0


def test_kv_cache_tokens_is_reported(server: VllmServer) -> None:
    tokens = server.kv_cache_tokens
    assert isinstance(tokens, int) and tokens > 0


def test_metrics_count_exactly_the_reported_usage(server: VllmServer) -> None:
    answer, delta = _delta_after(server, lambda: _complete(server, SENTENCE * 3, max_tokens=10))
    usage = answer["usage"]
    assert delta.request_success == 1
    assert delta.prompt_tokens == usage["prompt_tokens"]
    assert delta.generation_tokens == usage["completion_tokens"]
    assert delta.time_to_first_token_seconds.count == 1
    assert delta.mean_e2e_s is not None and delta.mean_e2e_s > 0


def test_prefix_cache_hits_on_a_repeated_prompt(server: VllmServer) -> None:
    # Longer than one KV block (128 tokens on CPU): only whole blocks are cached.
    length = min(300, server.config.max_model_len - 16)
    prompt = _prompt_of(server, length)
    _complete(server, prompt, max_tokens=2)
    _, delta = _delta_after(server, lambda: _complete(server, prompt, max_tokens=2))
    assert delta.prompt_tokens > 128
    assert delta.prefix_cache_queries == delta.prompt_tokens
    assert delta.prefix_cache_hits >= 128
    assert delta.prefix_cache_hit_rate is not None and delta.prefix_cache_hit_rate > 0.3


def test_metrics_snapshot_is_typed(server: VllmServer) -> None:
    snapshot = server.metrics()
    assert isinstance(snapshot, MetricsSnapshot)
    assert "vllm:kv_cache_usage_perc" in snapshot.samples


def test_raising_inside_with_leaves_no_process(server: VllmServer) -> None:
    """Runs last in the file: it stops the shared server (a later test would restart it)."""
    pid = server.pid
    assert pid is not None
    family = _descendants(pid) | {pid}
    assert len(family) > 1  # vLLM runs its engine in child processes
    with pytest.raises(RuntimeError, match="inside with"), server:
        raise RuntimeError("inside with")
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    assert not any(_alive(p) for p in family)


def test_unknown_flag_is_a_config_error(tiny_model_dir: Path) -> None:
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")
    config = ServeConfig(model=str(tiny_model_dir), extra_args=["--no-such-flag-xyz", "1"])
    server = VllmServer(config)
    with pytest.raises(ConfigError, match="--no-such-flag-xyz"):
        server.start()
    assert server.pid is None
