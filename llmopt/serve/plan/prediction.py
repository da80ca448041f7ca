"""What a server will report before it starts: the KV capacity of vLLM's CPU build (exact
arithmetic) or of one GPU (an estimate), and what would stop it from starting here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.pricing.gpus import Gpu
from llmopt.serve.plan import rules
from llmopt.serve.plan.memory import cpu_kv_tokens, kv_bytes_per_token
from llmopt.serve.plan.planner import PlanRequest, candidate
from llmopt.serve.plan.rules import Problem
from llmopt.serve.plan.shapes import ModelShape, shape_for


class KvReport(BaseModel):
    """A KV capacity a server will report, and what would stop it from starting at all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kv_cache_dtype: str
    kv_tokens: int
    """The figure vLLM logs as "KV cache size: N tokens"."""
    problems: list[Problem] = []

    @property
    def servable(self) -> bool:
        return not rules.errors(self.problems)

    @property
    def reason(self) -> str:
        """Why it cannot start ('' when it can)."""
        return "; ".join(p.message for p in rules.errors(self.problems))


class CpuCapacity(KvReport):
    """What the vLLM CPU build's KV cache holds for a model (exact: no profiling on CPU)."""

    model: str
    kv_space_gib: int
    kv_bytes_per_token: int
    context_tokens: int
    max_concurrency: int
    """Sequences at full context (vLLM logs it as "Maximum concurrency ... x")."""


def cpu_capacity(model: str, kv_cache_dtype: str = "auto", kv_space_gib: int = 1,
                 context_tokens: int = 1024, shape: ModelShape | None = None,
                 cpu_flags: set[str] | None = None) -> CpuCapacity:
    """The KV capacity vLLM's CPU build will report for `model` at VLLM_CPU_KVCACHE_SPACE, and
    what would stop it from starting on this CPU (or one with `cpu_flags`)."""
    if isinstance(kv_space_gib, bool) or not isinstance(kv_space_gib, int) or kv_space_gib < 1:
        raise ConfigError(f"kv_space_gib must be a whole number of GiB >= 1 "
                          f"(VLLM_CPU_KVCACHE_SPACE), got {kv_space_gib!r}")
    shape = shape or shape_for(model)
    tokens = cpu_kv_tokens(shape, kv_cache_dtype, kv_space_gib)
    return CpuCapacity(model=model, kv_cache_dtype=kv_cache_dtype, kv_space_gib=kv_space_gib,
                       kv_bytes_per_token=kv_bytes_per_token(shape, kv_cache_dtype),
                       kv_tokens=tokens, context_tokens=context_tokens,
                       max_concurrency=tokens // context_tokens,
                       problems=rules.cpu_problems(shape, kv_cache_dtype, cpu_flags))


class ServerPrediction(KvReport):
    """What a server of the model should report, and whether it can start at all."""

    exact: bool
    """True on vLLM's CPU build (pure arithmetic); False on a GPU (an estimate)."""


def predict_server(model: str, kv_cache_dtype: str, context_tokens: int, *,
                   gpu: Gpu | None = None, kv_space_gib: int = 1,
                   gpu_memory_utilization: float = 0.9, max_num_seqs: int = 256
                   ) -> ServerPrediction:
    """The KV capacity a server of `model` should report: exact on vLLM's CPU build (`gpu`
    None, `kv_space_gib` = VLLM_CPU_KVCACHE_SPACE), an estimate on one `gpu`."""
    if gpu is None:
        cpu = cpu_capacity(model, kv_cache_dtype, kv_space_gib, context_tokens)
        return ServerPrediction(kv_cache_dtype=kv_cache_dtype, kv_tokens=cpu.kv_tokens,
                                exact=True, problems=cpu.problems)
    request = PlanRequest(model=model, kv_cache_dtype=kv_cache_dtype, gpu_counts=[1],
                          context_tokens=context_tokens, concurrency=max_num_seqs,
                          gpu_memory_utilization=gpu_memory_utilization)
    one = candidate(request, shape_for(model), gpu, tp=1)
    return ServerPrediction(kv_cache_dtype=kv_cache_dtype, kv_tokens=one.memory.kv_tokens,
                            exact=False, problems=one.problems)
