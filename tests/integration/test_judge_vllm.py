"""The judge on a real demo server: every reply parsed to a verdict or counted as an error, each
call billed from the server's usage, agreement with the demo truth computed. Not how well the
demo model judges (benchmarks/judge_agreement.py measures that; it judges poorly)."""

from __future__ import annotations

import json

import pytest

from llmopt.completions import complete
from llmopt.demo import generator
from llmopt.grading import Judge, measure_trust
from llmopt.route import Tier

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


@pytest.mark.parametrize("structured", [False, True], ids=["prompt", "schema"])
def test_every_verdict_is_parsed_or_an_error_and_every_call_is_billed(demo_small_server,
                                                                      structured):
    server = demo_small_server
    items = generator.generate(6, seed=0)
    candidates = [a.text for a in complete(server.base_url, server.model_name, items)]
    references = [json.dumps(item.reference) for item in items]  # a strong model's answers
    tier = Tier.served("judge", server, max_tokens=96)
    judge = Judge(tier=tier, structured=structured, include_system=False, concurrency=2)

    trust = measure_trust(judge, items, candidates, references)

    for grade in trust.grades:
        assert grade.decided != (grade.label == "error")
        assert grade.decided or grade.error.startswith("unparseable verdict: ")
        assert grade.bill is not None and not grade.bill.estimated  # the server's own usage
        assert grade.bill.prompt_tokens > 0 and grade.bill.completion_tokens > 0
        assert grade.bill.cost_usd == pytest.approx(
            tier.cost(grade.bill.prompt_tokens, grade.bill.completion_tokens))
    a = trust.agreement
    assert a.n == 6 and a.metric == "judge" and 0.0 <= a.rate <= 1.0
    assert sum(sum(row.values()) for row in a.confusion.values()) == 6
    assert a.errors == sum(g.label == "error" for g in trust.grades)
    assert a.cost_usd > 0
    assert a.cost_usd == pytest.approx(sum(g.bill.cost_usd for g in trust.grades))
    assert a.unpriced == 0


def test_a_prompt_past_the_judges_context_is_a_failed_call_counted_not_raised(
        demo_small_server):
    """A request whose system prompt is the policy manual twice: with it the judge's prompt
    is ~1,450 demo tokens, past the demo models' 1,024, and the server refuses it."""
    item = generator.generate(1, seed=0)[0]
    item = item.model_copy(update={"system": f"{item.system}\n\n{item.system}"})
    judge = Judge(tier=Tier.served("judge", demo_small_server, max_tokens=96))
    grade = judge.grade(json.dumps(item.reference), item, json.dumps(item.reference))
    assert grade.label == "error" and grade.unpriced and grade.bill is None
    assert grade.error.startswith("judge call failed (context_window)")
