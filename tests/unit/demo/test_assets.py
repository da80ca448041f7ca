"""The shipped demo models are what the blueprint promises (numbers from the build's manifest)."""

import pytest

from llmopt.demo import assets, prompt
from llmopt.errors import AssetError, ConfigError

MB = 1_000_000


@pytest.fixture(scope="module")
def manifest():
    return assets.manifest()


def test_files_match_the_manifest():
    for name in assets.MODELS:
        assets.verify(name)


def test_total_weights_at_most_60_mb(manifest):
    assert sum(m["bytes"] for m in manifest["models"].values()) <= 60 * MB


@pytest.mark.xfail(strict=True, reason="issue 10: `large` has not learnt the hard tier's item "
                   "lookup (26% of those items at 10,000 steps on 2 cores, guessing the item "
                   "gives about 37%), so it stays near 66% on hard; strict, so it flips to a "
                   "failure the day the shipped `large` meets the target")
def test_large_meets_the_hard_tier_target(manifest):
    assert manifest["models"]["large"]["accuracy_in_process"]["hard"] >= 0.85


def test_the_other_targets_hold_easy_tiers_and_the_gap_on_hard(manifest):
    large = manifest["models"]["large"]["accuracy_in_process"]
    small = manifest["models"]["small"]["accuracy_in_process"]
    assert large["easy"] >= 0.97 and small["easy"] >= 0.95
    assert large["hard"] - small["hard"] >= 0.20


def test_small_is_smaller(manifest):
    large, small = manifest["models"]["large"], manifest["models"]["small"]
    assert small["parameters"] < large["parameters"] and small["bytes"] < large["bytes"]


def test_manifest_records_accuracy_per_tier_and_hard_slice_with_counts(manifest):
    counts = manifest["data"]["eval_counts"] | manifest["data"]["eval_hard_slice_counts"]
    assert counts["easy"] + counts["hard"] == manifest["data"]["eval_items"]
    assert counts["lookup"] + counts["rules"] == counts["hard"]
    for model in manifest["models"].values():
        accuracy = model["accuracy_in_process"]
        assert set(accuracy) == {"all", "easy", "hard"}
        assert set(model["hard_slices_in_process"]) == {"lookup", "rules"}
        assert all(0.0 <= v <= 1.0 for v in (accuracy | model["hard_slices_in_process"]).values())


def test_one_recipe_for_both_only_the_size_and_the_steps_differ(manifest):
    assert set(manifest["models"]) == {"small", "large"}
    assert "steps" not in manifest["recipe"]  # shared at the top level; steps per model
    small, large = manifest["models"]["small"], manifest["models"]["large"]
    assert 0 < small["steps"] <= large["steps"]


def test_one_tokenizer_and_a_chat_template_that_renders_the_training_prompt():
    from transformers import AutoTokenizer

    small, large = (assets.model_dir(n) for n in assets.MODELS)
    assert (small / "tokenizer.json").read_bytes() == (large / "tokenizer.json").read_bytes()
    tok = AutoTokenizer.from_pretrained(large)
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert text == prompt.render("S", "U")


def test_bad_names_and_folders(tmp_path):
    with pytest.raises(ConfigError, match="'medium'"):
        assets.model_dir("medium")
    with pytest.raises(AssetError, match="config.json"):
        assets.model_dir("small", tmp_path)
