import re
import shutil
import uuid

import pytest

from llmopt import pilot
from llmopt.errors import ConfigError
from llmopt.evidence import load_decisions
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


@pytest.mark.parametrize("nb", pilot.notebooks(), ids=lambda nb: nb.stem)
def test_each_notebook_says_which_servers_it_needs(nb):
    needs, source = pilot.Needs.of(nb), nb.read_text()
    for which in ("target", "draft"):
        uses = f'pilot.server(\\"{which}\\")' in source or "pilot.server(which)" in source
        assert uses == (which in needs.shared_servers), f"{nb.stem}: shared_servers and {which}"
    own = re.search(r'pilot\.server\(\\"\w+\\", ', source) is not None
    assert own == needs.starts_own_servers, f"{nb.stem}: own_servers"


def test_a_notebook_needs_its_own_servers_or_uses_them_where_it_can_not_both():
    assert pilot.Needs(own_servers_where_possible="speculation is a server flag").starts_own_servers
    assert not pilot.Needs(shared_servers=["target"]).starts_own_servers
    with pytest.raises(ValueError, match="not both"):
        pilot.Needs(own_servers="a", own_servers_where_possible="b")


def test_a_notebook_that_needs_its_own_servers_does_not_apply_where_none_start():
    folder = f"results/test-pilot-{uuid.uuid4().hex[:8]}"
    profile = REPO_ROOT / folder / "attached.yaml"
    profile.parent.mkdir(parents=True)
    try:
        demo = (REPO_ROOT / "cookbook/profiles/demo.yaml").read_text()
        profile.write_text(demo.replace("results_dir: results", f"results_dir: {folder}") +
                           "launch_servers: false\n")
        out = pilot.run(profile, only=["03_quantization"])
        summary = pilot._load_summary(out)["03_quantization"]
        assert summary["status"] == "not applicable" and "quantized" in summary["error"]
        decision, = load_decisions(out, "03_quantization")
        assert decision.verdict == "not applicable" and decision.why == summary["error"]
    finally:
        shutil.rmtree(REPO_ROOT / folder)


def test_memory_peak_is_measured_from_where_it_started(monkeypatch):
    readings = iter([10.0, 6.5])  # GiB available when it opens, then when it closes
    monkeypatch.setattr(pilot, "_available_gib", lambda: next(readings))
    with pilot.MemoryPeak(every_s=3600) as memory:
        pass
    assert memory.peak_gib == 3.5
