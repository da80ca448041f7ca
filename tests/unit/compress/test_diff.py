from llmopt.compress import diff, kept_share
from llmopt.compress.diff import pieces


def statuses(original, compressed):
    return [(p.text.strip(), p.status) for p in diff(original, compressed)]


def test_pieces_keep_the_whitespace_after_them():
    assert pieces("  Refund the price,\nplus 8.") == ["  Refund ", "the ", "price", ",\n",
                                                      "plus ", "8", "."]
    assert "".join(pieces("a  b\n\nc ")) == "a  b\n\nc "


def test_marks_kept_and_dropped_words():
    result = statuses("Refund the price plus the 8 dollar fee.", "Refund price plus 8 fee.")
    assert result == [("Refund", "kept"), ("the", "dropped"), ("price", "kept"),
                      ("plus", "kept"), ("the", "dropped"), ("8", "kept"),
                      ("dollar", "dropped"), ("fee", "kept"), (".", "kept")]


def test_original_text_comes_back_and_additions_are_marked():
    original = "The return window is 30 days."
    result = diff(original, "The returnwindow 30 days.")
    assert "".join(p.text for p in result if p.status != "added") == original
    assert [p.text for p in result if p.status == "added"] == ["returnwindow "]
    assert kept_share(result) == 4 / 7  # The, 30, days, "." of 7


def test_edge_cases():
    assert diff("", "") == [] and kept_share([]) == 1.0
    assert [p.status for p in diff("a b", "")] == ["dropped", "dropped"]
    assert kept_share(diff("same text", "same text")) == 1.0
