"""The offline wheelhouse, as `make wheelhouse` and `make env WHEELHOUSE=...` run it: the main
environment's wheels collected by .ci/wheelhouse into a temporary folder, then, with no index
and no pip configuration (so no find-links but the wheelhouse):

* pip resolves the whole of requirements/main.txt from the wheelhouse alone (`--dry-run`, the
  resolver that installs): every requirement and every dependency of theirs has a wheel there
  for this Python and platform, pip's own upgrade and llmopt's build requirements included;
* .ci/venv builds an environment from it (make env's path: WHEELHOUSE, pip upgraded from the
  wheelhouse first) for a handful of requirements with compiled parts (numpy, pydantic's core,
  PyYAML), which import there, and llmopt installs into it in editable mode, as make env's last
  step does, and loads its settings.

Not installed here: the other ~220 wheels (2.8 GB, 80 s on 2 cores, measured). That each of
them unpacks and imports is what every other test shows in .venv, which .ci/venv builds from
the same requirements with the same resolver; what this test adds is that the wheelhouse holds
all of them. (A wheel whose files are damaged inside an intact archive would only show at
install.) The vLLM environment goes the same way through the same scripts; it is measured by
hand (README, "Environments"): 880 MB of wheels and 3.5 GB installed, for no code path that
`main` does not already take."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llmopt.settings import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "requirements" / "main.txt"
INSTALLED = {"numpy": "numpy", "pydantic": "pydantic", "pydantic-settings": "pydantic_settings",
             "pyyaml": "yaml"}
"""The requirements installed from the wheelhouse (name: import name)."""


def run(command: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=1500, check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    """The distribution a requirements line names (None for a blank or comment line)."""
    text = line.split("#")[0].strip()
    return normalized(re.split(r"[<>=!~\[; ]", text)[0]) if text else None


def requirement_names(path: Path) -> set[str]:
    return {name for line in path.read_text().splitlines() if (name := requirement_name(line))}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_main_environment_installs_from_its_wheelhouse_with_no_index(tmp_path):
    env = os.environ | {"LLMOPT_CACHE_DIR": str(tmp_path / "cache"),
                        "PYTHON": os.environ.get("PYTHON", f"python{sys.version_info.major}."
                                                           f"{sys.version_info.minor}")}
    wheelhouse = tmp_path / "wheelhouse"
    made = run([".ci/wheelhouse", "main", str(REQUIREMENTS), str(wheelhouse)], env)
    assert "[wheelhouse] main:" in made
    wheels = {p.name.split("-")[0].lower() for p in (wheelhouse / "main").glob("*.whl")}
    assert {"torch", "transformers", "llmcompressor", "pip", "setuptools"} <= wheels

    # No index (.ci/venv sets PIP_NO_INDEX), no pip.conf: nothing but the wheelhouse to read.
    offline = {k: v for k, v in env.items() if not k.startswith("PIP_")} | {
        "WHEELHOUSE": str(wheelhouse), "PIP_CONFIG_FILE": os.devnull}
    handful = tmp_path / "handful.txt"
    handful.write_text("".join(line + "\n" for line in REQUIREMENTS.read_text().splitlines()
                               if requirement_name(line) in INSTALLED))
    assert requirement_names(handful) == set(INSTALLED)  # with main.txt's own pins
    built = run([".ci/venv", "main", str(handful), str(tmp_path / "venv")], offline)
    assert f"from {wheelhouse}/main" in built
    python = str(tmp_path / "venv" / "bin" / "python")

    report = tmp_path / "resolved.json"
    run([python, "-m", "pip", "install", "--dry-run", "--quiet", "--no-index", "--find-links",
         str(wheelhouse / "main"), "--report", str(report), "-r", str(REQUIREMENTS)],
        offline, cwd=tmp_path)
    resolved = {normalized(item["metadata"]["name"])
                for item in json.loads(report.read_text())["install"]}
    assert requirement_names(REQUIREMENTS) - set(INSTALLED) <= resolved

    imported = run([python, "-c", f"import {', '.join(INSTALLED.values())}; print('imported')"],
                   offline, cwd=tmp_path)
    assert imported.strip().endswith("imported")

    # make env's last step: llmopt itself, editable, built with setuptools from the wheelhouse.
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--find-links",
         str(wheelhouse / "main"), "-e", str(REPO_ROOT)], offline, cwd=tmp_path)
    where = run([python, "-c", "import llmopt, llmopt.settings; print(llmopt.__file__)"],
                offline, cwd=tmp_path)
    assert Path(where.strip()).resolve().is_relative_to(REPO_ROOT.resolve())

