"""Prompt layout: where the request's variable part sits relative to the shared instructions.

A prefix cache reuses the longest shared *beginning* of prompts, so the shared manual must come
first and the variable ticket last. `variable_first` builds the counter-example the cookbook
measures: the same requests with the ticket placed before the manual.
"""

from __future__ import annotations

from llmopt.workload import WorkloadItem

TICKET_HEADER = "Customer ticket:\n"
MANUAL_HEADER = "Policy manual:\n"


def variable_first(item: WorkloadItem) -> WorkloadItem:
    """`item` with its ticket (user turn) moved before its manual (system prompt), both in the
    system turn, and the user turn asking for the answer: no two requests share a prefix."""
    if not item.system:
        return item
    system = f"{TICKET_HEADER}{item.user}\n\n{MANUAL_HEADER}{item.system}"
    return item.model_copy(update={"system": system, "user": "Answer the ticket above."})

