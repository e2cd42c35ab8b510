"""The student edition (tools/student_edition.py): no solutions, the same lessons, and it runs.

The student notebooks are not executed here: they hold the lesson's cells unchanged
and comment-only placeholders after them, so they run whenever the lessons do,
which nbval checks; the last test proves that structure for every notebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import student_edition  # noqa: E402
from solutions import is_solution_code, solution_roles  # noqa: E402

NOTEBOOKS = student_edition.notebooks()


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    student_edition.write(out)
    return out


def test_every_notebook_has_a_student_edition(edition):
    assert sorted(p.name for p in edition.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_code(path, edition):
    original, student = _load(path)["cells"], _load(edition / path.name)["cells"]
    roles = solution_roles(original)
    assert "code" in roles, "the notebook has no worked solutions to remove"

    def lines(cells):
        return {line.strip() for c in cells for line in _source(c).splitlines() if line.strip()}

    solution_code = lines(c for c, r in zip(original, roles) if r == "code")
    lesson_code = lines(c for c, r in zip(original, roles) if r is None and c["cell_type"] == "code")
    own = {line for line in solution_code - lesson_code if not line.startswith("#") and len(line) > 3}
    assert own, "could not tell the solutions' code from the lesson's"
    leaked = own & lines(c for c in student if c["cell_type"] == "code")
    assert not leaked, f"solution code in the student edition: {sorted(leaked)[:5]}"

    answers = [_source(c) for c, r in zip(original, roles) if r == "answer"]
    markdown = "\n".join(_source(c) for c in student if c["cell_type"] == "markdown")
    for answer in answers:
        body = answer.split("**", 2)[-1].strip() if answer.lstrip().startswith("**Solution") else answer.strip()
        assert not body or body not in markdown, f"a written answer is in the student edition: {body[:80]!r}"

    assert not any(is_solution_code(c) for c in student), "a cell is still marked as a solution"
    placeholders = [c for c in student if student_edition.PLACEHOLDER_TAG in _tags(c)]
    assert len(placeholders) == sum(r is not None for r in roles)
    for cell in placeholders:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            assert all(line.startswith("#") for line in _source(cell).splitlines()), "a placeholder that does something"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_same_lesson_otherwise(path, edition):
    original_nb, student_nb = _load(path), _load(edition / path.name)
    roles = solution_roles(original_nb["cells"])
    kept = [c for c, r in zip(original_nb["cells"], roles) if r is None]
    student = [
        c for c in student_nb["cells"]
        if not {student_edition.PLACEHOLDER_TAG, student_edition.NOTE_TAG} & set(_tags(c))
    ]
    assert len(student) == len(kept)
    for i, (a, b) in enumerate(zip(kept, student)):
        assert a == b, f"cell {i} differs from the lesson's (source, outputs or metadata)"
    assert len(student_nb["cells"]) == len(original_nb["cells"]) + 1  # the note after the title
    assert [r is not None for r in roles] == [
        student_edition.PLACEHOLDER_TAG in _tags(c) for c in student_nb["cells"] if student_edition.NOTE_TAG not in _tags(c)
    ], "the placeholders are not where the solutions were"
    assert {k: v for k, v in original_nb.items() if k != "cells"} == {k: v for k, v in student_nb.items() if k != "cells"}


def test_a_notebook_without_solutions_is_unchanged_but_for_the_note():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Title"},
                    {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": 1}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = student_edition.student_notebook(nb)
    assert [c["source"] for c in out["cells"]] == ["# Title", student_edition.NOTE + "\n", "x = 1"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_student_edition_runs_as_far_as_the_lesson_does(path, edition):
    """The student edition runs top to bottom whenever the lesson does, which nbval checks.

    Its cells are the lesson's cells, unchanged (test above), then the exercises'
    placeholders, which are comments only or markdown. So the student edition runs
    if no lesson code comes after the first solution (no lesson cell can depend on
    a solution that the student edition removes) and the placeholders do nothing.
    """
    roles = solution_roles(_load(path)["cells"])
    cells = _load(path)["cells"]
    first = next(i for i, role in enumerate(roles) if role is not None)
    late = [i for i in range(first, len(cells)) if roles[i] is None and cells[i]["cell_type"] == "code"]
    assert not late, f"lesson code after the first solution (cells {late}): the student edition would lose what it needs"
    student = _load(edition / path.name)["cells"]
    code = [c for c in student if c["cell_type"] == "code" and student_edition.PLACEHOLDER_TAG in _tags(c)]
    assert code and all(
        all(line.strip().startswith("#") or not line.strip() for line in _source(c).splitlines()) for c in code
    ), "a placeholder code cell that does something"
