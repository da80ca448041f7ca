"""The api profile end to end: a team's chat log -> `llmopt import` -> the api profile -> notebooks
01 (baseline) and 08 (router) through the pilot's own machinery. Two local vLLM servers stand in
for the API models: demo `large` served as gpt-4.1 and demo `small` as gpt-4.1-mini, each
requiring the OpenAI key from the environment, exactly as the API does; the notebooks reach them
through the profile's `attach` and price them as the API models they are named after. The log's
answers are the demo world's gold answers, and the workload has no references (as imported
traffic has none): 01 grades against the log's answers, 08 against the strong tier's."""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml
from test_notebooks import FAKE_KEYS, PROFILES

from llmopt import pilot
from llmopt.bench import BenchResult, ConcurrentProfile, Endpoint, run, tiktoken_counter
from llmopt.demo import generator
from llmopt.evidence import load_decisions
from llmopt.profile import Profile
from llmopt.serve import serving
from llmopt.traffic import ImportOptions, import_log
from llmopt.workload import load_jsonl
from llmopt.workshop import outputs

pytestmark = [pytest.mark.notebook, pytest.mark.vllm, pytest.mark.slow]

API_NAMES = {"target": "gpt-4.1", "draft": "gpt-4.1-mini"}
KEY_ENV = "OPENAI_API_KEY"
LOGGED, SAMPLE, N_REQUESTS = 100, 88, 80
NOTEBOOKS = {nb.stem: nb for nb in pilot.notebooks()}


def write_chat_log(path) -> None:
    """A LiteLLM-style chat log of the demo world: each request with the answer it got (the
    demo's gold answer, as JSON), its usage and a user id to de-identify."""
    count = tiktoken_counter("o200k_base")
    with path.open("w") as log:
        for n, item in enumerate(generator.generate(LOGGED, seed=11)):
            answer = json.dumps(item.reference)
            log.write(json.dumps({
                "id": f"chatcmpl-{n:04d}", "timestamp": f"2026-11-{1 + n % 28:02d}T09:30:00Z",
                "model": API_NAMES["target"], "messages": item.messages(), "response": answer,
                "usage": {"prompt_tokens": count(item.system + item.user),
                          "completion_tokens": count(answer)},
                "status": "success", "user": f"customer-{n % 7}"}) + "\n")


@pytest.fixture(scope="module")
def api_pilot(tmp_path_factory):
    """The stand-in servers, the imported workload, the api profile attached to them, and the
    pilot's shared servers and results folder, for the module's notebooks."""
    keys = pytest.MonkeyPatch()
    for name, key in FAKE_KEYS.items():  # as a team's machine has them: never in an output
        keys.setenv(name, key)
    folder = tmp_path_factory.mktemp("api")
    write_chat_log(folder / "chat.jsonl")
    report = import_log(folder / "chat.jsonl", ImportOptions(sample=SAMPLE, hash_fields=("user",)),
                        output=folder / "workload.jsonl")
    demo = Profile.load(PROFILES / "demo.yaml")
    demo.prepare()
    servers = {which: demo.server(which, served_model_name=name, api_key_env=KEY_ENV)
               for which, name in API_NAMES.items()}
    with serving(servers):
        for server in servers.values():  # warm, as an API is: batches of every size ran before
            run(Endpoint.of(server), generator.generate(16, seed=5),
                ConcurrentProfile(concurrency=16, max_requests=16), progress=False)
        profile = Profile.model_validate(yaml.safe_load((PROFILES / "api.yaml").read_text()) | {
            "workload": report.workload, "n_requests": N_REQUESTS,
            "attach": {w: {"base_url": s.base_url, "api_key_env": KEY_ENV}
                       for w, s in servers.items()}})
        plan = [NOTEBOOKS[name] for name in ("01_baseline", "08_router_fallback")]
        out = folder / "results"
        with pilot.SharedServers(profile, plan) as shared:
            yield lambda name: pilot.run_one(NOTEBOOKS[name], out, profile, shared), out, report
    keys.undo()


def test_the_log_is_imported_without_references_or_user_ids(api_pilot):
    _, _, report = api_pilot
    items = load_jsonl(report.workload)
    assert (report.imported, report.sampled_out, report.ok) == (SAMPLE, LOGGED - SAMPLE, SAMPLE)
    assert all(item.reference is None for item in items)
    assert all(item.facts["user"].startswith("sha256:") for item in items)


def test_the_baseline_runs_on_the_api_profile(api_pilot):
    run, out, _ = api_pilot
    result = run("01_baseline")
    assert result["status"] == "ok", result["error"]
    baseline = json.loads((out / "01_baseline.json").read_text())
    assert baseline["price"].startswith("openai/gpt-4.1 (genai-prices"), baseline["price"]
    assert baseline["quality"].startswith("agreement with the answers the log recorded")
    assert 0.0 <= baseline["accuracy"] <= 1.0 and baseline["failed"] == 0
    records = BenchResult.load(out / "01_baseline.jsonl").records
    assert {r.model for r in records} == {"gpt-4.1"} and all(r.correct is not None for r in records)
    assert all(r.usage_source == "server" and r.client_prompt_tokens for r in records)
    check_outputs(out, "01_baseline")


def test_the_router_runs_on_the_api_profile(api_pilot):
    run, out, _ = api_pilot
    result = run("08_router_fallback")
    assert result["status"] == "ok", result["error"]
    decisions = load_decisions(out, "08_router_fallback")
    assert [d.technique for d in decisions] == ["router (embedding scorer)",
                                                "cascade (schema + logprob check)"]
    assert all(d.evidence.quality.n == N_REQUESTS // 2 for d in decisions)
    saved = json.loads((out / "08_router_fallback.json").read_text())
    assert saved["drill"] == {"ran": False, "why": "this profile starts no server of its own to "
                                                  "kill (launch_servers: false)"}
    check_outputs(out, "08_router_fallback")


def check_outputs(out, name: str) -> None:
    """The executed notebook is clean, and no key reached any file of the run."""
    assert outputs.noise(nbformat.read(out / f"{name}.ipynb", as_version=4)) == []
    for path in (p for p in out.rglob("*") if p.is_file()):
        text = path.read_bytes()
        assert not [n for n, k in FAKE_KEYS.items() if k.encode() in text], f"key in {path.name}"
