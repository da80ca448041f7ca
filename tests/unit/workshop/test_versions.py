import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from llmopt.workshop import versions


def notebook(*cells):
    return new_notebook(cells=list(cells))


def solution(source):
    return new_code_cell(source, metadata={"tags": ["solution"]})


def test_stub_keeps_the_task_and_stops_with_it():
    stub = versions.stub_source("# Set the budget to 1 point\n# and decide again.\nx = decide(1)\n")
    assert stub.startswith("# Set the budget to 1 point\n# and decide again.\n")
    assert "x = decide" not in stub
    assert "raise YourTurn('Set the budget to 1 point and decide again.')" in stub


def test_participant_stubs_solutions_and_drops_instructor_notes():
    nb = notebook(new_markdown_cell("# 01 · x"),
                  new_markdown_cell("note", metadata={"tags": ["instructor"]}),
                  new_markdown_cell("### Your turn\nchange it"),
                  solution("# change it\ny = 2"))
    out = versions.participant(nb)
    assert [c.source[:8] for c in out.cells] == ["# 01 · x", "### Your", "# change"]
    assert "y = 2" in nb.cells[3].source, "the source is left as it was"


def test_problems_name_what_an_exercise_misses():
    assert versions.problems(notebook(new_code_cell("x = 1"))) == [
        "no exercise: a '### Your turn' markdown cell and a code cell tagged 'solution'"]
    found = versions.problems(notebook(new_code_cell("x = 1"), solution("y = x")))
    assert any("'### Your turn' markdown cell before it" in p for p in found)
    assert any("opens with a comment" in p for p in found)


def test_problems_catch_a_later_cell_that_needs_the_solution():
    nb = notebook(new_code_cell("x = 1"), new_markdown_cell("### Your turn"),
                  solution("# make y\ny = x + 1"), new_code_cell("print(y, x)"))
    assert versions.problems(nb) == [
        "later cells use what only a solution defines: y (the participant's version would not "
        "have it)"]


def test_build_writes_both_versions(tmp_path):
    source = tmp_path / "01_x.ipynb"
    nbformat.write(notebook(new_markdown_cell("### Your turn"), solution("# do\nz = 1")), source)
    written = versions.build([source], tmp_path / "out")
    assert [p.relative_to(tmp_path).as_posix() for p in written["participant"]] == [
        "out/participant/01_x.ipynb"]
    assert "z = 1" in written["facilitator"][0].read_text()
    assert "z = 1" not in written["participant"][0].read_text()
