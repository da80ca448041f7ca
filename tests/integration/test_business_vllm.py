"""Notebook 12 on the gpu profile: the servers its stack would start, through vLLM's own parser.

No GPU here, so the steps that need a server of their own cannot run; what they would start is
checked instead: the gpu profile's decisions as notebooks 05, 06, 10 and 11 save them, read into
the stack's steps, added up as the notebook adds them, and the target server of every setting
parsed by the same vLLM version (and its engine config, the 8B target's stated shape standing
in, where nothing is read from the hub)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmopt.business import stack
from llmopt.business.stack import Setting
from llmopt.evidence import Evidence, decide, exact_change, paired_quality, save_decisions
from llmopt.profile import Profile
from llmopt.serve.plan import VllmArgChecker, serve_argv, shape_for
from llmopt.settings import get_settings

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

GPU = Profile.load(Path(__file__).parents[2] / "cookbook/profiles/gpu.yaml")
SPECULATION = {  # as notebook 06 saves its setting, and what the stack serves for it
    "eagle3": {"method": "eagle3", "model": GPU.eagle_head, "num_speculative_tokens": 3},
    "ngram": {"method": "ngram", "num_speculative_tokens": 3, "prompt_lookup_max": 4,
              "prompt_lookup_min": 2},
}


def kept_rows(method: str) -> dict[str, list[tuple[str, str]]]:
    """Rows as the gpu profile's notebooks would save them, every one kept."""
    return {
        "02_prompt_compression": [("prompt compression (llmlingua)", "rate 0.7 (-20% tokens)")],
        "05_kv_and_prefix_cache": [
            ("Prefix caching", f"on vs off, {GPU.target_model}, one stream"),
            ("KV cache dtype", f"fp8 vs auto, {GPU.target_model}")],
        "06_speculative_decoding": [("Speculative decoding",
                                     f"{method} (3 tokens) vs none, 1 in flight")],
        "07_response_cache": [("exact response cache", "SQLite in the results folder")],
        "08_router_fallback": [],
        "09_output_side": [("output cap", "max_tokens 300 (p99 of the lengths + 25%)")],
    }


@pytest.fixture(scope="module", autouse=True)
def _needs_vllm() -> None:
    if not get_settings().vllm_python.exists():
        pytest.skip(f"no vLLM environment at {get_settings().vllm_python}")


@pytest.fixture(scope="module")
def checker() -> Iterator[VllmArgChecker]:
    with VllmArgChecker() as started:
        yield started


def kept(technique: str, setting: str):
    same = paired_quality([True] * 4, [True] * 4)
    cost = exact_change("$ per 1M requests", 100.0, 90.0)
    return decide(technique, setting, Evidence(quality=same, cost=cost), budget_points=1.0)


# An EAGLE head's own config.json is read when the engine config is built: not offline here.
@pytest.mark.parametrize(("method", "stage"), [("eagle3", "engine-args"),
                                               ("ngram", "engine-config")])
def test_every_server_the_stack_starts_on_the_gpu_profile_passes_vllm(checker, tmp_path,
                                                                      method, stage):
    for name, rows in kept_rows(method).items():
        save_decisions(tmp_path, name, [kept(*row) for row in rows], profile=GPU)
    setting, servers = Setting(), []
    for step in stack.kept(stack.read(tmp_path, GPU), GPU):
        setting = setting.plus(step)
        servers += [setting.server] if step.server else []
    assert servers == [{"speculative": SPECULATION[method]},
                       {"speculative": SPECULATION[method], "kv_cache_dtype": "fp8"}]
    for overrides in servers:
        result = checker.check(serve_argv(GPU.serve_config("target", **overrides)),
                               stand_in=shape_for(GPU.target_model).to_config(),
                               engine_config=stage == "engine-config")
        assert result.ok and result.stage == stage, (overrides, result)
