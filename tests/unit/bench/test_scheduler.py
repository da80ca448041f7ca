import pytest

from llmopt.bench import Reply
from llmopt.bench.scheduler import cost_of, verdict
from llmopt.demo.grader import grade
from llmopt.pricing import price_for
from llmopt.workload import WorkloadItem

ITEM = WorkloadItem(id="a", system="s", user="u", reference={"intent": "cancel", "amount": 3})


def reply(**fields) -> Reply:
    base = {"status": "ok", "text": '{"intent": "cancel", "amount": 3}', "attempts": 1,
            "start_s": 0.0, "latency_s": 1.0, "prompt_tokens": 1000, "output_tokens": 100,
            "usage_source": "server"}
    return Reply(**(base | fields))


def test_verdict_of_a_good_answer() -> None:
    assert verdict(grade, ITEM, reply()) == {"correct": True,
                                             "fields_ok": {"intent": True, "amount": True}}


def test_a_failed_request_is_a_wrong_answer() -> None:
    assert verdict(grade, ITEM, reply(status="timeout")) == {"correct": False, "fields_ok": None}


def test_no_reference_no_verdict() -> None:
    bare = ITEM.model_copy(update={"reference": None})
    assert verdict(grade, bare, reply()) == {"correct": None, "fields_ok": None}


def test_cost_uses_the_cached_price_and_none_without_price() -> None:
    price = price_for("demo:large")
    expected = (600 * price.input + 400 * price.cached_input + 100 * price.output) / 1e6
    assert cost_of(price, reply(cached_tokens=400)) == pytest.approx(expected)
    assert cost_of(None, reply()) is None


def test_failed_request_is_priced_at_its_prompt() -> None:
    price = price_for("demo:large")
    failed = reply(status="http_500", output_tokens=0, usage_source="client")
    assert cost_of(price, failed) == pytest.approx(1000 * price.input / 1e6)
