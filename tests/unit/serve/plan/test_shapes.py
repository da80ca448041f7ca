"""Model shapes from config.json, the HF cache and the stated table."""

import json
import math
import struct
from pathlib import Path

import pytest

from llmopt.demo import assets
from llmopt.errors import ConfigError
from llmopt.serve.plan.shapes import ModelShape, read_config_dir, shape_for, stated_shapes

LLAMA = {"num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128,
         "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 256}


def safetensors_elements(path: Path) -> int:
    """Number of values in a safetensors file, from its JSON header."""
    with path.open("rb") as file:
        size = struct.unpack("<Q", file.read(8))[0]
        header = json.loads(file.read(size))
    return sum(math.prod(t["shape"]) for k, t in header.items() if k != "__metadata__")


@pytest.mark.parametrize("name", ["large", "small"])
def test_demo_parameter_count_matches_the_weights_on_disk(name: str) -> None:
    shape = shape_for(f"demo:{name}")
    weights = assets.model_dir(name) / "model.safetensors"
    assert shape.parameters == safetensors_elements(weights)
    assert shape.source.startswith("config.json: ") and shape.name == f"demo:{name}"


@pytest.mark.parametrize(("model", "billions"), [
    ("meta-llama/Llama-3.1-8B-Instruct", 8.03), ("meta-llama/Llama-3.1-70B-Instruct", 70.55),
    ("meta-llama/Llama-3.2-1B-Instruct", 1.24), ("meta-llama/Llama-3.2-3B-Instruct", 3.21),
    ("Qwen/Qwen2.5-7B-Instruct", 7.61), ("mistralai/Mistral-7B-Instruct-v0.3", 7.25),
])
def test_stated_shapes_give_the_published_parameter_counts(model: str, billions: float) -> None:
    shape = shape_for(model)
    assert abs(shape.parameters / 1e9 - billions) < 0.01
    assert shape.source.startswith("stated: ")


def test_aliases_are_case_insensitive_and_keep_the_given_name() -> None:
    shape = shape_for("META-LLAMA/Llama-3.3-70B-Instruct")
    assert shape.num_layers == 80 and shape.name == "META-LLAMA/Llama-3.3-70B-Instruct"
    assert "meta-llama/llama-3.1-8b" in stated_shapes()


def test_defaults_follow_huggingface() -> None:
    shape = ModelShape.from_config(LLAMA | {"torch_dtype": "float16"}, "m", "test")
    assert shape.num_kv_heads == 4 and shape.head_dim == 16
    assert shape.dtype == "float16" and not shape.tie_word_embeddings


def test_qwen2_counts_its_qkv_biases() -> None:
    plain = ModelShape.from_config(LLAMA, "m", "test")
    qwen = ModelShape.from_config(LLAMA | {"model_type": "qwen2"}, "m", "test")
    assert qwen.parameters - plain.parameters == 2 * (4 + 2 * 4) * 16


def test_to_config_reads_back_the_same_shape() -> None:
    shape = shape_for("Qwen/Qwen2.5-7B-Instruct")
    again = ModelShape.from_config(shape.to_config(), shape.name, shape.source)
    assert again == shape


@pytest.mark.parametrize(("extra", "message"), [
    ({"num_local_experts": 8}, "mixture-of-experts.*num_local_experts"),
    ({"text_config": {}}, "multimodal"),
])
def test_unmodelled_architectures_are_refused(extra: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ModelShape.from_config(LLAMA | extra, "m", "test")


def test_missing_keys_are_named() -> None:
    config = {k: v for k, v in LLAMA.items() if k != "vocab_size"}
    with pytest.raises(ConfigError, match="lacks vocab_size"):
        ModelShape.from_config(config, "m", "test")


def test_unknown_hub_id_lists_the_stated_models() -> None:
    with pytest.raises(ConfigError, match="unknown model 'org/nothing'.*Llama-3.1-8B-Instruct"):
        shape_for("org/nothing")


def test_local_folder_and_missing_config(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with pytest.raises(ConfigError, match="no config.json"):
        read_config_dir(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text(json.dumps(LLAMA))
    assert shape_for(str(tmp_path / "m")).num_layers == 2
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        shape_for(str(tmp_path / "m"))


def test_hub_id_in_the_local_cache_wins_over_the_table(tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub.constants

    snapshot = tmp_path / "models--meta-llama--Llama-3.1-8B-Instruct" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps(LLAMA))
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("abc")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    shape = shape_for("meta-llama/Llama-3.1-8B-Instruct")
    assert shape.num_layers == 2 and "Hugging Face cache" in shape.source
