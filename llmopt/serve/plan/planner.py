"""`plan`: which GPU, how many, which vLLM flags, and what a million tokens costs.

For a model (its shape), a weight scheme, a KV-cache dtype, a context length and a number of
sequences that must fit at that length at once, every GPU of the catalog is tried with 1, 2, 4
and 8 GPUs per replica (tensor parallel), and, where allowed, several nodes (pipeline parallel
over Ray). A candidate fits when its KV capacity holds `concurrency x context_tokens` tokens;
it is servable when no rule finds an error. The recommended plan is the cheapest servable fit:
by $/1M tokens where a throughput is known for it, else by $/hour.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from llmopt.errors import ConfigError
from llmopt.pricing._inputs import unknown
from llmopt.pricing.gpus import Gpu, GpuCatalog
from llmopt.pricing.selfhost import cost_per_million_tokens
from llmopt.serve.config import ServeConfig
from llmopt.serve.plan import rules
from llmopt.serve.plan.commands import serve_argv
from llmopt.serve.plan.memory import (
    GIB,
    Batch,
    GpuMemory,
    Layout,
    default_batched_tokens,
    gpu_memory,
    kv_bytes_per_token,
    weight_bytes,
)
from llmopt.serve.plan.rules import Problem
from llmopt.serve.plan.schemes import KV_DTYPES, SCHEMES, scheme
from llmopt.serve.plan.shapes import DEMO_PREFIX, ModelShape, shape_for
from llmopt.serve.plan.vllm_args import ArgCheck, check_args

Throughput = float | dict[str, float] | None


class PlanRequest(BaseModel):
    """What must be served, and what may be rented."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)
    """`demo:large`, a local folder or a hub id (the `vllm serve` model)."""
    scheme: str = "bf16"
    kv_cache_dtype: str = "auto"
    context_tokens: int = Field(ge=1)
    """--max-model-len: prompt plus output tokens of the longest request."""
    concurrency: int = Field(ge=1)
    """Sequences that must fit at full context at once (--max-num-seqs)."""
    gpu_memory_utilization: float = Field(default=0.90, gt=0, le=1)
    gpus: list[str] | None = None
    """GPU names to try; None: the whole catalog."""
    gpu_counts: list[int] = [1, 2, 4, 8]
    """GPUs per replica to try on one node (tensor parallel sizes)."""
    gpus_per_node: int = Field(default=8, ge=1)
    max_nodes: int = Field(default=1, ge=1)
    """More than 1: also try tensor parallel across a node x pipeline parallel across nodes."""
    spot: bool = False
    tokens_per_s: float | dict[str, float] | None = None
    """Total tokens/s of one replica (one figure, or by GPU name) for $/1M tokens."""
    throughput_per_gpu: bool = False
    """`tokens_per_s` is per GPU: a replica of n GPUs serves n times it (flatters tensor
    parallel, whose scaling is below linear)."""
    throughput_source: str = "not given"
    """Where `tokens_per_s` comes from: 'measured: ...' or 'stated: ...'."""

    @field_validator("scheme")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        return scheme(value).name

    @field_validator("kv_cache_dtype")
    @classmethod
    def _known_kv(cls, value: str) -> str:
        if value not in KV_DTYPES:
            raise unknown("KV-cache dtype", value, KV_DTYPES)
        return value

    @property
    def needed_tokens(self) -> int:
        return self.context_tokens * self.concurrency


class Candidate(BaseModel):
    """One way to serve the request: a GPU type and a parallel layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpu: str
    gpus: int
    tp: int
    pp: int = 1
    scheme: str
    kv_cache_dtype: str
    memory: GpuMemory
    """One GPU's budget (all GPUs of a replica hold the same share)."""
    needed_tokens: int
    fits: bool
    problems: list[Problem] = []
    max_concurrency: int
    """Sequences at full context the KV cache holds."""
    headroom: float | None
    """KV capacity / needed tokens - 1 (0.25 = 25% spare); None when nothing is left."""
    usd_per_hour: float
    """All GPUs of the replica."""
    tokens_per_s: float | None = None
    usd_per_million: float | None = None

    @property
    def servable(self) -> bool:
        return not rules.errors(self.problems)

    @property
    def nodes(self) -> int:
        return self.pp

    @property
    def label(self) -> str:
        layout = f"tp={self.tp}" + (f" x pp={self.pp} (Ray, {self.pp} nodes)" if self.pp > 1
                                    else "")
        return f"{self.gpus} x {self.gpu} ({layout})"

    def row(self) -> dict:
        """A flat row for tables."""
        return {"gpu": self.gpu, "gpus": self.gpus, "tp": self.tp, "pp": self.pp,
                "scheme": self.scheme, "kv_cache_dtype": self.kv_cache_dtype, "fits": self.fits,
                "servable": self.servable, "weights_gib_per_gpu": self.memory.weights_gib,
                "kv_gib_per_gpu": self.memory.kv_gib, "kv_tokens": self.memory.kv_tokens,
                "needed_tokens": self.needed_tokens, "max_concurrency": self.max_concurrency,
                "headroom_pct": None if self.headroom is None else 100 * self.headroom,
                "usd_per_hour": self.usd_per_hour, "tokens_per_s": self.tokens_per_s,
                "usd_per_million_tokens": self.usd_per_million,
                "problems": "; ".join(str(p) for p in self.problems)}


class Plan(BaseModel):
    """Every candidate tried, the recommendation, and a plain verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: PlanRequest
    shape: ModelShape
    weights_gib: float
    """The whole model's weights under the scheme."""
    kv_bytes_per_token: int
    """The whole model's KV cache per token (before tensor parallel splits it)."""
    candidates: list[Candidate]
    recommended: Candidate | None
    verdict: str

    @property
    def fits(self) -> bool:
        return self.recommended is not None

    def table(self) -> pd.DataFrame:
        """Every candidate tried, one row each."""
        return pd.DataFrame([c.row() for c in self.candidates])

    def by_gpu(self) -> pd.DataFrame:
        """One row per GPU type: its fewest GPUs that fit and are servable, else the most
        tried (not fitting), in catalog order."""
        return pd.DataFrame([_smallest_fit(group).row() for group in _by_gpu(self.candidates)])

    def serve_config(self, candidate: Candidate | None = None) -> ServeConfig:
        """The vLLM config of `candidate` (default: the recommended one)."""
        chosen = candidate or self.recommended
        if chosen is None:
            raise ConfigError(f"no plan to launch: {self.verdict}")
        return serve_config(self.request, chosen)

    def check(self, candidate: Candidate | None = None) -> ArgCheck:
        """vLLM's own verdict on the `vllm serve` flags of `candidate` (default: the recommended
        one), from its parser and engine config in the vLLM environment; no GPU, no network."""
        return check_args(serve_argv(self.serve_config(candidate)),
                          stand_in=self.shape.to_config())


def plan(request: PlanRequest | dict, catalog: GpuCatalog | None = None,
         shape: ModelShape | None = None) -> Plan:
    """Try every GPU (and parallel layout) for `request`; recommend the cheapest servable fit."""
    request = request if isinstance(request, PlanRequest) else PlanRequest.model_validate(request)
    shape = shape or shape_for(request.model)
    found = [c for gpu in _gpus(request, catalog) for c in candidates(request, shape, gpu)]
    fitting = [c for c in found if c.fits and c.servable]
    best = min(fitting, key=_cost_key) if fitting else None
    return Plan(request=request, shape=shape,
                weights_gib=weight_bytes(shape, scheme(request.scheme)) / GIB,
                kv_bytes_per_token=kv_bytes_per_token(shape, request.kv_cache_dtype),
                candidates=found, recommended=best, verdict=_verdict(request, shape, found, best))


def candidates(request: PlanRequest, shape: ModelShape, gpu: Gpu) -> list[Candidate]:
    """`request` on `gpu` at every parallel layout the request allows, fewest GPUs first."""
    layouts = [(n, 1) for n in sorted(request.gpu_counts)]
    layouts += [(request.gpus_per_node, nodes) for nodes in range(2, request.max_nodes + 1)]
    return [candidate(request, shape, gpu, tp, pp) for tp, pp in layouts]


def candidate(request: PlanRequest, shape: ModelShape, gpu: Gpu, tp: int, pp: int = 1
              ) -> Candidate:
    """One GPU type and layout: memory, fit, problems and cost."""
    weights = scheme(request.scheme)
    batch = Batch(request.concurrency, default_batched_tokens(gpu.total_memory_gib, gpu.name))
    memory = gpu_memory(shape, weights, request.kv_cache_dtype, gpu.total_memory_gib,
                        request.gpu_memory_utilization, Layout(tp, pp), batch)
    found = rules.problems(shape, weights, request.context_tokens, tp, pp,
                           gpu.compute_capability)
    needed = request.needed_tokens
    usd = gpu.usd_per_hour(request.spot) * tp * pp
    speed = _throughput(request.tokens_per_s, gpu.name)
    if speed is not None and request.throughput_per_gpu:
        speed *= tp * pp
    return Candidate(
        gpu=gpu.name, gpus=tp * pp, tp=tp, pp=pp, scheme=weights.name,
        kv_cache_dtype=request.kv_cache_dtype, memory=memory, needed_tokens=needed,
        fits=memory.kv_tokens >= needed, problems=found,
        max_concurrency=memory.kv_tokens // request.context_tokens,
        headroom=memory.kv_tokens / needed - 1 if memory.kv_tokens else None,
        usd_per_hour=usd, tokens_per_s=speed,
        usd_per_million=None if speed is None else cost_per_million_tokens(speed, usd))


def capacity_table(model: str, context_tokens: int, concurrency: int,
                   schemes: list[str] | None = None, kv_dtypes: list[str] | None = None,
                   catalog: GpuCatalog | None = None, **request: object) -> pd.DataFrame:
    """One row per GPU x scheme x KV dtype: the fewest GPUs that fit (or the most tried, not
    fitting), with headroom, max concurrency at the context, and $/1M tokens."""
    shape = shape_for(model)
    rows = []
    for name in schemes or list(SCHEMES):
        for kv in kv_dtypes or ["auto", "fp8"]:
            req = PlanRequest(model=model, scheme=name, kv_cache_dtype=kv,
                              context_tokens=context_tokens, concurrency=concurrency, **request)
            rows += [_smallest_fit(candidates(req, shape, gpu)).row()
                     for gpu in _gpus(req, catalog)]
    return pd.DataFrame(rows)


def serve_config(request: PlanRequest, chosen: Candidate) -> ServeConfig:
    """The vLLM flags of a candidate: the scheme's dtype and quantization, the context, the
    sequences, the memory share, the KV dtype and the parallel layout."""
    weights = scheme(chosen.scheme)
    if not weights.vllm_serves:
        raise ConfigError(f"cannot launch {chosen.scheme} with vLLM: {weights.why_not}")
    extra = ["--pipeline-parallel-size", str(chosen.pp),
             "--distributed-executor-backend", "ray"] if chosen.pp > 1 else []
    demo = request.model.startswith(DEMO_PREFIX)
    return ServeConfig(
        model=_model_path(request.model), served_model_name=request.model if demo else None,
        dtype=weights.dtype, max_model_len=request.context_tokens,
        kv_cache_dtype=chosen.kv_cache_dtype, quantization=weights.quantization,
        max_num_seqs=request.concurrency,
        gpu_memory_utilization=request.gpu_memory_utilization,
        tensor_parallel_size=chosen.tp, extra_args=extra)


# --- stated throughput ---------------------------------------------------------------------

STATED_THROUGHPUT = Path(__file__).parent / "data" / "throughput.yaml"


class StatedThroughput(BaseModel):
    """Per-GPU throughput figures that are ASSUMED, not measured (data/throughput.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str
    model_class: str
    tokens_per_s_per_gpu: dict[str, float]

    @property
    def source(self) -> str:
        return f"stated: {self.note}"


def stated_throughput(path: str | Path = STATED_THROUGHPUT) -> StatedThroughput:
    """The stated (assumed) per-GPU throughput table."""
    return StatedThroughput.model_validate(yaml.safe_load(Path(path).read_text()))


# --- the CPU build ---------------------------------------------------------------------------


# --- helpers ---------------------------------------------------------------------------------


def _gpus(request: PlanRequest, catalog: GpuCatalog | None) -> list[Gpu]:
    catalog = catalog or GpuCatalog.load()
    return [catalog.get(n) for n in request.gpus] if request.gpus else list(catalog.gpus)


def _throughput(tokens_per_s: Throughput, gpu: str) -> float | None:
    if tokens_per_s is None or isinstance(tokens_per_s, int | float):
        return tokens_per_s
    by_name = {name.lower(): value for name, value in tokens_per_s.items()}
    return by_name.get(gpu.lower())


def _smallest_fit(options: list[Candidate]) -> Candidate:
    fit = [c for c in options if c.fits and c.servable]
    return fit[0] if fit else options[-1]


def _by_gpu(found: list[Candidate]) -> list[list[Candidate]]:
    groups: dict[str, list[Candidate]] = {}
    for c in found:
        groups.setdefault(c.gpu, []).append(c)
    return list(groups.values())


def _cost_key(c: Candidate) -> tuple:
    known = c.usd_per_million is not None
    return (not known, c.usd_per_million if known else c.usd_per_hour, c.usd_per_hour, c.gpus)


def _model_path(model: str) -> str:
    if model.startswith(DEMO_PREFIX):
        from llmopt.demo import assets

        return str(assets.model_dir(model.removeprefix(DEMO_PREFIX)))
    return model


def _verdict(request: PlanRequest, shape: ModelShape, found: list[Candidate],
             best: Candidate | None) -> str:
    need = (f"{request.concurrency} x {request.context_tokens:,} tokens of {shape.name} "
            f"({request.scheme} weights, {request.kv_cache_dtype} KV)")
    if best is not None:
        spare = "" if best.headroom is None else f", {100 * best.headroom:.0f}% KV headroom"
        price = (f"${best.usd_per_million:.4f} per 1M tokens" if best.usd_per_million is not None
                 else f"${best.usd_per_hour:.2f}/hour")
        return (f"fits: {need} on {best.label}: room for {best.max_concurrency} sequences at "
                f"full context{spare}; {price}")
    if not found:
        return f"nothing to try for {need}: no GPU in the selection"
    blocked = [c for c in found if c.fits and not c.servable]
    if blocked:
        reasons = sorted({str(p) for c in blocked for p in rules.errors(c.problems)})
        return f"nothing servable fits {need}: " + "; ".join(reasons)
    largest = max(found, key=lambda c: c.memory.kv_tokens)
    weights = weight_bytes(shape, scheme(request.scheme)) / GIB
    return (f"nothing fits: {need} needs {weights:.1f} GiB of weights plus "
            f"{request.needed_tokens:,} KV tokens; the largest option tried, {largest.label}, "
            f"holds {largest.memory.kv_tokens:,} ({largest.max_concurrency} sequences at full "
            f"context). Try {_remedies(request)}.")


def _remedies(request: PlanRequest) -> str:
    found = []
    if scheme(request.scheme).bytes_per_weight > 1:
        found.append("smaller weights (fp8, w4a16)")
    elif scheme(request.scheme).bytes_per_weight == 1:
        found.append("smaller weights (w4a16)")
    if (KV_DTYPES[request.kv_cache_dtype] or 2) > 1:
        found.append("an fp8 KV cache")
    found += ["a shorter context", "fewer sequences", "more GPUs (gpu_counts, max_nodes)"]
    return ", ".join(found)
