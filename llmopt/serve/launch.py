"""`LaunchCommand`: the argv and environment overrides that start one vLLM server."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.serve.config import ServeConfig
from llmopt.serve.model_ref import is_local
from llmopt.settings import Settings

_QUIET = {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"}
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


QUICK_START = {"worker_in_process": True, "optimization_level": 0}
"""ServeConfig fields that start a demo model sooner (one process fewer importing vLLM and
torch, no torch.compile); `-O0` serves slower (0.42-0.60x req/s at one stream on demo small,
benchmarks/process_mode.py), so it is for tests that check behaviour, not speed; no profile
uses it by default. (An earlier "49x TPOT" reading was the in-process worker's OpenMP
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


def default_env(config: ServeConfig, settings: Settings, program: str) -> dict[str, str]:
    """KV-cache size for the CPU build, no telemetry, offline hub access for local models, the
    process layout (`ServeConfig.worker_in_process`), and the CPU build's compile cache
    (`cpu_build_env`, where `program`, the launcher's first word, runs vLLM's CPU build)."""
    env = {"VLLM_CPU_KVCACHE_SPACE": _whole_gib(settings.kv_cache_space_gib), **_QUIET}
    env |= in_process_env() if config.worker_in_process else {}
    env |= cpu_build_env() if is_cpu_build(program) else {}
    return env | (_OFFLINE if _all_local(config) else {})


def cpu_build_env() -> dict[str, str]:
    """vLLM's older compile cache instead of its AOT one. vllm-cpu 0.32 (torch 2.13) saves
    each compiled model in its AOT cache but cannot load it back ("Compiling model again due to
    a load failure ... 'function' object has no attribute 'finalize_loading'" in every log), so
    every start compiled the model again: demo large's engine took 10-18 s to initialise, 5-6 s
    with the older cache, which loads. Medians of 3 starts taken in turn
    (benchmarks/server_startup.py --modes inproc,inproc-aot): demo large 26.6 s against 38.1 s,
    demo small 24.1 s against 29.1 s; and the server it starts is no slower (demo small req/s
    1.15-1.26x, benchmarks/process_mode.py --modes inproc,inproc-aot, both orders). A caller's
    own VLLM_USE_AOT_COMPILE is kept."""
    return {} if "VLLM_USE_AOT_COMPILE" in os.environ else {"VLLM_USE_AOT_COMPILE": "0"}


@functools.cache
def is_cpu_build(program: str) -> bool:
    """True when `program` (a venv's python, or its `vllm` script) belongs to an environment
    with vLLM's CPU build installed (the `vllm-cpu` distribution of requirements/vllm.txt).
    Looked up once per program (every VllmServer asks)."""
    found = shutil.which(program)
    if found is None:
        return False
    root = Path(found).parent.parent  # <venv>/bin/python -> <venv>; no resolve: keep the venv
    return any(root.glob("lib/python3*/site-packages/vllm_cpu-*.dist-info"))


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
