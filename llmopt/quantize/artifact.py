"""`Artifact`: a quantized model folder and its manifest (`llmopt_quantize.json`).

The manifest says what was done and from what: the recipe, the source model's hash, the
calibration data (settings and a hash of the texts read), the time it took, the size on disk
and the library versions. vLLM serves the folder as it is (compressed-tensors format).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmopt.errors import AssetError
from llmopt.quantize.calibration import Calibration
from llmopt.quantize.recipes import Recipe

MANIFEST = "llmopt_quantize.json"
WEIGHT_PATTERNS = ("*.safetensors", "*.bin")


class SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    """As given: a folder or a hub id."""
    path: str
    """The local folder that was read."""
    architecture: str
    sha256: str
    """Of config.json and the weight files (see `folder_digest`)."""
    weights_bytes: int


class CalibrationRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    settings: Calibration
    texts: int
    tokens: int
    sha256: str
    """Of the rendered texts, in order (`llmopt.quantize.calibration.fingerprint`)."""


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    recipe: Recipe
    source: SourceModel
    calibration: CalibrationRecord | None
    """None for data-free schemes (FP8 dynamic)."""
    created_at: str
    seconds: float
    """Load, calibrate, quantize and save, wall clock."""
    weights_bytes: int
    folder_bytes: int
    device: str
    versions: dict[str, str]


class Artifact(BaseModel):
    """A quantized model folder, ready for vLLM, with its manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    manifest: Manifest

    @classmethod
    def load(cls, path: str | Path) -> Artifact:
        path = Path(path)
        file = path / MANIFEST
        if not file.is_file():
            raise AssetError(f"{path} has no {MANIFEST}: not an llmopt quantization artifact")
        return cls(path=path, manifest=Manifest.model_validate_json(file.read_text()))

    def quantization_config(self) -> dict[str, Any]:
        """The `quantization_config` of the artifact's config.json (what vLLM reads)."""
        config = json.loads((self.path / "config.json").read_text())
        if "quantization_config" not in config:
            raise AssetError(f"{self.path}/config.json has no quantization_config")
        return config["quantization_config"]

    def weights(self) -> dict[str, Any]:
        """The weight settings of the (first) config group, e.g. num_bits, type, group_size."""
        groups = self.quantization_config().get("config_groups") or {}
        if not groups:
            raise AssetError(f"{self.path}/config.json lists no quantization config_groups")
        return next(iter(groups.values()))["weights"]

    def mismatches(self) -> dict[str, tuple[Any, Any]]:
        """Weight settings where config.json differs from the recipe: {key: (recipe, file)}."""
        written = self.weights()
        expected = self.manifest.recipe.expected_weights()
        return {k: (v, written.get(k)) for k, v in expected.items() if written.get(k) != v}

    def row(self) -> dict[str, Any]:
        """The manifest as one flat table row."""
        m, calibration = self.manifest, self.manifest.calibration
        return {"scheme": m.recipe.scheme, "recipe": m.recipe.label, "seconds": m.seconds,
                "weights_mb": m.weights_bytes / 1e6, "source_mb": m.source.weights_bytes / 1e6,
                "size_ratio": self.size_ratio,
                "calibration_texts": calibration.texts if calibration else 0,
                "calibration_tokens": calibration.tokens if calibration else 0,
                "source_sha256": m.source.sha256[:12], "device": m.device}

    @property
    def size_ratio(self) -> float:
        """Weights on disk as a share of the source model's."""
        return self.manifest.weights_bytes / self.manifest.source.weights_bytes


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for pattern in WEIGHT_PATTERNS for p in folder.glob(pattern))


def weights_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in weight_files(folder))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def folder_digest(folder: Path) -> str:
    """sha256 over config.json and the weight files: names and contents, in name order."""
    digest = hashlib.sha256()
    for path in [folder / "config.json", *weight_files(folder)]:
        digest.update(path.name.encode() + b"\0" + _file_sha256(path).encode())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
