import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from llmopt.errors import AssetError, ConfigError
from llmopt.serve import DraftModelSpeculative, NgramSpeculative, ServeConfig


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def test_minimal_args_emit_prefix_caching_explicitly() -> None:
    args = ServeConfig(model="org/model").to_args()
    assert args == [
        "--model", "org/model", "--dtype", "auto", "--kv-cache-dtype", "auto",
        "--enable-prefix-caching",
    ]  # fmt: skip
    off = ServeConfig(model="org/model", enable_prefix_caching=False).to_args()
    assert "--no-enable-prefix-caching" in off
    assert "--enable-prefix-caching" not in off


def test_all_fields_become_flags(model_dir: Path) -> None:
    config = ServeConfig(
        model=str(model_dir),
        served_model_name="tiny",
        port=8123,
        dtype="float32",
        max_model_len=512,
        kv_cache_dtype="fp8",
        quantization="compressed-tensors",
        max_num_seqs=8,
        gpu_memory_utilization=0.85,
        tensor_parallel_size=2,
        seed=7,
        extra_args=["--enforce-eager"],
    )
    args = config.to_args()
    pairs = dict(zip(args[::2], args[1::2], strict=False))
    assert pairs["--model"] == str(model_dir)
    assert pairs["--served-model-name"] == "tiny"
    assert pairs["--port"] == "8123"
    assert pairs["--dtype"] == "float32"
    assert pairs["--max-model-len"] == "512"
    assert pairs["--kv-cache-dtype"] == "fp8"
    assert "--quantization" in args and "compressed-tensors" in args
    assert args[args.index("--max-num-seqs") + 1] == "8"
    assert args[args.index("--gpu-memory-utilization") + 1] == "0.85"
    assert args[args.index("--tensor-parallel-size") + 1] == "2"
    assert args[args.index("--seed") + 1] == "7"
    assert args[-1] == "--enforce-eager"
    assert config.name == "tiny"


def test_ngram_speculative_json() -> None:
    config = ServeConfig(
        model="org/model", speculative={"method": "ngram", "num_speculative_tokens": 4}
    )
    args = config.to_args()
    spec = json.loads(args[args.index("--speculative-config") + 1])
    assert spec == {"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}
    assert isinstance(config.speculative, NgramSpeculative)


def test_draft_model_speculative_json(model_dir: Path) -> None:
    draft = {"method": "draft_model", "model": str(model_dir), "num_speculative_tokens": 3}
    config = ServeConfig(model="org/model", speculative=draft)
    args = config.to_args()
    assert json.loads(args[args.index("--speculative-config") + 1]) == draft
    assert isinstance(config.speculative, DraftModelSpeculative)


def test_home_relative_model_is_expanded(monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> None:
    monkeypatch.setenv("HOME", str(model_dir.parent))
    config = ServeConfig(model="~/tiny")
    assert config.to_args()[1] == str(model_dir)
    assert config.name == str(model_dir)  # what vLLM serves it as
    assert ServeConfig.from_yaml(config.to_yaml()).model == "~/tiny"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("dtype", "float64", "bfloat16"),
        ("kv_cache_dtype", "fp4", "fp8_e5m2"),
        ("quantization", "awq4", "gptq"),
    ],
)
def test_bad_choice_names_value_and_choices(field: str, value: str, named: str) -> None:
    with pytest.raises(ValidationError) as info:
        ServeConfig(model="org/model", **{field: value})
    assert value in str(info.value)
    assert named in str(info.value)


def test_bad_numbers_and_unknown_fields_are_rejected() -> None:
    for bad in ({"port": 0}, {"max_model_len": 0}, {"gpu_memory_utilization": 1.5}, {"x": 1}):
        with pytest.raises(ValidationError):
            ServeConfig(model="org/model", **bad)


def test_unknown_speculative_method_names_valid_ones() -> None:
    with pytest.raises(ValidationError) as info:
        ServeConfig(model="org/model", speculative={"method": "mtp", "num_speculative_tokens": 2})
    assert "mtp" in str(info.value)
    assert "'draft_model', 'ngram', 'eagle', 'eagle3'" in str(info.value)


def test_ngram_window_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="prompt_lookup_min=5"):
        NgramSpeculative(num_speculative_tokens=2, prompt_lookup_max=3, prompt_lookup_min=5)


def test_managed_flags_are_refused_in_extra_args() -> None:
    with pytest.raises(ValidationError, match="--port"):
        ServeConfig(model="org/model", extra_args=["--port=9000"])


@pytest.mark.parametrize("model", ["/nonexistent/llmopt-model", "./no-such-model", "~/no-such"])
def test_missing_local_model_is_an_asset_error(model: str) -> None:
    with pytest.raises(AssetError, match="no-such|nonexistent"):
        ServeConfig(model=model)


def test_folder_without_config_json_is_an_asset_error(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="config.json"):
        ServeConfig(model=str(tmp_path))


def test_missing_draft_model_is_an_asset_error() -> None:
    draft = {"method": "draft_model", "model": "/nonexistent/draft", "num_speculative_tokens": 2}
    with pytest.raises(AssetError, match="/nonexistent/draft"):
        ServeConfig(model="org/model", speculative=draft)


def test_yaml_round_trip_text_and_file(tmp_path: Path, model_dir: Path) -> None:
    config = ServeConfig(
        model=str(model_dir),
        served_model_name="tiny",
        enable_prefix_caching=False,
        kv_cache_dtype="fp8_e4m3",
        speculative={"method": "ngram", "num_speculative_tokens": 3, "prompt_lookup_min": 2},
        extra_args=["--enforce-eager"],
    )
    assert ServeConfig.from_yaml(config.to_yaml()) == config
    path = tmp_path / "serve.yaml"
    path.write_text(config.to_yaml())
    assert ServeConfig.from_yaml(path) == config
    assert ServeConfig.from_yaml(str(path)) == config


def test_from_yaml_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        ServeConfig.from_yaml("- just\n- a list\n")
    with pytest.raises(ConfigError, match="missing.yaml"):
        ServeConfig.from_yaml(str(tmp_path / "missing.yaml"))
    with pytest.raises(ValidationError, match="dtype"):
        ServeConfig.from_yaml("model: org/model\ndtype: fp64\n")


def test_eagle_speculative_json() -> None:
    head = {"method": "eagle3", "model": "org/eagle3-head", "num_speculative_tokens": 2}
    config = ServeConfig(model="org/model", speculative=head)
    args = config.to_args()
    assert json.loads(args[args.index("--speculative-config") + 1]) == head


@pytest.mark.parametrize("args", [["--api-key", "k-123456789"], ["--api-key=k-123456789"]])
def test_an_api_key_on_the_command_line_is_refused(args) -> None:
    with pytest.raises((ConfigError, ValidationError), match="api_key_env") as refused:
        ServeConfig(model="org/m", extra_args=args)
    assert "k-123456789" not in str(refused.value)


def test_the_servers_key_stays_off_its_command_line() -> None:
    config = ServeConfig(model="org/m", api_key_env="MY_SERVER_KEY")
    assert "--api-key" not in config.to_args() and "MY_SERVER_KEY" not in config.to_args()
