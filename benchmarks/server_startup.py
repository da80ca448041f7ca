"""How long does a demo vLLM server take to start, per process mode? Medians of a few starts.

    .venv/bin/python benchmarks/server_startup.py [--model demo:large] [--starts 3]
                                                  [--modes default,inproc,inproc-aot,...]

One server at a time, the modes taken in turn (round robin); each start is
`VllmServer.startup_s` (launch to the first healthy /health answer). Modes:

  * default:   vLLM's own: API server, engine-core process, worker process (the CPU build
               forces the multi-process executor), torch.compile;
  * O0:        `-O0` (no torch.compile);
  * eager:     `--enforce-eager`;
  * inproc:    `worker_in_process` (VLLM_ENABLE_V1_MULTIPROCESSING=0): the worker runs in the
               engine core's process (uni executor); the API server stays apart (vLLM's
               OpenAI server always runs its engine core in a process of its own), so vLLM
               and torch import twice instead of three times;
  * quick-start: both (`llmopt.serve.launch.QUICK_START`; opt-in: benchmarks/process_mode.py
                 shows it measures a slower server);
  * inproc-aot: inproc with vLLM's AOT compile cache (VLLM_USE_AOT_COMPILE=1), which the CPU
                build cannot load back, so every start compiles again (`launch.cpu_build_env`
                turns it off; the other modes run without it).

Printed: each start and the median per mode.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from llmopt import offline
from llmopt.profile import resolve_model
from llmopt.serve import ServeConfig, VllmServer
from llmopt.serve.launch import QUICK_START

MODES: dict[str, dict] = {
    "default": {},
    "O0": {"optimization_level": 0},
    "eager": {"extra_args": ["--enforce-eager"]},
    "inproc": {"worker_in_process": True},
    "quick-start": QUICK_START,
    "inproc-aot": {"worker_in_process": True, "env": {"VLLM_USE_AOT_COMPILE": "1"}},
}
"""ServeConfig fields per mode, and "env": variables set on top (benchmarks/process_mode.py
uses the same modes)."""


def demo_server(model: str, mode: str) -> VllmServer:
    """A server (not started) for `model` in `mode`."""
    fields = dict(MODES[mode])
    env = fields.pop("env", {})
    config = ServeConfig(model=resolve_model(model), served_model_name=model,
                         max_model_len=1024, **fields)
    return VllmServer(config, env=env)


def start_once(model: str, mode: str) -> float:
    with demo_server(model, mode) as server:
        return server.startup_s or float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="demo:large")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args(argv)
    offline.enable()
    modes = args.modes.split(",")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for i in range(args.starts):  # round robin, so a load that comes and goes hits every mode
        for mode in modes:
            times[mode].append(start_once(args.model, mode))
            print(f"{mode:10s} start {i + 1}: {times[mode][-1]:5.1f} s", flush=True)
    medians = {mode: statistics.median(ts) for mode, ts in times.items()}
    print(f"\n{args.model}: median start-up of {args.starts} starts")
    for mode, median in medians.items():
        print(f"  {mode:10s} {median:5.1f} s")


if __name__ == "__main__":
    sys.exit(main())
