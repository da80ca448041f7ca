"""The output side on the real CPU build: a JSON schema the server enforces (through the
OpenAI response_format and through LangChain), vLLM's run-batch on an llmopt batch file, the
gpu profile's batch arguments through run-batch's own parser, and the cascade's early stop
aborting a streamed answer on the server."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Literal

import pytest
from langchain_core.messages import convert_to_messages
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ConfigDict

from llmopt.bench import Endpoint, run
from llmopt.demo import generator
from llmopt.demo.grader import Answer, parse_answer
from llmopt.output import batch_args, json_schema_format, read_batch_output, run_batch, write_batch
from llmopt.profile import Profile
from llmopt.route import ErrorClass, FallbackPolicy, RouterChatModel, Tier
from llmopt.route.scorers import Cascade, EarlyStop
from llmopt.settings import REPO_ROOT, get_settings
from llmopt.workload import load_jsonl

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

DEMO = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
GPU = Profile.load(REPO_ROOT / "cookbook/profiles/gpu.yaml")


class Refusal(BaseModel):
    """A schema the demo models never write on their own: only a grammar makes them."""

    model_config = ConfigDict(extra="forbid")
    intent: Literal["other"]
    action: Literal["deny"]


def _bench(server, items, **fields):
    endpoint = Endpoint.of(server, max_tokens=48, **fields)
    return run(endpoint, items, {"kind": "concurrent", "concurrency": 4,
                                 "max_requests": len(items)}, progress=False).frame()


def test_the_server_holds_every_answer_to_the_schema(demo_small_server):
    items = generator.generate(6, seed=21)
    free = _bench(demo_small_server, items)
    held = _bench(demo_small_server, items,
                  extra_body={"response_format": json_schema_format(Refusal)})
    assert not any('"other"' in text for text in free["text"])
    assert [Refusal.model_validate_json(t) for t in held["text"]] == [
        Refusal(intent="other", action="deny")] * len(items)


def test_langchain_switches_it_on_with_one_line(demo_small_server):
    item = generator.generate(1, seed=22)[0]
    chat = ChatOpenAI(base_url=demo_small_server.base_url, api_key="unused",
                      model=demo_small_server.model_name, temperature=0, max_tokens=64)
    answer = chat.with_structured_output(Answer, method="json_schema").invoke(
        convert_to_messages(item.messages()))
    assert isinstance(answer, Answer)


def test_run_batch_answers_every_line_and_the_file_replays_online(demo_small_server, tmp_path):
    items = generator.generate(6, seed=23)
    endpoint = Endpoint.of(demo_small_server, max_tokens=64)
    batch = write_batch(items, endpoint, tmp_path / "batch.jsonl")
    done = run_batch(DEMO.serve_config("draft"), batch, tmp_path / "out.jsonl")
    rows = read_batch_output(done.output)
    assert sorted(rows["custom_id"]) == sorted(i.id for i in items)
    assert set(rows["status_code"]) == {200} and rows["error"].isna().all()
    assert (rows["output_tokens"] > 0).all() and 0 < done.engine_s < done.wall_s
    assert all(isinstance(parse_answer(text), dict) for text in rows["text"])
    replayed = _bench(demo_small_server, load_jsonl(batch))  # `llmopt bench` reads it too
    assert set(replayed["status"]) == {"ok"} and len(replayed) == len(items)


def test_the_gpu_profiles_batch_passes_run_batchs_own_parser(tmp_path):
    args = batch_args(GPU.serve_config("target"), Path("in.jsonl"), Path("out.jsonl"))
    code = ("import sys\n"
            "try:\n"
            "    from vllm.entrypoints.launchers.run_batch import parse_args\n"
            "except ImportError:\n"
            "    from vllm.entrypoints.openai.run_batch import parse_args\n"
            "sys.argv = ['run-batch', *sys.argv[1:]]\n"
            "args = parse_args()\n"
            "print(args.model, args.input_file, args.output_file)\n")
    done = subprocess.run([str(get_settings().vllm_python), "-c", code, *args],  # noqa: S603
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-3:] == [GPU.target_model, "in.jsonl", "out.jsonl"]


def test_an_early_stop_closes_the_cheap_stream_and_the_next_tier_answers(demo_small_server):
    items = generator.generate(8, seed=24)
    cheap = Tier.served("cheap", demo_small_server, logprobs=True)
    whole = [cheap.model.invoke(convert_to_messages(i.messages())) for i in items]
    router = RouterChatModel(
        tiers=[cheap, Tier.served("strong", demo_small_server)],
        cascade=Cascade(early_stop=EarlyStop(min_logprob=-0.05)),
        policy=FallbackPolicy(retries=0))
    answers = [router.invoke(convert_to_messages(i.messages())) for i in items]
    assert all(a.content for a in answers)
    stopped = [a for a in router.attempts if a.error_class == ErrorClass.early_stop]
    assert stopped, "a threshold of -0.05 stops some demo answer"
    full = {i: w.usage_metadata["output_tokens"] for i, w in enumerate(whole)}
    assert all(a.output_tokens < max(full.values()) and a.cost_estimated for a in stopped)
    routed = [a.response_metadata["routed_to"] for a in answers]
    assert routed.count("strong") == len(stopped)
