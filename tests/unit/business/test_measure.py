"""The held-out traffic and what the runner does without sending: the response cache in front
of a pass's records (a real SQLite cache), and a step the profile cannot start a server for."""

from __future__ import annotations

import json

import pytest

from llmopt.business.measure import Runner, held_out, hit
from llmopt.business.stack import Setting
from llmopt.demo import generator
from llmopt.errors import ConfigError, NotApplicable
from llmopt.profile import HELD_OUT_AFTER, Profile
from llmopt.settings import REPO_ROOT
from llmopt.workload import save_jsonl
from tests.unit.business.records import frame_of

DEMO = REPO_ROOT / "cookbook" / "profiles" / "demo.yaml"


@pytest.fixture
def demo() -> Profile:
    return Profile.load(DEMO)


def test_the_held_out_sample_repeats_a_share_of_its_own_requests(demo):
    items = held_out(demo, 60, repeat_share=0.25)
    repeats = [i for i in items if "-r" in i.id]
    assert len(items) == 60 and len({i.id for i in items}) == 60
    assert 5 < len(repeats) < 25 and items[0] not in repeats
    fresh = {i.id: i for i in items if i not in repeats}
    for i in repeats:  # an exact copy of an earlier fresh request
        source = fresh[i.id.split("-r")[0]]
        assert (i.system, i.user, i.reference) == (source.system, source.user, source.reference)
        assert items.index(source) < items.index(i)
    assert [i.id for i in items if i not in repeats] == \
        [i.id for i in demo.held_out_items(60)[:len(fresh)]]
    assert held_out(demo, 60, repeat_share=0.25) == items  # seeded
    assert held_out(demo, 5, repeat_share=0.0) == demo.held_out_items(5)


def test_a_workload_files_repeats_are_left_as_they_are(demo, tmp_path):
    lines = demo.held_out_items(3)
    path = save_jsonl(generator.generate(1 + HELD_OUT_AFTER) + lines, tmp_path / "w.jsonl")
    on_file = demo.model_copy(update={"workload": str(path), "n_requests": 1})
    assert held_out(on_file, 3, repeat_share=0.5) == lines
    with pytest.raises(ConfigError, match="repeat_share must be in"):
        held_out(demo, 3, repeat_share=1.0)


@pytest.fixture
def runner(demo, tmp_path):
    attached_only = demo.model_copy(update={"launch_servers": False})
    items = held_out(demo, 12, repeat_share=0.3)
    with Runner(items, profile=demo, target=demo.server("target"),
                draft=lambda: attached_only.server("draft"),
                start=lambda **o: attached_only.server("target", **o), concurrency=1,
                warmup=demo.warmup_items(), results_dir=tmp_path) as made:
        yield made


def test_a_cache_serves_each_repeat_from_the_pass_and_sends_nothing_for_it(runner):
    answers = [json.dumps(item.reference) for item in runner.items]
    sent = frame_of([{"id": item.id, "tier": item.tier, "text": text, "latency_s": 0.5}
                     for item, text in zip(runner.items, answers, strict=True)])
    served = runner._cached(Setting(request={"max_tokens": 64}, cache={"kind": "exact"}), sent)
    repeats = served["id"].str.contains("-r")
    assert repeats.any() and (served["cache_hit"] == repeats).all()
    hits = served[served["cache_hit"]]
    assert (hits["cost_usd"] == 0).all() and (hits["output_tokens"] == 0).all()
    assert (hits["latency_s"] < 0.5).all() and hits["correct"].all()
    assert (hits["route"] == "cache").all() and list(served["id"]) == list(sent["id"])
    misses = served[~served["cache_hit"]]
    assert (misses["latency_s"] > 0.5).all()  # the request plus its lookup
    assert runner._cached(Setting(), sent) is sent  # no cache: the pass as it was


def test_a_server_of_its_own_is_not_applicable_where_none_may_start(runner):
    with pytest.raises(NotApplicable, match="launch_servers: false"):
        runner._server({"kv_cache_dtype": "fp8"})
    with pytest.raises(NotApplicable, match="draft"):
        runner._server("draft")


def test_a_hit_is_billed_nothing():
    item = Profile.load(DEMO).held_out_items(1)[0]
    fields = hit(json.dumps(item.reference), item, 0.002)
    assert fields["correct"] and fields["cache_hit"] and fields["latency_s"] == 0.002
    assert fields["cost_usd"] == fields["input_usd"] == fields["prompt_tokens"] == 0


def test_without_metrics_to_read_the_records_own_cached_counts_stand(runner):
    """An API (the api profile) has no /metrics: no probe is sent, nothing is read."""
    from llmopt.bench import Arm, Endpoint

    api = Arm(Endpoint(base_url="http://127.0.0.1:9/v1", model="m"), [], None)
    assert runner._cached_tokens("any", Setting(), "strong", api) is None
