"""`ModelShape`: the architecture numbers a memory plan needs, read from a model's config.json.

`shape_for(model)` reads them from the model's own config.json where it can (a `demo:` model, a
local folder, or a hub id already in the local Hugging Face cache) and otherwise from a small
table of STATED shapes of well-known models (data/models.yaml; labelled as such in `source`).
Only dense decoder-only transformers are modelled (Llama, Qwen2, Mistral and the like).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from llmopt.errors import ConfigError
from llmopt.pricing._inputs import unknown

STATED_SHAPES = Path(__file__).parent / "data" / "models.yaml"
DEMO_PREFIX = "demo:"

_QKV_BIAS_TYPES = {"qwen2"}
"""Model types whose q, k and v projections carry a bias without saying so in config.json."""
_MOE_KEYS = ("num_experts", "num_local_experts", "n_routed_experts")
_DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}


class ModelShape(BaseModel):
    """A dense decoder-only transformer's sizes, and where they came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: str
    """`config.json: <path>` or `stated: ...` (the table of well-known models)."""
    architecture: str = "LlamaForCausalLM"
    model_type: str = "llama"
    num_layers: int = Field(ge=1)
    hidden_size: int = Field(ge=1)
    intermediate_size: int = Field(ge=1)
    num_attention_heads: int = Field(ge=1)
    num_kv_heads: int = Field(ge=1)
    head_dim: int = Field(ge=1)
    vocab_size: int = Field(ge=1)
    tie_word_embeddings: bool = False
    max_position_embeddings: int = Field(ge=1)
    dtype: str = "bfloat16"
    """The checkpoint's dtype (config.json `dtype` / `torch_dtype`)."""
    attention_bias: bool = False
    quantization_method: str | None = None
    """config.json's `quantization_config.quant_method` for a pre-quantized checkpoint."""

    @classmethod
    def from_config(cls, config: dict[str, Any], name: str, source: str) -> ModelShape:
        """The shape in a config.json mapping; ConfigError for models it does not model."""
        if "text_config" in config:
            raise ConfigError(f"{name}: multimodal configs (text_config) are not modelled; "
                              "plan with the language model's own config.json")
        if moe := [key for key in _MOE_KEYS if config.get(key)]:
            raise ConfigError(f"{name}: mixture-of-experts models ({moe[0]}) are not modelled; "
                              "the planner covers dense decoder-only models")
        missing = [key for key in ("num_hidden_layers", "hidden_size", "intermediate_size",
                                   "num_attention_heads", "vocab_size",
                                   "max_position_embeddings") if key not in config]
        if missing:
            raise ConfigError(f"{name}: config.json lacks {', '.join(missing)} ({source})")
        heads = int(config["num_attention_heads"])
        model_type = str(config.get("model_type", "llama"))
        quant = config.get("quantization_config") or {}
        return cls(
            name=name, source=source,
            architecture=(config.get("architectures") or ["LlamaForCausalLM"])[0],
            model_type=model_type,
            num_layers=config["num_hidden_layers"], hidden_size=config["hidden_size"],
            intermediate_size=config["intermediate_size"], num_attention_heads=heads,
            num_kv_heads=config.get("num_key_value_heads") or heads,
            head_dim=config.get("head_dim") or config["hidden_size"] // heads,
            vocab_size=config["vocab_size"],
            tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
            max_position_embeddings=config["max_position_embeddings"],
            dtype=str(config.get("dtype") or config.get("torch_dtype") or "bfloat16"),
            attention_bias=bool(config.get("attention_bias")) or model_type in _QKV_BIAS_TYPES,
            quantization_method=quant.get("quant_method"),
        )

    # --- parameter counts ----------------------------------------------------------------------

    @property
    def embedding_parameters(self) -> int:
        """Input embedding, plus the output head when it is not tied to it."""
        return self.vocab_size * self.hidden_size * (1 if self.tie_word_embeddings else 2)

    @property
    def linear_parameters(self) -> int:
        """Weights of the attention and MLP projections: what weight quantization shrinks."""
        q_out = self.num_attention_heads * self.head_dim
        kv_out = self.num_kv_heads * self.head_dim
        attention = self.hidden_size * (q_out + 2 * kv_out) + q_out * self.hidden_size
        mlp = 3 * self.hidden_size * self.intermediate_size
        return self.num_layers * (attention + mlp)

    @property
    def other_parameters(self) -> int:
        """Norms and biases: small, never quantized."""
        bias = (self.num_attention_heads + 2 * self.num_kv_heads) * self.head_dim
        per_layer = 2 * self.hidden_size + (bias if self.attention_bias else 0)
        return self.num_layers * per_layer + self.hidden_size

    @property
    def parameters(self) -> int:
        return self.embedding_parameters + self.linear_parameters + self.other_parameters

    @property
    def dtype_bytes(self) -> int:
        """Bytes of one 16-bit served value: vLLM serves fp32 checkpoints in 16 bits too."""
        return min(_DTYPE_BYTES.get(self.dtype, 2), 2)

    def to_config(self) -> dict[str, Any]:
        """A config.json with these sizes (a stand-in for validating launch flags offline)."""
        config = {"architectures": [self.architecture], "model_type": self.model_type,
                  "hidden_size": self.hidden_size, "intermediate_size": self.intermediate_size,
                  "num_hidden_layers": self.num_layers,
                  "num_attention_heads": self.num_attention_heads,
                  "num_key_value_heads": self.num_kv_heads, "head_dim": self.head_dim,
                  "vocab_size": self.vocab_size,
                  "max_position_embeddings": self.max_position_embeddings,
                  "tie_word_embeddings": self.tie_word_embeddings, "dtype": self.dtype,
                  "rms_norm_eps": 1e-5}
        if self.attention_bias and self.model_type not in _QKV_BIAS_TYPES:
            config["attention_bias"] = True
        return config


# --- where shapes come from ------------------------------------------------------------------


def shape_for(model: str, stated: str | Path = STATED_SHAPES) -> ModelShape:
    """The shape of `model`: `demo:large`, a local folder, or a hub id (local HF cache, else the
    stated table); ConfigError naming the model and the stated names when none is found."""
    if model.startswith(DEMO_PREFIX):
        from llmopt.demo import assets

        return read_config_dir(assets.model_dir(model.removeprefix(DEMO_PREFIX)), name=model)
    path = Path(model).expanduser()
    if path.is_dir():
        return read_config_dir(path, name=model)
    if (cached := _cached_config(model)) is not None:
        return _from_file(cached, model, f"config.json: {cached} (Hugging Face cache)")
    table = stated_shapes(stated)
    key = model.strip().lower()
    if key in table:
        return table[key].model_copy(update={"name": model})
    names = sorted({shape.name for shape in table.values()})
    raise unknown("model", model, names, " (no local folder, not in the Hugging Face cache, "
                  "not in the stated shapes)", "; or plan from a folder holding its config.json")


def read_config_dir(folder: str | Path, name: str | None = None) -> ModelShape:
    """The shape in `folder`/config.json."""
    path = Path(folder).expanduser() / "config.json"
    if not path.is_file():
        raise ConfigError(f"{folder} has no config.json; is it a model folder?")
    return _from_file(path, name or str(folder), f"config.json: {path}")


def stated_shapes(path: str | Path = STATED_SHAPES) -> dict[str, ModelShape]:
    """The stated table by lower-case name and alias."""
    data = yaml.safe_load(Path(path).read_text())
    table: dict[str, ModelShape] = {}
    for entry in data["models"]:
        shape = ModelShape.from_config(entry["config"], entry["name"],
                                       f"stated: {entry['name']} config.json ({Path(path).name})")
        for alias in [entry["name"], *entry.get("aliases", [])]:
            table[alias.lower()] = shape
    return table


def _from_file(path: Path, name: str, source: str) -> ModelShape:
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from None
    return ModelShape.from_config(config, name, source)


def _cached_config(model: str) -> Path | None:
    """config.json of hub id `model` in the local Hugging Face cache, without any network."""
    if model.count("/") != 1:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(model, "config.json")
    except ValueError:  # not a valid repo id (huggingface_hub's HFValidationError)
        return None
    return Path(found) if isinstance(found, str) else None
