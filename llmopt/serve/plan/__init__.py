"""Serving capacity: which GPU, how many, which vLLM flags, and what 1M tokens cost.

    from llmopt.serve.plan import PlanRequest, plan, serve_command
    p = plan(PlanRequest(model="meta-llama/Llama-3.1-8B-Instruct", scheme="fp8",
                         kv_cache_dtype="fp8", context_tokens=8192, concurrency=32))
    print(p.verdict); print(serve_command(p.serve_config()))
    p.check()          # vLLM's own parser and engine config accept the flags (vLLM env, no GPU)

Memory = weights (parameters x bytes per weight of the scheme) + KV cache per token (layers x KV
heads x head dim x 2 x bytes of the KV dtype) x context x concurrency + runtime overhead. On vLLM's
CPU build the KV capacity is exact (`cpu_capacity`); on GPUs the activation and runtime overhead
are labelled estimates (`memory`). Importing this package never imports vllm.
"""

from llmopt.serve.plan.commands import (
    IMAGE,
    RaySteps,
    container_flags,
    docker_command,
    k8s_manifest,
    k8s_name,
    ray_steps,
    serve_argv,
    serve_command,
)
from llmopt.serve.plan.memory import GpuMemory, cpu_kv_tokens, kv_bytes_per_token, weight_bytes
from llmopt.serve.plan.planner import (
    Candidate,
    Plan,
    PlanRequest,
    StatedThroughput,
    capacity_table,
    plan,
    serve_config,
    stated_throughput,
)
from llmopt.serve.plan.prediction import CpuCapacity, ServerPrediction, cpu_capacity, predict_server
from llmopt.serve.plan.rules import Problem, cpu_flags, cpu_problems, problems
from llmopt.serve.plan.schemes import KV_DTYPES, SCHEMES, VLLM_VERSION, WeightScheme, scheme
from llmopt.serve.plan.shapes import ModelShape, read_config_dir, shape_for, stated_shapes
from llmopt.serve.plan.vllm_args import (
    ArgCheck,
    VllmArgChecker,
    check_args,
    check_ray_args,
    prestart,
)

__all__ = [
    "IMAGE",
    "KV_DTYPES",
    "SCHEMES",
    "VLLM_VERSION",
    "ArgCheck",
    "Candidate",
    "CpuCapacity",
    "GpuMemory",
    "ModelShape",
    "Plan",
    "PlanRequest",
    "Problem",
    "RaySteps",
    "ServerPrediction",
    "StatedThroughput",
    "VllmArgChecker",
    "WeightScheme",
    "capacity_table",
    "check_args",
    "check_ray_args",
    "container_flags",
    "cpu_flags",
    "cpu_problems",
    "cpu_capacity",
    "cpu_kv_tokens",
    "docker_command",
    "k8s_manifest",
    "k8s_name",
    "kv_bytes_per_token",
    "plan",
    "predict_server",
    "prestart",
    "problems",
    "ray_steps",
    "read_config_dir",
    "scheme",
    "serve_argv",
    "serve_command",
    "serve_config",
    "shape_for",
    "stated_shapes",
    "stated_throughput",
    "weight_bytes",
]
