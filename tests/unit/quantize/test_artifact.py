import json

import pytest

from llmopt.errors import AssetError
from llmopt.quantize import MANIFEST, Artifact, AwqW4A16, Calibration, Manifest
from llmopt.quantize.artifact import (
    CalibrationRecord,
    SourceModel,
    folder_bytes,
    folder_digest,
    weights_bytes,
)


def make_manifest(**changes) -> Manifest:
    fields = {
        "recipe": AwqW4A16(group_size=64),
        "source": SourceModel(model="demo:large", path="/m", architecture="LlamaForCausalLM",
                              sha256="ab" * 32, weights_bytes=2000),
        "calibration": CalibrationRecord(settings=Calibration(samples=16), texts=16,
                                         tokens=7800, sha256="cd" * 32),
        "created_at": "2026-11-23T17:00:00+00:00", "seconds": 4.2, "weights_bytes": 800,
        "folder_bytes": 900, "device": "cpu", "versions": {"llmcompressor": "0.14.0.1"},
    }
    return Manifest(**(fields | changes))


def write_artifact(folder, manifest: Manifest, weights: dict) -> Artifact:
    folder.mkdir(exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "quantization_config": {
        "quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights": weights}}}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").write_bytes(b"\0" * 800)
    (folder / MANIFEST).write_text(manifest.model_dump_json())
    return Artifact.load(folder)


AWQ_WEIGHTS = {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 64,
               "symmetric": False, "observer": "minmax"}


def test_manifest_round_trips_with_its_recipe_variant():
    manifest = make_manifest()
    again = Manifest.model_validate_json(manifest.model_dump_json())
    assert again == manifest and isinstance(again.recipe, AwqW4A16)
    assert again.calibration.settings.samples == 16


def test_manifest_records_what_the_brief_asks_for():
    data = json.loads(make_manifest().model_dump_json())
    assert data["recipe"]["scheme"] == "awq_w4a16"
    assert data["source"]["sha256"] and data["calibration"]["sha256"]
    assert {"seconds", "weights_bytes", "folder_bytes", "created_at", "versions"} <= set(data)


def test_artifact_loads_and_matches_its_recipe(tmp_path):
    artifact = write_artifact(tmp_path / "a", make_manifest(), AWQ_WEIGHTS)
    assert artifact.quantization_config()["quant_method"] == "compressed-tensors"
    assert artifact.mismatches() == {}
    assert artifact.size_ratio == 0.4
    row = artifact.row()
    assert row["scheme"] == "awq_w4a16" and row["recipe"] == "AWQ W4A16 g64"
    assert row["calibration_tokens"] == 7800 and row["source_sha256"] == "ab" * 6


def test_artifact_whose_config_differs_from_the_recipe(tmp_path):
    artifact = write_artifact(tmp_path / "a", make_manifest(), AWQ_WEIGHTS | {"group_size": 128})
    assert artifact.mismatches() == {"group_size": (64, 128)}


def test_folder_without_manifest(tmp_path):
    with pytest.raises(AssetError, match="has no llmopt_quantize.json"):
        Artifact.load(tmp_path)


def test_config_without_quantization(tmp_path):
    artifact = write_artifact(tmp_path / "a", make_manifest(), AWQ_WEIGHTS)
    (artifact.path / "config.json").write_text(json.dumps({"architectures": ["X"]}))
    with pytest.raises(AssetError, match="has no quantization_config"):
        artifact.mismatches()


def test_sizes_and_digest(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"1" * 100)
    (tmp_path / "tokenizer.json").write_bytes(b"2" * 10)
    assert weights_bytes(tmp_path) == 100 and folder_bytes(tmp_path) == 112
    before = folder_digest(tmp_path)
    (tmp_path / "tokenizer.json").write_bytes(b"3")
    assert folder_digest(tmp_path) == before, "the digest covers config and weights only"
    (tmp_path / "model.safetensors").write_bytes(b"1" * 99 + b"0")
    assert folder_digest(tmp_path) != before
