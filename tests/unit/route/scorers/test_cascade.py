from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel

from llmopt.errors import ConfigError
from llmopt.route.scorers import Cascade, LogprobCheck, SchemaCheck, mean_logprob


class Answer(BaseModel):
    action: str
    amount: int


def _with_logprobs(values):
    return AIMessage("x", response_metadata={"logprobs": {"content": [
        {"token": "t", "logprob": v} for v in values]}})


def test_schema_check():
    check = SchemaCheck(model=Answer)
    assert check.reason(AIMessage('{"action": "refund", "amount": 3}')) is None
    assert check.reason(AIMessage("refund")) == "not JSON"
    assert "schema" in check.reason(AIMessage('{"action": "refund", "amount": "x"}'))
    assert "missing" in SchemaCheck(fields=["a"]).reason(AIMessage("{}"))


def test_logprob_check():
    assert mean_logprob(_with_logprobs([-0.1, -0.3])) == pytest.approx(-0.2)
    check = LogprobCheck(-0.5)
    assert check.reason(_with_logprobs([-0.1])) is None
    assert "mean logprob" in check.reason(_with_logprobs([-2.0]))
    assert "no logprobs" in check.reason(AIMessage("x"))


def test_a_logprob_check_is_fitted_to_a_false_escalation_rate():
    means = [-0.1 * k for k in range(1, 11)] + [-2.0, -0.05]
    correct = [True] * 10 + [False, False]
    check = LogprobCheck.calibrate(means, correct, false_escalation=0.2)
    assert check.min_mean_logprob == pytest.approx(-0.8)  # the two lowest right ones escalate
    assert check.false_escalation_rate(means, correct) == pytest.approx(0.2)
    with pytest.raises(ConfigError, match="12 answers but 1 grades"):
        LogprobCheck.calibrate(means, [True])


def test_cascade_names_the_first_failing_check():
    cascade = Cascade([SchemaCheck(fields=["a"]), LogprobCheck(-0.5)])
    assert cascade.escalation_reason(AIMessage("nope")).startswith("schema")


def test_bad_checks_are_named():
    with pytest.raises(ConfigError):
        SchemaCheck()
    with pytest.raises(ConfigError, match="min_mean_logprob"):
        LogprobCheck(0.5)
    with pytest.raises(ConfigError, match="or an EarlyStop"):
        Cascade([])


def test_logprob_check_for_a_share_escalates_that_share():
    sample = [-0.9, -0.5, -0.1, -0.01, -0.3]
    check = LogprobCheck.for_share(sample, 0.4)
    escalated = [v for v in sample if check.reason(_with_logprobs([v])) is not None]
    assert sorted(escalated) == [-0.9, -0.5]
    assert LogprobCheck.for_share(sample, 0).min_mean_logprob == -0.9
    assert LogprobCheck.for_share(sample, 1).min_mean_logprob == 0.0
    with pytest.raises(ConfigError, match="share"):
        LogprobCheck.for_share(sample, 1.5)
