"""The lesson code in ``utils`` is generated from the notebooks' export cells."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import export_lessons  # noqa: E402


def test_generated_modules_match_their_notebook_cells():
    stale = export_lessons.export(ROOT, check=True)
    assert not stale, f"{stale} differ from their '#| export' cells: run python tools/export_lessons.py"


def test_every_generated_module_names_its_cells():
    modules = export_lessons.marked_cells(ROOT / "notebooks")
    assert modules, "no '#| export' cells found"
    for module, cells in modules.items():
        text = export_lessons.module_path(ROOT, module).read_text(encoding="utf-8")
        assert text.startswith(export_lessons.BANNER)
        for name, index, _ in cells:
            assert name in text.splitlines()[1] and str(index) in text.splitlines()[1]


@pytest.fixture
def course_copy(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.json"))
    shutil.copytree(ROOT / "utils", tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _first_export_cell(root):
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.startswith("#| export "):
                return path, nb, cell
    raise AssertionError("no export cell")


def test_an_edited_cell_without_regeneration_is_caught(course_copy):
    path, nb, cell = _first_export_cell(course_copy)
    cell.source += "\n\nEXTRA_CONSTANT = 1"
    nbformat.write(nb, path)
    stale = export_lessons.export(course_copy, check=True)
    assert len(stale) == 1
    assert export_lessons.export(course_copy) == stale  # regenerate
    assert export_lessons.export(course_copy, check=True) == []
    assert "EXTRA_CONSTANT = 1" in (course_copy / stale[0]).read_text(encoding="utf-8")


def test_a_hand_edited_module_is_caught(course_copy):
    module = next(iter(export_lessons.marked_cells(course_copy / "notebooks")))
    path = export_lessons.module_path(course_copy, module)
    path.write_text(path.read_text(encoding="utf-8").replace("import", "import  ", 1), encoding="utf-8")
    assert export_lessons.export(course_copy, check=True) == [str(path.relative_to(course_copy))]


def test_a_misplaced_marker_is_refused(course_copy):
    path, nb, cell = _first_export_cell(course_copy)
    cell.source = "x = 1\n" + cell.source
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="first line"):
        export_lessons.marked_cells(course_copy / "notebooks")
