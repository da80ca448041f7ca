import pytest

from llmopt.errors import ConfigError
from llmopt.quantize import (
    RECIPES,
    AwqW4A16,
    BnbInt8,
    BnbNf4,
    Fp8Dynamic,
    GptqW4A16,
    W8A8Int8,
    recipe_from,
    recipe_from_yaml,
)

NON_DEFAULT = [
    AwqW4A16(group_size=64, symmetric=True, duo_scaling="both", n_grid=10),
    GptqW4A16(group_size=32, dampening_frac=0.05, actorder=None, ignore=["lm_head", "re:.*gate"]),
    W8A8Int8(smoothing_strength=0.5),
    Fp8Dynamic(ignore=[]),
    BnbNf4(compute_dtype="float32", double_quant=False),
    BnbInt8(threshold=4.0),
]


@pytest.mark.parametrize("scheme", list(RECIPES))
def test_every_default_recipe_round_trips_through_yaml(scheme):
    recipe = recipe_from(scheme)
    assert recipe_from_yaml(recipe.to_yaml()) == recipe
    assert type(recipe) is RECIPES[scheme]


@pytest.mark.parametrize("recipe", NON_DEFAULT, ids=lambda r: r.scheme)
def test_settings_survive_the_round_trip(recipe, tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(recipe.to_yaml())
    again = recipe_from_yaml(path)
    assert again == recipe and again != recipe_from(recipe.scheme)


def test_yaml_names_the_scheme_first():
    assert AwqW4A16().to_yaml().startswith("scheme: awq_w4a16\n")


def test_unknown_scheme_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown quantization scheme 'int3'") as error:
        recipe_from({"scheme": "int3"})
    for scheme in RECIPES:
        assert scheme in str(error.value)


def test_missing_scheme_is_an_unknown_scheme():
    with pytest.raises(ConfigError, match="unknown quantization scheme None"):
        recipe_from({"group_size": 128})


@pytest.mark.parametrize("size", [16, 48, 100, 256])
def test_group_size_must_be_one_the_kernels_take(size):
    message = f"group_size {size} is not supported; valid: 32, 64, 128"
    with pytest.raises(ConfigError, match=message):
        recipe_from({"scheme": "gptq_w4a16", "group_size": size})


def test_unknown_field_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="bits"):
        recipe_from({"scheme": "awq_w4a16", "bits": 3})


def test_missing_recipe_file():
    with pytest.raises(ConfigError, match="recipe file 'nowhere.yaml' does not exist"):
        recipe_from_yaml("nowhere.yaml")


def test_yaml_that_is_not_a_mapping():
    with pytest.raises(ConfigError, match="must be a mapping"):
        recipe_from_yaml("- awq_w4a16\n")


def test_labels_and_calibration_needs():
    assert AwqW4A16(group_size=64).label == "AWQ W4A16 g64"
    assert [s for s, cls in RECIPES.items() if cls.needs_calibration] == [
        "awq_w4a16", "gptq_w4a16", "w8a8_int8", "sparse_2of4"]
    assert {s for s, cls in RECIPES.items() if cls.method == "bitsandbytes"} == {
        "bnb_nf4", "bnb_int8"}


def test_expected_weights_follow_the_settings():
    assert AwqW4A16(group_size=32).expected_weights()["group_size"] == 32
    assert W8A8Int8().expected_weights()["num_bits"] == 8
    assert Fp8Dynamic().expected_weights()["type"] == "float"
