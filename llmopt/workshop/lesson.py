"""How every cookbook notebook opens and closes, as a teacher reads it (Carpentries episodes).

The first cell (markdown) carries:

    # 07 · Response caching
    **Question:** When can a cached answer stand in for a fresh one?

    **Objectives:**
    - measure ...
    - pick ...

    **Time:** runs in about 78 s on the demo profile (`make pilot`, 2 cores); teach in 30 min.

    (narrative as the notebook likes)

and the last cell (markdown):

    ## Key points
    - ...
    - ...

    **Decision saved:** `07_response_cache.json` in the results folder: ...

The run time is measured, not typed: `llmopt workshop times` rewrites it from a pilot's
summary (llmopt.workshop.guide). `problems(notebook)` lists what a notebook misses.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from pydantic import BaseModel, ConfigDict

TIME_LINE = re.compile(
    r"^\*\*Time:\*\* runs in about (?P<run_s>\d+) s on the demo profile \(`make pilot`, 2 cores\); "
    r"teach in (?P<teach_min>\d+) min\.$", re.MULTILINE)
QUESTION = re.compile(r"^\*\*Question:\*\* (?P<question>\S.*\?)$", re.MULTILINE)
OBJECTIVES = re.compile(r"^\*\*Objectives:\*\*[^\n]*\n+(?P<items>(?:(?:- |  ).+\n?)+)",
                        re.MULTILINE)
KEY_POINTS = re.compile(r"^## Key points\n(?P<items>(?:(?:- |  ).+\n?)+)", re.MULTILINE)
DECISION = re.compile(r"^\*\*Decision saved:\*\* `(?P<file>\d\d_\w+\.json)` in the results folder",
                      re.MULTILINE)


class Lesson(BaseModel):
    """What a notebook's opening and closing cells say."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    question: str
    objectives: list[str]
    run_s: int
    teach_min: int
    key_points: list[str]
    decision_file: str


def read(notebook: Path) -> Lesson:
    """The lesson of `notebook`; a ValueError lists everything its first and last cells miss."""
    found = problems(notebook)
    if found:
        raise ValueError(f"{notebook.name}: " + "; ".join(found))
    cells = nbformat.read(notebook, as_version=4).cells
    first, last = cells[0].source, cells[-1].source
    time = TIME_LINE.search(first)
    return Lesson(
        name=notebook.stem, title=first.splitlines()[0].removeprefix("# ").strip(),
        question=QUESTION.search(first)["question"],
        objectives=_items(OBJECTIVES.search(first)["items"]),
        run_s=int(time["run_s"]), teach_min=int(time["teach_min"]),
        key_points=_items(KEY_POINTS.search(last)["items"]),
        decision_file=DECISION.search(last)["file"])


def problems(notebook: Path) -> list[str]:
    """What the opening and closing cells miss (empty when both are complete)."""
    cells = nbformat.read(notebook, as_version=4).cells
    first, last = cells[0], cells[-1]
    found = []
    if first.cell_type != "markdown":
        return ["the first cell is not markdown"]
    heading = first.source.splitlines()[0] if first.source else ""
    if not re.fullmatch(rf"# {notebook.stem[:2]} · \S.*", heading):
        found.append(f"the first line is not '# {notebook.stem[:2]} · Title' (got {heading!r})")
    if not QUESTION.search(first.source):
        found.append("no '**Question:** ...?' line in the first cell")
    objectives = OBJECTIVES.search(first.source)
    if not objectives or len(_items(objectives["items"])) < 2:
        found.append("no '**Objectives:**' list of two or more items in the first cell")
    if not TIME_LINE.search(first.source):
        found.append("no '**Time:** runs in about N s on the demo profile (`make pilot`, "
                     "2 cores); teach in M min.' line in the first cell")
    if last.cell_type != "markdown":
        return [*found, "the last cell is not markdown (key points and the decision saved)"]
    points = KEY_POINTS.search(last.source)
    if not points or len(_items(points["items"])) < 2:
        found.append("no '## Key points' list of two or more items in the last cell")
    decision = DECISION.search(last.source)
    if not decision or decision["file"] != f"{notebook.stem}.json":
        found.append(f"no '**Decision saved:** `{notebook.stem}.json` in the results folder' "
                     "line in the last cell")
    return found


def with_run_time(source: str, run_s: int) -> str:
    """The first cell's source with its measured run time replaced."""
    match = TIME_LINE.search(source)
    if match is None:
        raise ValueError("no '**Time:**' line to update")
    start, end = match.span("run_s")
    return source[:start] + str(run_s) + source[end:]


def _items(block: str) -> list[str]:
    """A markdown list's items, their continuation lines (indented two spaces) joined."""
    items: list[str] = []
    for line in block.splitlines():
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items:
            items[-1] += " " + line.strip()
    return items
