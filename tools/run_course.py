"""Run the course: execute every notebook top to bottom, time it, refresh the README.

    python tools/run_course.py                # all notebooks, full mode, in place
    python tools/run_course.py 01 03          # only notebooks whose names start so
    python tools/run_course.py --quick        # quick mode in a scratch copy: timing only
    python tools/run_course.py --backend jax  # another Keras backend

In full mode each notebook is rewritten with its fresh outputs, its minutes and
the ``name: value`` lines printed by its results cell (the code cell tagged
``results``) are stored in ``notebooks/results.json``, and the results table in
README.md is regenerated from that file. The run stops at the first failing
cell, names the notebook and the cell, and leaves that notebook untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS = NOTEBOOKS / "results.json"
README = ROOT / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(r"^([A-Za-z_]\w*): (.+)$", re.M)


def parse_results(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The ``name: value`` lines printed by the cell tagged ``results``."""
    cells = [c for c in nb.cells if "results" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    text = "".join(
        o.get("text", "") for o in cells[0].get("outputs", []) if o.get("output_type") == "stream"
    )
    return {name: value.strip() for name, value in LINE.findall(text)}


class NotebookFailed(Exception):
    """A cell raised; the message names the cell and the error."""


def run_notebook(path: Path, quick: bool, backend: str) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    started = time.perf_counter()
    interactive = sys.stdout.isatty()

    def on_cell_executed(cell, cell_index, execute_reply):
        done = next(i for i, c in enumerate(code) if c is cell) + 1
        elapsed = time.perf_counter() - started
        if interactive:
            print(f"\r  cell {done}/{len(code)}  {elapsed:6.0f} s", end="", flush=True)
        elif done % 5 == 0 or done == len(code):
            print(f"  cell {done}/{len(code)}  {elapsed:6.0f} s", flush=True)

    os.environ["COURSE_QUICK"] = "1" if quick else "0"
    os.environ["KERAS_BACKEND"] = backend
    client = NotebookClient(
        nb,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        on_cell_executed=on_cell_executed,
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookFailed(failing_cell(nb)) from exc
    finally:
        if interactive:
            print()
    return nb, time.perf_counter() - started


def failing_cell(nb: nbformat.NotebookNode) -> str:
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                trace = ANSI.sub("", "\n".join(out.get("traceback", [])))
                arrows = re.findall(r"^-+> *\d+ (.*)$", trace, re.M)
                line = (arrows[-1] if arrows else cell.source.strip().splitlines()[0]).strip()
                return f"code cell {i + 1}, at {line[:80]!r}: {out['ename']}: {out['evalue']}"
    return "unknown cell"


def readme_table(results: dict) -> str:
    rows = [
        "| notebook | model | params | headline metrics (MNIST test set) | minutes (CPU) | backend |",
        "| --- | --- | ---: | --- | ---: | --- |",
    ]
    for name in sorted(results):
        entry = results[name]
        metrics = dict(entry["metrics"])
        model = metrics.pop("model", "")
        params = metrics.pop("params", "")
        shown = "<br>".join(f"`{k}` {v}" for k, v in metrics.items())
        rows.append(
            f"| [{name}](notebooks/{name}.ipynb) | {model} | {params} | {shown} "
            f"| {entry['minutes']:.1f} | {entry['backend']} |"
        )
    cpu = {e.get("cpu") for e in results.values()} - {None}
    note = f"\nMeasured with `python tools/run_course.py` on {', '.join(sorted(cpu))}.\n"
    return "\n".join(rows) + "\n" + note


def update_readme(results: dict) -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} ... {END} markers.")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + START + "\n" + readme_table(results) + END + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose names start with these")
    parser.add_argument("--quick", action="store_true", help="quick mode; outputs are not saved")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                        choices=["tensorflow", "jax", "torch"])
    args = parser.parse_args(argv)

    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in args.prefixes)]
    if not paths:
        print(f"No notebook in notebooks/ matches {args.prefixes}.", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    mode = "quick" if args.quick else "full"
    cpu = f"{os.cpu_count()} CPU cores ({platform.machine()})"
    total = 0.0
    for k, path in enumerate(paths, 1):
        print(f"[{k}/{len(paths)}] {path.name} ({mode} mode, {args.backend})", flush=True)
        try:
            nb, seconds = run_notebook(path, args.quick, args.backend)
        except NotebookFailed as exc:
            print(f"FAILED: notebooks/{path.name}, {exc}", file=sys.stderr)
            print("The notebook was left as it was; fix the cell and run it again.", file=sys.stderr)
            return 1
        total += seconds
        metrics = parse_results(nb)
        print(f"  done in {seconds / 60:.1f} min; " + ", ".join(f"{k}={v}" for k, v in metrics.items()), flush=True)
        if not args.quick:
            nbformat.write(nb, path)
            results[path.stem] = {
                "minutes": round(seconds / 60, 2),
                "backend": args.backend,
                "cpu": cpu,
                "metrics": metrics,
            }
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if not args.quick:
        update_readme(results)
        print(f"Updated {README.name} and {RESULTS.relative_to(ROOT)}.")
    print(f"Total: {total / 60:.1f} min for {len(paths)} notebook(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
