"""One source per notebook, two versions: the facilitator's and the participant's (nbgrader's idea).

In the source (`cookbook/NN_name.ipynb`), an exercise is a markdown cell that starts with
`### Your turn` (the task), then one or more code cells tagged `solution`. A solution cell opens
with comment lines that say what to do; the participant's version keeps them and replaces the
code with a stub that stops with that task (llmopt.errors.YourTurn: a message, not a traceback).
Markdown cells tagged `instructor` (notes for the facilitator) are left out of it. The
facilitator's version is the source itself, which is what `make test` runs.

    llmopt workshop build --out workshop   # workshop/{facilitator,participant}/*.ipynb
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat

SOLUTION, INSTRUCTOR = "solution", "instructor"
YOUR_TURN = "### Your turn"


def participant(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The participant's version: solutions stubbed, instructor notes left out."""
    out = copy.deepcopy(nb)
    out.cells = [_stub(cell) if _tagged(cell, SOLUTION) else cell
                 for cell in out.cells if not _tagged(cell, INSTRUCTOR)]
    return out


def stub_source(solution: str) -> str:
    """A solution cell's stub: its leading comments, then a stop with the task they state."""
    comments = _leading_comments(solution)
    task = " ".join(line.lstrip("#").strip() for line in comments)
    return "\n".join([*comments, "from llmopt.errors import YourTurn", "",
                      f"raise YourTurn({task!r})"])


def build(sources: list[Path], out: Path) -> dict[str, list[Path]]:
    """Write both versions of every notebook under `out/facilitator` and `out/participant`."""
    written: dict[str, list[Path]] = {"facilitator": [], "participant": []}
    for source in sources:
        nb = nbformat.read(source, as_version=4)
        for version, content in (("facilitator", nb), ("participant", participant(nb))):
            path = out / version / source.name
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(content, path)
            written[version].append(path)
    return written


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What keeps the notebook's exercises from working in both versions (empty when fine)."""
    cells = nb.cells
    solutions = [i for i, cell in enumerate(cells) if _tagged(cell, SOLUTION)]
    if not solutions:
        return [f"no exercise: a '{YOUR_TURN}' markdown cell and a code cell tagged 'solution'"]
    found = []
    for i in solutions:
        before = next((c for c in reversed(cells[:i]) if not _tagged(c, SOLUTION)), None)
        if before is None or before.cell_type != "markdown" or \
                not before.source.startswith(YOUR_TURN):
            found.append(f"cell {i}: a solution needs a '{YOUR_TURN}' markdown cell before it")
        if cells[i].cell_type != "code" or not _leading_comments(cells[i].source):
            found.append(f"cell {i}: a solution cell is code that opens with a comment (the task)")
    own = set().union(*(_names(cells[i].source, ast.Store) for i in solutions))
    shared = set().union(*(_names(c.source, ast.Store) for j, c in enumerate(cells)
                           if c.cell_type == "code" and j not in solutions))
    later = set().union(*(_names(c.source, ast.Load) for c in cells[solutions[0] + 1:]
                          if c.cell_type == "code" and not _tagged(c, SOLUTION)))
    leaked = sorted((own - shared) & later)
    if leaked:
        found.append(f"later cells use what only a solution defines: {', '.join(leaked)} "
                     "(the participant's version would not have it)")
    return found


def _stub(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell.source = stub_source(cell.source)
    return cell


def _tagged(cell: nbformat.NotebookNode, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def _leading_comments(source: str) -> list[str]:
    lines = source.splitlines()
    comments = []
    for line in lines:
        if not line.startswith("#"):
            break
        comments.append(line)
    return comments


def _names(source: str, context: type) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: not ours to check
        return set()
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, context)}
