"""The build script runs end to end and is reproducible from its seed (a tiny budget here)."""

import json
import shutil
import subprocess
import sys

import pytest


def build(out, steps=3):
    cmd = [sys.executable, "-m", "llmopt.demo.build", "--steps", str(steps), "--eval-items", "4",
           "--models", "small", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads((out / "manifest.json").read_text())["models"]["small"]


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """One build of `small` (folder, manifest entry), shared: each build costs a process."""
    out = tmp_path_factory.mktemp("small")
    return out, build(out)


@pytest.mark.slow
def test_two_builds_with_one_seed_give_identical_weights(small_build, tmp_path):
    a, b = small_build[1], build(tmp_path)
    assert a["files"] == b["files"]
    assert a["parameters"] == b["parameters"] > 100_000
    assert set(a["accuracy_in_process"]) == {"all", "easy", "hard"}


@pytest.mark.slow
def test_rebuilding_one_model_keeps_the_other_of_the_same_recipe(small_build, tmp_path):
    shutil.copytree(small_build[0], tmp_path, dirs_exist_ok=True)
    small = small_build[1]
    cmd = [sys.executable, "-m", "llmopt.demo.build", "--steps", "3", "--eval-items", "4",
           "--models", "large", "--out", str(tmp_path)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    models = json.loads((tmp_path / "manifest.json").read_text())["models"]
    assert set(models) == {"small", "large"} and models["small"] == small
    assert build(tmp_path, steps=4)["steps"] == 4  # steps are per model: large is kept
    assert json.loads((tmp_path / "manifest.json").read_text())["models"]["large"] == \
        models["large"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["recipe"]["lr"] = 0.5  # as if an earlier recipe had made them
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    build(tmp_path)  # another recipe: the large model is not kept
    assert set(json.loads((tmp_path / "manifest.json").read_text())["models"]) == {"small"}
