import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from llmopt.workshop import lesson

FIRST = """# 07 · Response cache
**Question:** When can a cached answer stand in?

**Objectives:** after it you can
- measure hits
- pick a threshold
  from a budget

**Time:** runs in about 78 s on the demo profile (`make pilot`, 2 cores); teach in 30 min.
"""
LAST = """## Key points
- one
- two

**Decision saved:** `07_response_cache.json` in the results folder: the caches."""


def write(tmp_path, first=FIRST, last=LAST, name="07_response_cache"):
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell(first), new_code_cell("x = 1"),
                                       new_markdown_cell(last)]), path)
    return path


def test_a_complete_lesson_reads_back(tmp_path):
    read = lesson.read(write(tmp_path))
    assert (read.title, read.run_s, read.teach_min) == ("07 · Response cache", 78, 30)
    assert read.objectives == ["measure hits", "pick a threshold from a budget"]
    assert read.key_points == ["one", "two"] and read.decision_file == "07_response_cache.json"


@pytest.mark.parametrize(("first", "last", "says"), [
    (FIRST.replace("**Question:**", "Question:"), LAST, "Question"),
    (FIRST.replace("- pick a threshold\n  from a budget\n", ""), LAST, "Objectives"),
    (FIRST.replace("teach in 30 min.", "teach for a while."), LAST, "Time"),
    (FIRST.replace("# 07 ·", "# 7 ·"), LAST, "first line"),
    (FIRST, LAST.replace("- two\n", ""), "Key points"),
    (FIRST, LAST.replace("07_response_cache.json", "07_cache.json"), "Decision saved"),
    (FIRST, LAST + "\n# Another title", "top-level headings"),
])
def test_each_missing_part_is_named(tmp_path, first, last, says):
    found = lesson.problems(write(tmp_path, first, last))
    assert len(found) == 1 and says in found[0], found
    with pytest.raises(ValueError, match="07_response_cache.ipynb"):
        lesson.read(write(tmp_path, first, last))


def test_the_run_time_is_rewritten_and_nothing_else():
    assert lesson.with_run_time(FIRST, 41) == FIRST.replace("about 78 s", "about 41 s")
    with pytest.raises(ValueError, match="Time"):
        lesson.with_run_time("# 07 · x", 41)
