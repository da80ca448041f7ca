"""Where the shipped demo models live, and a check that they match their manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from llmopt.errors import AssetError, ConfigError

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
MODELS = ("small", "large")


def manifest(assets_dir: Path = ASSETS_DIR) -> dict:
    path = assets_dir / "manifest.json"
    if not path.is_file():
        raise AssetError(f"no demo manifest at {path}; build it with `python -m llmopt.demo.build`")
    return json.loads(path.read_text())


def model_dir(name: str, assets_dir: Path = ASSETS_DIR) -> Path:
    """Folder of the demo model `name` (small or large), ready for vLLM or transformers."""
    if name not in MODELS:
        raise ConfigError(f"unknown demo model {name!r}; valid: {', '.join(MODELS)}")
    folder = assets_dir / name
    if not (folder / "config.json").is_file():
        raise AssetError(f"demo model folder {folder} is missing or has no config.json")
    return folder


def verify(name: str, assets_dir: Path = ASSETS_DIR) -> None:
    """Raise AssetError naming the first file whose sha256 differs from the manifest."""
    folder = model_dir(name, assets_dir)
    for file, digest in manifest(assets_dir)["models"][name]["files"].items():
        path = folder / file
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise AssetError(f"{path} is missing or differs from the manifest")
