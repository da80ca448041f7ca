import json

import pandas as pd
import pytest

from llmopt.bench import Endpoint
from llmopt.demo import generator
from llmopt.demo.grader import Answer
from llmopt.errors import ConfigError
from llmopt.output import BatchLine, api_batch_change, compare_batch, read_batch_output, write_batch
from llmopt.output.structured import json_schema_format
from llmopt.pricing import batch_price_for, price_for
from llmopt.workload import load_jsonl

ENDPOINT = Endpoint(base_url="http://127.0.0.1:1/v1", model="demo:large", max_tokens=48,
                    extra_body={"response_format": json_schema_format(Answer)})


def test_a_batch_file_holds_each_request_as_sent_online_and_replays_as_the_workload(tmp_path):
    items = generator.generate(5, seed=2)
    path = write_batch(items, ENDPOINT, tmp_path / "batch.jsonl")
    lines = [BatchLine.model_validate_json(line) for line in path.read_text().splitlines()]
    assert [line.custom_id for line in lines] == [item.id for item in items]
    assert {line.url for line in lines} == {"/v1/chat/completions"}
    body = lines[0].body
    assert "stream" not in body and "stream_options" not in body
    assert body | {"stream": True, "stream_options": {"include_usage": True}} == ENDPOINT.body(
        items[0])
    replayed = load_jsonl(path)  # what `llmopt bench --workload batch.jsonl` reads
    assert [(i.id, i.system, i.user) for i in replayed] == [
        (i.id, i.system, i.user) for i in items]


def test_a_batch_refuses_repeated_ids_and_the_completions_api(tmp_path):
    item = generator.generate(1, seed=2)[0]
    with pytest.raises(ConfigError, match="unique ids"):
        write_batch([item, item], ENDPOINT, tmp_path / "b.jsonl")
    with pytest.raises(ConfigError, match="chat API"):
        write_batch([item], ENDPOINT.model_copy(update={"api": "completions"}), tmp_path / "c")


def test_a_bad_batch_input_line_is_named_with_its_number(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"custom_id": "a", "body": {"messages": [{"role": "user", '
                    '"content": "hi"}]}}\n{"custom_id": "b", "body": {}}\n')
    with pytest.raises(ConfigError, match=r"batch.jsonl:2"):
        load_jsonl(path)


def test_the_output_keeps_every_good_line_and_names_a_bad_one(tmp_path):
    good = {"id": "x", "custom_id": "a", "error": None, "response": {
        "status_code": 200, "request_id": "r", "body": {
            "choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3}}}}
    failed = {"id": "y", "custom_id": "c", "response": None,
              "error": {"message": "too long"}}
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(failed) + "\n")
    rows = read_batch_output(path)
    assert list(rows["custom_id"].fillna("-")) == ["a", "-", "c"]
    assert rows.loc[0, ["text", "finish_reason", "prompt_tokens", "output_tokens"]].tolist() == [
        "{}", "stop", 7, 3]
    assert rows.loc[1, "error"].startswith("out.jsonl:2: not a batch result line")
    assert "out.jsonl:3" in rows.loc[2, "error"] and "too long" in rows.loc[2, "error"]
    with pytest.raises(ConfigError, match="does not exist"):
        read_batch_output(tmp_path / "none.jsonl")


def test_the_batch_is_compared_with_every_online_round():
    items = generator.generate(4, seed=3)
    online = pd.DataFrame({
        "id": [i.id for i in items], "tier": [i.tier for i in items],
        "status": "ok", "warmup": False, "correct": [True, True, False, True],
        "session": ["r0", "r0", "r1", "r1"], "prompt_tokens": 90, "output_tokens": 10,
        "start_s": [0.0, 0.0, 10.0, 10.0], "end_s": [2.0, 2.0, 14.0, 14.0],
        "latency_s": [1.0, 2.0, 3.0, 4.0]})
    texts = [json.dumps(i.reference) for i in items[:3]] + ["wrong"]
    batch = pd.DataFrame({"custom_id": [i.id for i in items], "text": texts,
                          "prompt_tokens": 90, "output_tokens": 10})
    ev = compare_batch(online, batch, engine_s=1.0, items=items, usd_per_hour=3.6)
    assert (ev.quality.n, ev.quality.baseline_only, ev.quality.candidate_only) == (4, 1, 1)
    # $1 per 1,000 s; online: 200 tokens in 2 s ($10 per 1M), then in 4 s ($20); the batch:
    # 400 tokens in its 1 engine second ($2.5); rounds enter as their geometric mean
    assert ev.cost.baseline == pytest.approx((10 * 20) ** 0.5)
    assert ev.cost.candidate == pytest.approx(2.5)
    assert ev.latency.baseline == 2.5 and ev.latency.candidate == 1.0
    with pytest.raises(ConfigError, match="lacks 1 requests"):
        compare_batch(online, batch.iloc[:3], 1.0, items, 3.6)


def test_the_api_batch_bills_the_same_tokens_at_the_batch_price():
    rows = pd.DataFrame({"prompt_tokens": [100, 300], "output_tokens": [10, 30]})
    change = api_batch_change(rows, price_for("demo:large"), batch_price_for("demo:large"))
    assert change.exact and change.pct == pytest.approx(-50.0)
