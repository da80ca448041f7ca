"""`Judge`: agreement as a judge model's verdict on whether a candidate answer is equivalent to
the reference for the request.

The judge is a `llmopt.route.Tier` (any LangChain chat model; `Tier.openai` for an
OpenAI-compatible server, `Tier.served` for a local vLLM), called greedily (temperature 0)
below LangChain's run machinery as the router calls it. Its prompt is `judge_prompt.md`
(llmopt.grading.prompt); its reply is parsed strictly (llmopt.grading.verdict): a reply that
is not exactly one verdict object is an error, never a pass, and so is a call that failed.
Each call's tokens are priced at the tier's price (`Tier.cost`), as the server reported them.

`structured=True` also sends the verdict's JSON schema as the request's `response_format`
(OpenAI structured outputs; vLLM's guided decoding), so the reply is the object by
construction. It is sent in the request body as it is, not through the OpenAI client's `parse`
helper, so a reply cut off at max_tokens keeps its bill and is counted as an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from langchain_core.messages import BaseMessage, convert_to_messages
from pydantic import Field

from llmopt.grading.base import Bill, Grade, Grader, Reference, lined_up
from llmopt.grading.prompt import JudgePrompt, judge_messages
from llmopt.grading.verdict import VERDICTS, parse_verdict
from llmopt.route.errors import classify, described
from llmopt.route.tier import Tier
from llmopt.workload import WorkloadItem

RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "verdict", "strict": True, "schema": {
        "type": "object",
        "properties": {"verdict": {"type": "string", "enum": list(VERDICTS)},
                       "reason": {"type": "string"}},
        "required": ["verdict", "reason"], "additionalProperties": False}},
}
"""The verdict's schema as an OpenAI `response_format` (with `structured=True`)."""


class Judge(Grader):
    """A judge model's verdict: same (agrees) or different; undecided where it gave none."""

    name: ClassVar[str] = "judge"

    tier: Tier
    structured: bool = False
    """Also constrain the reply to the verdict's JSON schema (servers that support it)."""
    temperature: float | None = 0.0
    """Sent with every call (greedy); None leaves it to the tier's model (for models that
    refuse the parameter)."""
    concurrency: int = Field(default=4, ge=1)
    """Calls in flight at once in `grade_all`."""
    prompt: JudgePrompt | None = None
    """Another prompt than the shipped judge_prompt.md."""
    include_system: bool = True
    """Show the judge the request's system prompt; False: its user message only (cheaper)."""

    def grade(self, output: str, item: WorkloadItem, reference: Reference) -> Grade:
        if reference is None:
            return Grade.undecided(self.name, "no reference answer")
        messages = convert_to_messages(judge_messages(item, reference, output, self.prompt,
                                                    self.include_system))
        kwargs = self.call_kwargs()
        try:
            reply = self.tier.invoke(messages, None, kwargs)
        except Exception as exc:  # a failed call is data: counted as an error, never a pass
            return Grade.undecided(self.name, f"judge call failed ({classify(exc)}): "
                                   f"{described(exc)}", unpriced=True)
        bill = self._bill(messages, reply, kwargs)
        parsed = parse_verdict(reply.text)
        if parsed.verdict is None:
            return Grade.undecided(self.name, f"unparseable verdict: {parsed.error}", bill)
        return Grade(metric=self.name, fields={}, correct=parsed.verdict == "same",
                     reason=parsed.reason, bill=bill)

    def grade_all(self, outputs: Sequence[str], items: Sequence[WorkloadItem],
                  references: Sequence[Reference]) -> list[Grade]:
        lined_up(outputs, items, references)
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self.grade, outputs, items, references))

    def call_kwargs(self) -> dict[str, Any]:
        """What every judge call sends besides its messages (the tier adds its max_tokens)."""
        kwargs: dict[str, Any] = {}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.structured:
            kwargs["extra_body"] = {"response_format": RESPONSE_FORMAT}
        return kwargs

    def _bill(self, messages: list[BaseMessage], reply: BaseMessage,
              kwargs: dict[str, Any]) -> Bill:
        usage = getattr(reply, "usage_metadata", None) or {}
        if "input_tokens" in usage:
            prompt, output = usage["input_tokens"], usage.get("output_tokens", 0)
            return Bill(prompt_tokens=prompt, completion_tokens=output,
                        cost_usd=self.tier.cost(prompt, output))
        prompt = self.tier.prompt_tokens(messages)
        output = self.tier.output_cap(kwargs)
        return Bill(prompt_tokens=prompt, completion_tokens=output,
                    cost_usd=self.tier.cost(prompt, output), estimated=True)
