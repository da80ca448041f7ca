from llmopt.compress import DEFAULT_FORCE, missing, segments, spans

TICKET = "Order #482913 arrived 8 days late. I paid $45 for it, 30 days ago."
BASKET = "The order had a lamp ($45) and a rug for $120."


def test_default_patterns_find_ids_and_amounts():
    assert spans(TICKET, DEFAULT_FORCE) == ["#482913", "8", "$45", "30"]


def test_prices_in_a_basket_list_are_amounts():
    assert spans(BASKET, DEFAULT_FORCE) == ["$45", "$120"]


def test_list_numbers_at_a_line_start_are_not_amounts():
    assert spans("Rules:\n1. Refund above 300 dollars.\n2. Deny.", DEFAULT_FORCE) == ["300"]


def test_segments_join_back_and_carry_the_space_before():
    pieces = segments(TICKET, DEFAULT_FORCE)
    assert "".join(p for p, _ in pieces) == TICKET
    assert [p for p, forced in pieces if forced] == [" #482913 ", " 8 ", " $45 ", " 30 "]


def test_missing_reports_lost_and_glued_spans():
    assert missing(TICKET, "#482913 8 days late $45 30 days", DEFAULT_FORCE) == []
    assert missing(TICKET, "#482913 late $45 30 days", DEFAULT_FORCE) == ["8"]
    assert missing(TICKET, "#482913 late8 $45 30", DEFAULT_FORCE) == ["8"]  # glued: lost
    assert missing("It is 5 or 5.", "It is 5.", DEFAULT_FORCE) == ["5"]  # counted


def test_overlapping_matches_keep_the_longest():
    assert spans("id AB1234", [r"\d+", r"[A-Z]{2}\d{4}"]) == ["AB1234"]


def test_a_forced_piece_keeps_its_closing_punctuation():
    text = "action deny, amount 0.\n3. Damaged: amount 15, or 25."
    forced = [p for p, f in segments(text, DEFAULT_FORCE) if f]
    assert forced == [" 0.\n", " 15, ", " 25."]
