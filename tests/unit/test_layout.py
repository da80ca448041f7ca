"""Prompt layout: the ticket-first counter-example shares no prefix between requests."""

from llmopt.demo import generator
from llmopt.layout import MANUAL_HEADER, TICKET_HEADER, variable_first


def test_variable_first_puts_the_ticket_before_the_manual() -> None:
    item = generator.generate(1, seed=0)[0]
    moved = variable_first(item)
    assert moved.system.startswith(TICKET_HEADER + item.user)
    assert moved.system.endswith(MANUAL_HEADER + item.system)
    assert (moved.id, moved.reference, moved.tier) == (item.id, item.reference, item.tier)


def test_requests_in_variable_first_layout_differ_from_their_first_line() -> None:
    a, b = (variable_first(i) for i in generator.generate(2, seed=0))
    assert a.system.splitlines()[1] != b.system.splitlines()[1]
