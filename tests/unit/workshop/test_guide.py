import json

import pytest

from llmopt.errors import ConfigError
from llmopt.workshop import guide, lesson

from .test_lesson import write


def summary(tmp_path, notebooks, peak=3.5):
    (tmp_path / "summary.json").write_text(json.dumps({"notebooks": notebooks,
                                                       "peak_memory_gib": peak}))
    return tmp_path


def test_times_come_from_the_pilot_and_failed_pilots_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="make pilot"):
        guide.measured(tmp_path)
    summary(tmp_path, {"07_x": {"status": "failed", "seconds": 3}})
    with pytest.raises(ConfigError, match="07_x"):
        guide.measured(tmp_path)


def test_notebooks_and_guide_get_the_measured_times(tmp_path):
    nb = write(tmp_path)
    measured = guide.measured(summary(tmp_path, {nb.stem: {"status": "ok", "seconds": 41.4}}))
    assert guide.update_notebooks([nb], measured) == [nb]
    assert guide.update_notebooks([nb], measured) == [], "a second run changes nothing"
    read = lesson.read(nb)
    assert read.run_s == 41
    page = tmp_path / "facilitator.md"
    page.write_text(f"intro\n{guide.START}\nold\n{guide.END}\noutro\n")
    guide.update_guide(page, guide.measured_block([read], measured))
    text = page.read_text()
    assert "| 07 · Response cache | When can a cached answer stand in? | 41 s | 30 min |" in text
    assert "peak memory use was 3.5 GiB" in text and "old" not in text
    assert text.startswith("intro\n") and text.endswith("outro\n")
    with pytest.raises(ConfigError, match="unknown lessons"):
        guide.agenda([read], guide.HALF_DAY)


def test_an_agenda_takes_a_break_after_ninety_minutes(tmp_path):
    lessons = [lesson.Lesson(name=f"0{i}_x", title=f"0{i}", question="q?", objectives=["a", "b"],
                             run_s=1, teach_min=45, key_points=["a", "b"], decision_file="x")
               for i in range(4)]
    rows = guide.agenda(lessons, [les.name for les in lessons])
    assert rows == [("00", 45), ("01", 45), ("break", guide.BREAK_MIN), ("02", 45), ("03", 45)]


def test_a_guide_without_its_markers_is_refused(tmp_path):
    page = tmp_path / "facilitator.md"
    page.write_text("no markers")
    with pytest.raises(ConfigError, match="measured:start"):
        guide.update_guide(page, "block")
