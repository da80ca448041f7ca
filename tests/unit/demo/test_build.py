"""The build script runs end to end and is reproducible from its seed (a tiny budget here).
The shared build runs as the command does, in a process of its own; the others call the same
`main` in this process (a tiny build costs less than a process that imports torch)."""

import json
import shutil
import subprocess
import sys

import pytest
import torch

from llmopt.demo.build import main


def build(out, steps=3, model="small", command=False):
    """A tiny build of `model` into `out`; the manifest's models. `command`: `python -m
    llmopt.demo.build` in a process of its own, else its `main` here (the torch threads it
    sets are set back after)."""
    args = ["--steps", str(steps), "--eval-items", "4", "--models", model, "--out", str(out)]
    if command:
        subprocess.run([sys.executable, "-m", "llmopt.demo.build", *args], check=True,
                       capture_output=True, text=True)
    else:
        threads = torch.get_num_threads()
        try:
            main(args)
        finally:
            torch.set_num_threads(threads)
    return json.loads((out / "manifest.json").read_text())["models"]


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """One build of `small` by the command (folder, manifest entry), shared."""
    out = tmp_path_factory.mktemp("small")
    return out, build(out, command=True)["small"]


@pytest.mark.slow
def test_two_builds_with_one_seed_give_identical_weights(small_build, tmp_path):
    a, b = small_build[1], build(tmp_path)["small"]  # the command's and main's, in this process
    assert a["files"] == b["files"]
    assert a["parameters"] == b["parameters"] > 100_000
    assert set(a["accuracy_in_process"]) == {"all", "easy", "hard"}


@pytest.mark.slow
def test_rebuilding_one_model_keeps_the_other_of_the_same_recipe(small_build, tmp_path):
    shutil.copytree(small_build[0], tmp_path, dirs_exist_ok=True)
    small = small_build[1]
    models = build(tmp_path, model="large")
    assert set(models) == {"small", "large"} and models["small"] == small
    assert build(tmp_path, steps=4)["small"]["steps"] == 4  # steps are per model: large is kept
    assert json.loads((tmp_path / "manifest.json").read_text())["models"]["large"] == \
        models["large"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["recipe"]["lr"] = 0.5  # as if an earlier recipe had made them
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    build(tmp_path)  # another recipe: the large model is not kept
    assert set(json.loads((tmp_path / "manifest.json").read_text())["models"]) == {"small"}
