"""Secrets stay in the environment: a bench run, a routed run and a vLLM server with fake keys
in every place a user could put them (the environment, a server's key, a base URL's userinfo and
query, a wrong key answered with 401), then every output file, log, record and error is read
for them. (Each notebook is checked the same way in tests/notebooks.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from llmopt.bench import Endpoint, Retry, SynchronousProfile, run
from llmopt.demo import generator
from llmopt.errors import ServerError
from llmopt.profile import Profile
from llmopt.route import FallbackPolicy, RouterChatModel, Tier
from llmopt.serve import VllmServer
from llmopt.settings import REPO_ROOT

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

KEYS = {"LLMOPT_TEST_SERVER_KEY": "llmopt-fake-server-key-91b2",
        "OPENAI_API_KEY": "llmopt-fake-openai-key-5e7a",
        "LLMOPT_TEST_WRONG_KEY": "llmopt-fake-wrong-key-2c44"}
SERVER_KEY = KEYS["LLMOPT_TEST_SERVER_KEY"]
NO_RETRY = FallbackPolicy(retries=0, backoff_s=0.0, cooldown_s=0)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """A demo `small` server that requires SERVER_KEY, and a folder for every output."""
    env = pytest.MonkeyPatch()
    for name, value in KEYS.items():
        env.setenv(name, value)
    out = tmp_path_factory.mktemp("secrets")
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    config = pilot.serve_config("draft", api_key_env="LLMOPT_TEST_SERVER_KEY",
                                optimization_level=0)
    with VllmServer(config, log_path=out / "vllm.log") as server:
        yield server, out
    env.undo()


def test_the_server_gets_its_key_in_its_environment_only(keyed):
    server, _ = keyed
    environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
    assert f"VLLM_API_KEY={SERVER_KEY}".encode() in environ
    assert not [e for e in environ if e.startswith(b"OPENAI_API_KEY=")]
    assert SERVER_KEY.encode() not in Path(f"/proc/{server.pid}/cmdline").read_bytes()
    assert SERVER_KEY not in str(server.launch_command())


def test_no_key_reaches_a_record_a_log_or_an_error(keyed):
    server, out = keyed
    items, once = generator.generate(3, seed=0), Retry(max_attempts=1)
    good = run(Endpoint.of(server, api_key_env="LLMOPT_TEST_SERVER_KEY"), items,
               SynchronousProfile(max_requests=3), results_path=out / "good.jsonl",
               progress=False)
    assert [r.status for r in good.records] == ["ok"] * 3  # the server wants the key: it got it
    wrong = run(Endpoint.of(server, api_key_env="LLMOPT_TEST_WRONG_KEY", retry=once), items,
                SynchronousProfile(max_requests=2), results_path=out / "wrong.jsonl",
                progress=False)
    assert [r.status for r in wrong.records] == ["http_401"] * 2
    dead = Endpoint(base_url=f"http://me:{SERVER_KEY}@127.0.0.1:9/v1?api_key={SERVER_KEY}",
                    model=server.model_name, retry=once)
    with pytest.raises(ServerError) as unreachable:
        run(dead, items, SynchronousProfile(max_requests=1), results_path=out / "dead.jsonl",
            progress=False)

    live = Tier.openai("live", server.base_url, server.model_name, "demo:small",
                       api_key_env="LLMOPT_TEST_SERVER_KEY")
    gone = Tier.openai("gone", f"http://me:{SERVER_KEY}@127.0.0.1:9/v1", server.model_name,
                       "demo:small")
    router = RouterChatModel(tiers=[gone, live], policy=NO_RETRY)
    assert router.invoke("Where is order 12?").response_metadata["routed_to"] == "live"
    wrong_tier = Tier.openai("wrong", server.base_url, server.model_name, "demo:small",
                             api_key_env="LLMOPT_TEST_WRONG_KEY")
    refused = RouterChatModel(tiers=[wrong_tier], policy=NO_RETRY)
    with pytest.raises(Exception) as unauthorized:  # noqa: PT011 - any error, read below
        refused.invoke("Where is order 12?")

    texts = [str(unreachable.value), str(unauthorized.value), repr(router.attempts),
             repr(refused.attempts), repr(dead), *(r.error or "" for r in wrong.records),
             *(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())]
    assert "***" in str(unreachable.value)
    for name, key in KEYS.items():
        assert not [t[:200] for t in texts if key in t], f"{name} leaked"
