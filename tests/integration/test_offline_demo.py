"""The demo path runs with the network blocked: a fresh network namespace with loopback only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

DEMO_PATH = textwrap.dedent("""
    import socket
    from llmopt.profile import Profile
    from llmopt.completions import complete
    from llmopt.demo import grader
    from llmopt.settings import REPO_ROOT

    try:  # prove the block: no name resolution, no route out
        socket.create_connection(("pypi.org", 443), timeout=3)
        raise SystemExit("network is reachable: the test would prove nothing")
    except OSError:
        pass
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    import tiktoken
    assert tiktoken.get_encoding("cl100k_base").encode("hello")
    items = pilot.workload_items()[:6]
    with pilot.server("draft") as server:
        answers = complete(server.base_url, server.model_name, items)
    assert all(a.error is None for a in answers), answers
    print("graded", grader.accuracy(grader.grade_frame(items, [a.text for a in answers])))
""")


def _can_isolate() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.skipif(not _can_isolate(), reason="this machine cannot create a network namespace")
def test_demo_path_runs_without_network(tmp_path):
    script = tmp_path / "demo_path.py"
    script.write_text(DEMO_PATH)
    command = f"ip link set lo up && exec {sys.executable} {script}"
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", command], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "graded" in done.stdout
