"""Attached and shared servers against real vLLM: what a workshop's shared GPU box and the
pilot's shared servers rely on."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_notebook

from llmopt.bench import Endpoint, SynchronousProfile, run
from llmopt.demo import generator
from llmopt.errors import ConfigError, NotApplicable
from llmopt.pilot import SharedServers
from llmopt.profile import Profile
from llmopt.settings import REPO_ROOT

pytestmark = [pytest.mark.vllm, pytest.mark.slow]
DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"


def test_an_attached_server_is_used_not_started_stopped_or_killed(demo_small_server, tmp_path):
    profile = Profile.model_validate(Profile.load(DEMO).model_dump() | {
        "launch_servers": False, "attach": {"draft": {"base_url": demo_small_server.base_url}}})
    with profile.server("draft") as server:
        assert server.is_attached and server.url == demo_small_server.url
        result = run(Endpoint.of(server, max_tokens=16), generator.generate(2, seed=5),
                     SynchronousProfile(max_requests=2), results_path=tmp_path / "r.jsonl",
                     progress=False)
        with pytest.raises(ConfigError, match="needs one of its own"):
            server.kill()
    assert [r.status for r in result.records] == ["ok", "ok"]
    assert demo_small_server.running, "leaving an attached server's block leaves it running"
    with pytest.raises(NotApplicable, match="launch_servers: false"):
        profile.server("draft", enable_prefix_caching=False)


def test_an_attached_server_that_serves_another_model_is_refused(demo_small_server):
    profile = Profile.model_validate(Profile.load(DEMO).model_dump() | {
        "attach": {"target": {"base_url": demo_small_server.base_url}}})
    with pytest.raises(ConfigError, match="not 'demo:large'"):
        profile.server("target").start()


def test_shared_servers_start_once_and_stop_after_their_last_notebook(tmp_path):
    plan = []
    for name, uses in (("00_a", ["draft"]), ("01_b", []), ("02_c", ["draft"]), ("03_d", [])):
        plan.append(tmp_path / f"{name}.ipynb")
        nbformat.write(new_notebook(metadata={"llmopt": {"shared_servers": uses}}), plan[-1])
    with SharedServers(Profile.load(DEMO), plan) as shared:
        first = shared.attach(plan[0])["draft"]
        server = shared.servers["draft"]
        shared.done(plan[0])
        assert shared.attach(plan[1]) == {"draft": first}, "kept for a later notebook"
        shared.done(plan[1])
        assert shared.attach(plan[2])["draft"] == first and server.running
        shared.done(plan[2])
        assert not server.running and shared.servers == {}, "stopped after its last notebook"
        assert shared.attach(plan[3]) == {}
