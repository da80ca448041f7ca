import pytest

from llmopt import pilot
from llmopt.errors import ConfigError
from llmopt.settings import REPO_ROOT


def test_notebooks_are_found_in_order():
    names = [nb.name for nb in pilot.notebooks()]
    assert names == sorted(names) and names[0] == "00_demo_world.ipynb"


def test_unknown_notebook_is_named_with_the_valid_ones():
    with pytest.raises(ConfigError, match="00_demo_world"):
        pilot.run(REPO_ROOT / "cookbook/profiles/demo.yaml", only=["99_nope"])


def test_summary_is_written_and_resumable(tmp_path):
    summary = {"00_demo_world": {"status": "ok", "seconds": 1.0, "error": None}}
    pilot._write_summary(tmp_path, summary)
    assert pilot._load_summary(tmp_path) == summary
    assert "| 00_demo_world | ok | 1.0 |" in (tmp_path / "summary.md").read_text()
