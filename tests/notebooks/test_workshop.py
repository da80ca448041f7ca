"""The workshop kit on every notebook: how it opens and closes, its exercises in both versions."""

from __future__ import annotations

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from llmopt import pilot
from llmopt.errors import YourTurn
from llmopt.workshop import lesson, versions

NOTEBOOKS = pilot.notebooks()
ids = [nb.stem for nb in NOTEBOOKS]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_opens_and_closes_as_a_lesson(nb):
    assert lesson.problems(nb) == []


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_has_exercises_that_work_in_both_versions(nb):
    assert versions.problems(nbformat.read(nb, as_version=4)) == []


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_participant_version_differs_only_in_solutions(nb):
    source = nbformat.read(nb, as_version=4)
    kept = [c for c in source.cells if versions.INSTRUCTOR not in c.metadata.get("tags", [])]
    stubbed = versions.participant(source).cells
    assert len(stubbed) == len(kept)
    for before, after in zip(kept, stubbed, strict=True):
        if versions.SOLUTION in before.metadata.get("tags", []):
            assert after.source != before.source and "raise YourTurn(" in after.source
        else:
            assert after == before


@pytest.fixture(scope="module")
def shell():
    return InteractiveShell.instance()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids)
def test_every_stub_stops_with_its_task_not_a_traceback(nb, shell):
    stubs = [c for c in versions.participant(nbformat.read(nb, as_version=4)).cells
             if "raise YourTurn(" in c.source]
    for cell in stubs:
        with capture_output() as shown:
            result = shell.run_cell(cell.source)
        assert isinstance(result.error_in_exec, YourTurn)
        text = shown.stdout + shown.stderr
        assert text.strip().startswith("Your turn: ") and "Traceback" not in text, text
