"""Which cells of a course notebook are worked solutions.

Shared by tools/book.py (shows solutions collapsed) and tools/student_edition.py
(replaces them with empty cells). The notebooks lay out their exercises as a
markdown "Exercises" list followed by the worked solutions:

- a solution's code is a code cell whose source is hidden in Jupyter
  (metadata ``"jupyter": {"source_hidden": true}``) or that carries the tag
  ``solution``;
- a solution's written answer is a markdown cell that carries the tag
  ``solution``, or starts with a bold "Solution" label (``**Solution 2.** ...``),
  or follows a solution's code directly and is not a new section (a heading) or
  a new exercise (``**Exercise ...``).
"""

from __future__ import annotations

import re
from typing import Any

Cell = dict[str, Any]

SOLUTION_LABEL = re.compile(r"^\s*\*\*(Solution\b[^*]*)\*\*\s*")
NOT_AN_ANSWER = re.compile(r"^\s*(#|\*\*Exercise|<!--)")


def _source(cell: Cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: Cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def is_solution_code(cell: Cell) -> bool:
    """A code cell holding a worked solution."""
    if cell.get("cell_type") != "code":
        return False
    hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
    return bool(hidden) or "solution" in _tags(cell)


def solution_roles(cells: list[Cell]) -> list[str | None]:
    """For each cell: "code" (a solution's code), "answer" (its written answer) or None."""
    roles: list[str | None] = []
    previous: str | None = None
    for cell in cells:
        role: str | None = None
        if is_solution_code(cell):
            role = "code"
        elif cell.get("cell_type") == "markdown":
            text = _source(cell)
            if "solution" in _tags(cell) or SOLUTION_LABEL.match(text):
                role = "answer"
            elif previous == "code" and text.strip() and not NOT_AN_ANSWER.match(text):
                role = "answer"
        roles.append(role)
        previous = role
    return roles


def solution_label(markdown: str) -> str | None:
    """The bold label that opens a written solution ("Solution 2."), if any."""
    match = SOLUTION_LABEL.match(markdown)
    return match.group(1).strip() if match else None


def exercise_count(cells: list[Cell]) -> int:
    """How many numbered exercises the notebook's "Exercises" section lists (0 if none)."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell)
        match = re.search(r"^#+ .*Exercises.*$", text, re.M)
        if match:
            return len(re.findall(r"^\d+\. ", text[match.end():], re.M))
    return 0


def numbered(cells: list[Cell]) -> bool:
    """Whether the solutions' code cells pair one to one with the numbered exercises."""
    count = solution_roles(cells).count("code")
    return count > 0 and count == exercise_count(cells)
