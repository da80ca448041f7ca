"""The model to quantize: a local folder (or a hub id, downloaded on the user's machine) that
must hold a causal language model. Checked from config.json before any weights are loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmopt.errors import ConfigError
from llmopt.serve.model_ref import is_local


def resolve(model: str | Path) -> Path:
    """The local folder of `model`; a hub id is fetched with huggingface_hub (gpu profile)."""
    if isinstance(model, Path) or is_local(model):
        path = Path(model).expanduser()
        if not path.is_dir():
            raise ConfigError(f"model folder {str(model)!r} does not exist")
        return path
    from huggingface_hub import snapshot_download

    # B615 (no revision pinned) waived: a hub id the team chose in its gpu profile, fetched on
    # its own machine; to pin one, give a snapshot's folder (`hf download ID --revision R`)
    return Path(snapshot_download(model))  # nosec B615


def causal_lm_config(folder: Path) -> dict[str, Any]:
    """config.json of `folder`; ConfigError unless it describes a *ForCausalLM model."""
    file = folder / "config.json"
    if not file.is_file():
        raise ConfigError(f"{folder} has no config.json: not a Hugging Face model folder "
                          "(quantize takes a causal LM folder, e.g. the demo model's)")
    config = json.loads(file.read_text())
    architectures = config.get("architectures") or []
    if not any(a.endswith("ForCausalLM") for a in architectures):
        found = ", ".join(architectures) or f"model_type {config.get('model_type')!r}"
        raise ConfigError(f"{folder} holds {found}, not a causal LM: quantize takes a model whose "
                          "architecture ends in ForCausalLM (e.g. LlamaForCausalLM)")
    return config


def layer_widths(config: dict[str, Any]) -> dict[str, int]:
    """Input widths of a decoder's linear layers, from its config (hidden and MLP sizes)."""
    widths = {"hidden_size": config.get("hidden_size"),
              "intermediate_size": config.get("intermediate_size")}
    return {name: int(value) for name, value in widths.items() if value}
