"""Every cookbook notebook is a test: executed with papermill on the demo profile."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
import yaml

from llmopt import pilot
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT
from llmopt.workshop import outputs

PROFILES = Path(pilot.COOKBOOK) / "profiles"
NOTEBOOKS = pilot.notebooks()
ids = [nb.stem for nb in NOTEBOOKS]
FAKE_KEYS = {"OPENAI_API_KEY": "llmopt-fake-openai-key-8c2d",
             "ANTHROPIC_API_KEY": "llmopt-fake-anthropic-key-1f6b",
             "HF_TOKEN": "llmopt-fake-hub-token-3a9e"}


def parameters_cell(nb: Path) -> nbformat.NotebookNode:
    cells = nbformat.read(nb, as_version=4).cells
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{nb.name}: needs exactly one cell tagged 'parameters'"
    return tagged[0]


def test_there_are_notebooks():
    assert NOTEBOOKS, "cookbook/ holds no NN_name.ipynb"


@pytest.mark.parametrize("name", ["demo", "gpu", "workshop", "api"])
def test_profiles_validate(name):
    Profile.load(PROFILES / f"{name}.yaml")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(nb):
    for cell in nbformat.read(nb, as_version=4).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{nb.name}: strip outputs"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_parameter_defaults_are_the_demo_profile(nb):
    tree = ast.parse(parameters_cell(nb).source)
    defaults = {t.id: ast.literal_eval(s.value) for s in tree.body if isinstance(s, ast.Assign)
                for t in s.targets}
    demo = yaml.safe_load((PROFILES / "demo.yaml").read_text())
    # Every profile key with the demo profile's value; a notebook may add knobs of its own
    # (not profile keys: the pilot leaves them at these defaults).
    assert {k: defaults.get(k) for k in demo} == demo


@pytest.fixture(scope="module")
def pilot_run(request, tmp_path_factory):
    """One pilot over the notebooks this session selected, in order, into one results folder,
    sharing the profile's servers as `make pilot` does; its summary (each notebook's seconds,
    the peak memory) is kept in results/notebook-tests/ for `llmopt workshop times`."""
    selected = [item.callspec.params["nb"] for item in request.session.items
                if item.originalname == "test_notebook_runs_on_demo_profile"]
    profile = Profile.load(PROFILES / "demo.yaml")
    out, summary = tmp_path_factory.mktemp("pilot"), {}
    with pilot.SharedServers(profile, selected) as shared, pilot.MemoryPeak() as memory:
        yield lambda nb: summary.setdefault(nb.stem, pilot.run_one(nb, out, profile, shared)), out
    kept = REPO_ROOT / "results" / "notebook-tests"  # a later run of some notebooks updates theirs
    before = json.loads((kept / "summary.json").read_text()) if (kept / "summary.json").is_file() \
        else {"notebooks": {}}
    peak = max(memory.peak_gib, before.get("peak_memory_gib") or 0.0)
    pilot._write_summary(kept, before["notebooks"] | summary, peak)


@pytest.mark.notebook
@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_notebook_runs_on_demo_profile(nb, pilot_run, monkeypatch):
    for name, key in FAKE_KEYS.items():  # as a team's machine has them: never in an output
        monkeypatch.setenv(name, key)
    run, out = pilot_run
    result = run(nb)
    assert result["status"] == "ok", result["error"]
    assert (out / f"{nb.stem}.json").is_file(), f"{nb.name} saved no results"
    assert outputs.noise(nbformat.read(out / nb.name, as_version=4)) == [], "warning or log lines"
    for path in (p for p in out.rglob("*") if p.is_file()):
        text = path.read_bytes()
        assert not [n for n, k in FAKE_KEYS.items() if k.encode() in text], f"key in {path.name}"
