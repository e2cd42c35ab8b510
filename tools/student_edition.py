"""Write the student edition: every notebook without its worked solutions.

    python tools/student_edition.py                 # writes student/NN_....ipynb
    python tools/student_edition.py --out handout   # another folder
    python tools/student_edition.py 03 07           # only some notebooks
    python tools/student_edition.py --zip           # also student-edition.zip next to the folder

Each solution's code cell becomes an empty code cell to write in
(``# Your solution here``, or ``# Exercise 2: your solution here`` where the
solutions pair one to one with the numbered exercises), without outputs, and
each written answer becomes *Your answer here.* (tools/solutions.py says which
cells are solutions). Every other cell is kept as it is, outputs included, and a
short note after the title says that this is the student edition. The folder is
ignored by git: hand it out, don't commit it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solutions import numbered, solution_label, solution_roles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "student"
NOTE_TAG = "student-edition"
PLACEHOLDER_TAG = "exercise"
NOTE = (
    "**Student edition.** The worked solutions of this notebook's exercises are left out: "
    "each one is an empty cell for your own code, and *Your answer here.* marks where a "
    "written answer goes. Everything else is the lesson as published, with its outputs."
)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def student_notebook(nb: dict) -> dict:
    """The student edition of one notebook (a new dict; ``nb`` is not changed)."""
    cells = nb["cells"]
    roles = solution_roles(cells)
    number_them = numbered(cells)
    out, exercise = [], 0
    for cell, role in zip(cells, roles):
        if role == "code":
            exercise += 1
            text = f"# Exercise {exercise}: your solution here\n" if number_them else "# Your solution here\n"
            placeholder = {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {"tags": [PLACEHOLDER_TAG]},
                "outputs": [],
                "source": text,
            }
            if "id" in cell:
                placeholder["id"] = cell["id"]
            out.append(placeholder)
        elif role == "answer":
            label = solution_label(_source(cell))
            placeholder = {"cell_type": "markdown", "metadata": {"tags": [PLACEHOLDER_TAG]},
                           "source": (f"**{label}** " if label else "") + "*Your answer here.*\n"}
            if "id" in cell:
                placeholder["id"] = cell["id"]
            out.append(placeholder)
        else:
            out.append(json.loads(json.dumps(cell)))
    note = {"cell_type": "markdown", "metadata": {"tags": [NOTE_TAG]}, "source": NOTE + "\n"}
    if any("id" in c for c in cells):
        note["id"] = "student-edition-note"
    out.insert(1 if out and out[0]["cell_type"] == "markdown" else 0, note)
    return {**json.loads(json.dumps({k: v for k, v in nb.items() if k != "cells"})), "cells": out}


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def write(out: Path = OUT, prefixes: list[str] | None = None, root: Path = ROOT) -> list[Path]:
    """Write the student edition of the course's notebooks into ``out``; return the files."""
    paths = [p for p in notebooks(root) if not prefixes or any(p.name.startswith(x) for x in prefixes)]
    if not paths:
        raise SystemExit(f"no notebook matches {prefixes}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = student_notebook(json.loads(path.read_text(encoding="utf-8")))
        target = out / path.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("prefixes", nargs="*", help="notebook numbers, e.g. 03 07 (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: student/)")
    parser.add_argument("--zip", action="store_true", help="also write a zip file of the folder")
    args = parser.parse_args(argv)
    written = write(args.out, args.prefixes)
    removed = 0
    for path in written:
        nb = json.loads(path.read_text(encoding="utf-8"))
        removed += sum(PLACEHOLDER_TAG in c.get("metadata", {}).get("tags", []) for c in nb["cells"])
    print(f"student edition: {len(written)} notebook(s) in {args.out}, {removed} solution cell(s) replaced")
    if args.zip:
        archive = shutil.make_archive(str(args.out.resolve()), "zip", args.out.resolve().parent, args.out.resolve().name)
        print(f"zip file: {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
