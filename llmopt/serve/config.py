"""`ServeConfig`: how to start one vLLM server, as vLLM command-line flags and as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from llmopt.config import read_yaml
from llmopt.errors import ConfigError
from llmopt.redaction import MASK
from llmopt.serve.model_ref import check_model_dir, expand
from llmopt.serve.speculative import SpeculativeConfig, check_draft_tokenizer, speculative_arg

Dtype = Literal["auto", "bfloat16", "float16", "float32"]

# vLLM 0.32: vllm/config/cache.py `CacheDType`.
KvCacheDtype = Literal[
    "auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc", "fp8_ds_mla",
    "nvfp4_ds_mla", "turboquant_k8v4", "turboquant_4bit_nc", "turboquant_k3v4_nc",
    "turboquant_3bit_nc", "ultraquant_4bit", "int4_per_token_head", "int8_per_token_head",
    "fp8_per_token_head", "nvfp4", "nvfp4_4over6",
]  # fmt: skip

# vLLM 0.32: vllm/model_executor/layers/quantization/__init__.py `QuantizationMethods`.
Quantization = Literal[
    "awq", "auto_awq", "fp8", "fbgemm_fp8", "fp_quant", "modelopt", "modelopt_fp4",
    "modelopt_mxfp8", "modelopt_mixed", "auto_gptq", "gptq", "gptq_marlin", "awq_marlin",
    "humming", "compressed-tensors", "experts_int8", "quark", "moe_wna16", "torchao", "inc",
    "mxfp4", "gpt_oss_mxfp4", "deepseek_v4_fp8", "online", "fp8_per_tensor", "fp8_per_block",
    "fp8_per_channel", "int8_per_channel_weight_only", "nvfp4_per_token", "mxfp8",
]  # fmt: skip

_RESERVED_FLAGS = ("--model", "--port", "--host", "--served-model-name")


class ServeConfig(BaseModel):
    """One vLLM server: model, precision, caches, speculation. `port=None` picks a free port."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    """Local folder (absolute, ./, ../ or ~; must hold config.json) or a hub id."""
    served_model_name: str | None = None
    """Name clients send as `model`; None serves it under its `model` string (~ expanded)."""
    port: int | None = Field(default=None, ge=1, le=65535)
    dtype: Dtype = "auto"
    max_model_len: int | None = Field(default=None, ge=1)
    enable_prefix_caching: bool = True
    kv_cache_dtype: KvCacheDtype = "auto"
    speculative: SpeculativeConfig | None = None
    quantization: Quantization | None = None
    max_num_seqs: int | None = Field(default=None, ge=1)
    gpu_memory_utilization: float | None = Field(default=None, gt=0, le=1)
    tensor_parallel_size: int | None = Field(default=None, ge=1)
    seed: int | None = None
    optimization_level: int | None = Field(default=None, ge=0, le=3)
    """vLLM's `--optimization-level` (`-O0`: no torch.compile, starts sooner); None: vLLM's."""
    worker_in_process: bool = False
    """Run the model worker inside vLLM's engine-core process (VLLM_ENABLE_V1_MULTIPROCESSING=0,
    vLLM's uni executor) instead of a process of its own: two processes import vLLM and torch
    instead of three, so the server starts sooner. The API server stays a process of its own.
    False is vLLM's default (its CPU build then insists on a separate worker process)."""
    api_key_env: str | None = None
    """The environment variable holding the API key the server is to require: handed to vLLM
    as VLLM_API_KEY in its environment, never on its command line (`ps`, logs, the launch
    command a notebook prints)."""
    extra_args: list[str] = Field(default_factory=list)
    """Flags passed to vLLM as they are, after the ones above."""

    @model_validator(mode="before")
    @classmethod
    def _mask_keys(cls, data: Any) -> Any:
        """An --api-key's value in extra_args masked before any error can show it (the flag
        is refused below)."""
        args = data.get("extra_args") if isinstance(data, dict) else None
        if not isinstance(args, list):
            return data
        masked = list(args)
        for i, arg in enumerate(masked):
            if arg == "--api-key" and i + 1 < len(masked):
                masked[i + 1] = MASK
            elif isinstance(arg, str) and arg.startswith("--api-key="):
                masked[i] = f"--api-key={MASK}"
        return {**data, "extra_args": masked}

    @field_validator("extra_args")
    @classmethod
    def _no_reserved_flags(cls, args: list[str]) -> list[str]:
        for arg in args:
            flag = arg.split("=", 1)[0]
            if flag == "--api-key":
                raise ConfigError("extra_args must not carry --api-key (a command line is seen "
                                  "by every user of the machine and printed): put the key in an "
                                  "environment variable and name it with api_key_env")
            if flag in _RESERVED_FLAGS:
                raise ConfigError(
                    f"extra_args must not contain {arg!r}: set it with the ServeConfig "
                    f"field instead ({', '.join(_RESERVED_FLAGS)} are managed)"
                )
        return args

    @model_validator(mode="after")
    def _check_assets(self) -> ServeConfig:
        self.check_assets()
        return self

    def check_assets(self) -> None:
        """Raise AssetError when a local model or draft folder is missing or not a model, and
        ConfigError when a local draft model's tokenizer is not the target's."""
        check_model_dir(self.model, "model")
        if self.speculative is not None and self.speculative.method == "draft_model":
            check_model_dir(self.speculative.model, "draft model")
            check_draft_tokenizer(self.model, self.speculative.model)

    @property
    def name(self) -> str:
        """The model name clients send in requests."""
        return self.served_model_name or expand(self.model)

    def to_args(self) -> list[str]:
        """vLLM command-line flags (no `--host`; `--port` only when set)."""
        args = ["--model", expand(self.model)]
        args += _opt("--served-model-name", self.served_model_name)
        args += _opt("--port", self.port)
        args += ["--dtype", self.dtype, "--kv-cache-dtype", self.kv_cache_dtype]
        args += _opt("--max-model-len", self.max_model_len)
        args.append(f"--{'' if self.enable_prefix_caching else 'no-'}enable-prefix-caching")
        if self.speculative is not None:
            args += ["--speculative-config", speculative_arg(self.speculative)]
        args += _opt("--quantization", self.quantization)
        args += _opt("--max-num-seqs", self.max_num_seqs)
        args += _opt("--gpu-memory-utilization", self.gpu_memory_utilization)
        args += _opt("--tensor-parallel-size", self.tensor_parallel_size)
        args += _opt("--seed", self.seed)
        args += _opt("--optimization-level", self.optimization_level)
        return args + list(self.extra_args)

    def to_yaml(self) -> str:
        """YAML text that `from_yaml` reads back into an equal config."""
        return yaml.safe_dump(self.model_dump(mode="json", exclude_none=True), sort_keys=False)

    @classmethod
    def from_yaml(cls, source: str | Path) -> ServeConfig:
        """Read a config from a YAML file path or from YAML text."""
        return cls.model_validate(read_yaml(source, "serve config"))


def _opt(flag: str, value: object) -> list[str]:
    return [] if value is None else [flag, str(value)]
