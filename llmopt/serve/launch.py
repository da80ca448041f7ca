"""`LaunchCommand`: the argv and environment overrides that start one vLLM server."""

from __future__ import annotations

import shlex

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.serve.config import ServeConfig
from llmopt.serve.model_ref import is_local
from llmopt.settings import Settings

_QUIET = {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"}
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
_IN_PROCESS = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}  # and vLLM picks its uni executor


QUICK_START = {"worker_in_process": True, "optimization_level": 0}
"""ServeConfig fields that start a demo model in about half the time (one process fewer
importing vLLM and torch, no torch.compile) but measure a different server: on the CPU build,
demo small's TPOT at one stream was 49x vLLM's default layout's and its throughput at 16
streams half (benchmarks/process_mode.py). For tests that check behaviour, not speed; no
profile uses it by default."""


class LaunchCommand(BaseModel):
    """The full argv and the variables set on top of the caller's environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    argv: list[str]
    env: dict[str, str]

    def __str__(self) -> str:
        """A shell line a person can paste to start the same server."""
        assignments = [f"{key}={shlex.quote(value)}" for key, value in self.env.items()]
        return " ".join([*assignments, shlex.join(self.argv)])


def default_env(config: ServeConfig, settings: Settings) -> dict[str, str]:
    """KV-cache size for the CPU build, no telemetry, offline hub access for local models, and
    the process layout (`ServeConfig.worker_in_process`)."""
    env = {"VLLM_CPU_KVCACHE_SPACE": _whole_gib(settings.kv_cache_space_gib), **_QUIET}
    env |= _IN_PROCESS if config.worker_in_process else {}
    return env | (_OFFLINE if _all_local(config) else {})


def _all_local(config: ServeConfig) -> bool:
    spec = config.speculative
    draft_local = spec is None or spec.method != "draft_model" or is_local(spec.model)
    return is_local(config.model) and draft_local


def _whole_gib(gib: float) -> str:
    if gib <= 0 or gib != int(gib):
        raise ConfigError(
            f"kv_cache_space_gib={gib} is not valid: VLLM_CPU_KVCACHE_SPACE takes a positive "
            "whole number of GiB (use extra_args ['--kv-cache-memory-bytes', N] for finer sizes)"
        )
    return str(int(gib))
