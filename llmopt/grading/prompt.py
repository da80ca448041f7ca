"""The judge's prompt: `judge_prompt.md` beside this file (its system part, then its user part
with `$system`, `$user`, `$reference` and `$candidate` to fill), assembled by a pure function.

The request's system prompt and user message, the reference and the candidate go in as they
are (a JSON-object reference as compact JSON); an empty system prompt shows as `(none)`. A
long system prompt (a policy manual, retrieved documents) is most of the judge's bill: it can
be left out (`include_system=False`), where the user's message says enough, or the judge's
context is short (the demo models' 1,024 tokens).
"""

from __future__ import annotations

import functools
import importlib.resources
from string import Template

from pydantic import BaseModel, ConfigDict

from llmopt.errors import AssetError
from llmopt.grading.base import Reference
from llmopt.grading.reference import reference_text
from llmopt.workload import WorkloadItem

PROMPT_FILE = "judge_prompt.md"
SYSTEM_MARK, USER_MARK = "<!-- system -->", "<!-- user -->"
PLACES = ("system", "user", "reference", "candidate")


class JudgePrompt(BaseModel):
    """The judge's system message and its user message template (string.Template)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    user: str

    @classmethod
    def parse(cls, text: str, where: str = PROMPT_FILE) -> JudgePrompt:
        """The two parts of a prompt file; AssetError where a mark or a place is missing."""
        head, system_mark, rest = text.partition(SYSTEM_MARK)
        system, user_mark, user = rest.partition(USER_MARK)
        if not system_mark or not user_mark or head.strip():
            raise AssetError(f"{where}: needs {SYSTEM_MARK!r} first, then {USER_MARK!r}")
        missing = [p for p in PLACES if f"${p}" not in user]
        if missing:
            raise AssetError(f"{where}: its user part lacks ${', $'.join(missing)}")
        try:
            Template(user).substitute(dict.fromkeys(PLACES, ""))
        except (KeyError, ValueError) as error:
            raise AssetError(f"{where}: its user part has a '$' that is not one of "
                             f"${', $'.join(PLACES)} (write $$ for a dollar sign): "
                             f"{error}") from None
        return cls(system=system.strip(), user=user.strip())


@functools.cache
def judge_prompt() -> JudgePrompt:
    """The shipped prompt (read once)."""
    text = importlib.resources.files("llmopt.grading").joinpath(PROMPT_FILE).read_text("utf-8")
    return JudgePrompt.parse(text)


def judge_messages(item: WorkloadItem, reference: Reference, candidate: str,
                   prompt: JudgePrompt | None = None,
                   include_system: bool = True) -> list[dict[str, str]]:
    """The judge's chat messages for one candidate answer to `item` (pure: the same inputs
    give the same messages); `prompt`: another prompt than the shipped one; `include_system`
    False shows the request's system prompt as `(not shown)`."""
    prompt = prompt or judge_prompt()
    system = (item.system.strip() or "(none)") if include_system else "(not shown)"
    user = Template(prompt.user).substitute(
        system=system, user=item.user.strip(),
        reference=reference_text(reference).strip(), candidate=candidate.strip())
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]
