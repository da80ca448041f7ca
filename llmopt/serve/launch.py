"""`LaunchCommand`: the argv and environment overrides that start one vLLM server."""

from __future__ import annotations

import os
import shlex

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.serve.config import ServeConfig
from llmopt.serve.model_ref import is_local
from llmopt.settings import Settings

_QUIET = {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"}
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


QUICK_START = {"worker_in_process": True, "optimization_level": 0}
"""ServeConfig fields that start a demo model sooner (one process fewer importing vLLM and
torch, no torch.compile); `-O0` serves slower (0.70x req/s at one stream, 0.49x at 16 on demo
small, benchmarks/process_mode.py), so it is for tests that check behaviour, not speed; no
profile uses it by default. (An earlier "49x TPOT" reading was the in-process worker's OpenMP
taking every core, fixed in `in_process_env`.)"""


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
    env |= in_process_env() if config.worker_in_process else {}
    return env | (_OFFLINE if _all_local(config) else {})


def in_process_env() -> dict[str, str]:
    """The worker in the engine core's process (vLLM then picks its uni executor), with the
    OpenMP threads vLLM's own layout gives its worker: the cores but one, which it keeps for the
    front end. vLLM sets OMP_NUM_THREADS only for a worker process it starts itself; in process,
    OpenMP would take every core, and each parallel region then waits at its barrier for a
    thread that shares a core with any other busy process: demo large made 2.6 output tokens/s
    instead of hundreds on 2 cores beside one CPU-bound job (measured). A caller's own
    OMP_NUM_THREADS is kept."""
    env = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    if "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = str(max(1, len(os.sched_getaffinity(0)) - 1))
    return env


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
