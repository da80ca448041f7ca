"""The facilitator guide's measured part, regenerated from a pilot's summary.

    llmopt workshop times --results results/demo

reads `summary.json` (each notebook's seconds, the pilot's peak memory), rewrites the run time in
every notebook's first cell (llmopt.workshop.lesson) and the block between the markers in
`docs/facilitator.md`: the lessons with their measured and teaching times, and a half-day and a
full-day agenda. Nothing in that block is typed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from llmopt.errors import ConfigError
from llmopt.workshop import lesson

START, END = "<!-- measured:start (llmopt workshop times) -->", "<!-- measured:end -->"
HALF_DAY = ["00_demo_world", "01_baseline", "02_prompt_compression", "07_response_cache",
            "08_router_fallback"]
"""The half-day's lessons: the baseline, then the levers a team on an API bill pulls first."""
BREAK_EVERY_MIN = 90
BREAK_MIN = 15


def measured(results: Path) -> dict:
    """The pilot's summary: {"notebooks": {name: {"status", "seconds"}}, "peak_memory_gib"}."""
    path = results / "summary.json"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist: run `make pilot` (or `llmopt pilot`) first")
    summary = json.loads(path.read_text())
    failed = [name for name, run in summary["notebooks"].items() if run["status"] != "ok"]
    if failed:
        raise ConfigError(f"notebooks failed in {results}: {', '.join(failed)}; a guide takes "
                          "its times from a pilot where every notebook ran")
    return summary


def update_notebooks(notebooks: list[Path], summary: dict) -> list[Path]:
    """Rewrite each notebook's measured run time; returns the notebooks it changed."""
    changed = []
    for path in notebooks:
        run = summary["notebooks"].get(path.stem)
        if run is None:
            continue
        nb = nbformat.read(path, as_version=4)
        source = lesson.with_run_time(nb.cells[0].source, round(run["seconds"]))
        if source != nb.cells[0].source:
            nb.cells[0].source = source
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def agenda(lessons: list[lesson.Lesson], names: list[str]) -> list[tuple[str, int]]:
    """(item, minutes) rows: the named lessons in order, a break every 90 minutes of teaching."""
    by_name = {les.name: les for les in lessons}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ConfigError(f"unknown lessons {unknown}; valid: {', '.join(by_name)}")
    rows: list[tuple[str, int]] = []
    since_break = 0
    for name in names:
        if since_break >= BREAK_EVERY_MIN:
            rows.append(("break", BREAK_MIN))
            since_break = 0
        rows.append((by_name[name].title, by_name[name].teach_min))
        since_break += by_name[name].teach_min
    return rows


def measured_block(lessons: list[lesson.Lesson], summary: dict) -> str:
    """The markdown between the markers of docs/facilitator.md."""
    lines = [START, "", "| lesson | question | runs (demo, 2 cores) | teach |", "|---|---|---|---|"]
    lines += [f"| {les.title} | {les.question} | {les.run_s} s | {les.teach_min} min |"
              for les in lessons]
    total_run = sum(les.run_s for les in lessons)
    lines += ["", f"The whole pilot ran in {total_run / 60:.0f} min of notebook time; its peak "
              f"memory use was {summary.get('peak_memory_gib', float('nan')):.1f} GiB "
              "(the machine's memory in use at its fullest, servers included, less what was in "
              "use before it started)."]
    names_here = [les.name for les in lessons]
    half_day = [name for name in HALF_DAY if name in names_here]
    for title, names in (("Half day", half_day), ("Full day", names_here)):
        rows = agenda(lessons, names)
        lines += ["", f"**{title}** ({sum(m for _, m in rows) / 60:.1f} h):", "",
                  "| | minutes |", "|---|---|"]
        lines += [f"| {item} | {minutes} |" for item, minutes in rows]
    return "\n".join([*lines, "", END])


def update_guide(guide: Path, block: str) -> None:
    """Replace the measured block of the guide (between its markers)."""
    text = guide.read_text()
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0:
        raise ConfigError(f"{guide} has no measured block: add the lines {START} and {END}")
    guide.write_text(text[:start] + block + text[end + len(END):])
