"""Run the course: execute every notebook top to bottom, time it, refresh the README.

    python tools/run_course.py                # all notebooks, full mode, in place
    python tools/run_course.py 01 03          # only notebooks whose names start so
    python tools/run_course.py --quick        # quick mode in a scratch copy: timing only
    python tools/run_course.py --backend jax  # another Keras backend
    python tools/run_course.py --quick --repeat 00   # run twice, check the metrics match
    python tools/run_course.py --speed        # seconds per epoch on every installed backend

In full mode each notebook is rewritten with its fresh outputs, its minutes and
the ``name: value`` lines printed by its results cell (the code cell tagged
``results``) are stored in ``notebooks/results.json``, and the results table in
README.md is regenerated from that file. The run stops at the first failing
cell, names the notebook and the cell, and leaves that notebook untouched
(its partial outputs go to ``failed_runs/`` for inspection).

``--repeat`` runs each notebook twice with the same seeds and fails unless
both runs print the same metrics, value for value, at the precision the
results cell prints them (wall-clock timings, named ``*minutes*`` or
``*seconds*``, are left out). ``--speed`` times training epochs of eight course
models (``tools/speed.py``) on each installed backend and writes
``notebooks/speed.json``; a quick run of all notebooks records its minutes
there too, per backend. Both refresh the speed table in README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS = NOTEBOOKS / "results.json"
SPEED = NOTEBOOKS / "speed.json"
FAILED = ROOT / "failed_runs"  # git-ignored; outside the notebooks pytest collects
BACKENDS = ("tensorflow", "jax", "torch")
FAST = " + FAST"  # a speed-table column timed with the notebooks' FAST compile settings
TF_DATA = " + tf.data"  # a speed-table column fed from a cached, shuffled tf.data.Dataset instead of NumPy arrays
SPEED_COLUMNS = ("tensorflow", "tensorflow" + FAST, "tensorflow" + FAST + TF_DATA, "jax", "jax" + FAST, "torch")
README = ROOT / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
SPEED_START, SPEED_END = "<!-- speed:start -->", "<!-- speed:end -->"
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

    sockets = tempfile.mkdtemp(prefix="course-kernel-")  # IPC, not TCP: no unencrypted-port warning
    os.environ["COURSE_QUICK"] = "1" if quick else "0"
    os.environ["KERAS_BACKEND"] = backend
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
    client = NotebookClient(
        nb,
        km=km,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        on_cell_executed=on_cell_executed,
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        FAILED.mkdir(exist_ok=True)
        nbformat.write(nb, FAILED / path.name)
        raise NotebookFailed(failing_cell(nb)) from exc
    finally:
        if km.has_kernel:  # a kernel manager we pass in is ours to shut down
            km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
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


def stderr_lines(nb: nbformat.NotebookNode) -> list[str]:
    """First line of every stderr output: warnings or log noise that a reader would see."""
    found = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip():
                found.append(f"code cell {i + 1}: {out['text'].strip().splitlines()[0][:120]}")
    return found


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


def replace_between(start: str, end: str, body: str) -> None:
    text = README.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"README.md lacks the {start} ... {end} markers.")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(head + start + "\n" + body + end + tail, encoding="utf-8")


def update_readme(results: dict) -> None:
    replace_between(START, END, readme_table(results))


def speed_cell(epoch: dict, matmul_gflops: float | None) -> str:
    """'2.7 s (2.6–2.8), 23%': median seconds per epoch, the range of the timed epochs, share of the matmul limit."""
    digits = 2 if epoch["max"] < 10 else 1
    text = f"{epoch['median']:.{digits}f} s ({epoch['min']:.{digits}f}–{epoch['max']:.{digits}f})"
    if matmul_gflops:
        text += f", {100 * epoch['gflop'] / epoch['median'] / matmul_gflops:.0f}%"
    return text


def speed_table(speed: dict) -> str:
    per_backend = speed.get("seconds_per_epoch", {})
    backends = [b for b in SPEED_COLUMNS if b in per_backend or b in speed.get("quick_minutes", {})]
    rows = ["| | " + " | ".join(backends) + " |", "| --- |" + " ---: |" * len(backends)]
    models = next(iter(per_backend.values()), {})
    limits = speed.get("matmul_gflops", {})
    for model, first in models.items():
        cells = [speed_cell(per_backend[b][model], limits.get(b)) if model in per_backend.get(b, {}) else "–"
                 for b in backends]
        rows.append(f"| {model}, {first['gflop']:g} GFLOP per epoch | " + " | ".join(cells) + " |")
    if limits:
        cells = [f"{limits[b]:.0f}" if b in limits else "–" for b in backends]
        rows.append("| dense float32 matmul (2048 x 2048), GFLOP/s | " + " | ".join(cells) + " |")
    if speed.get("quick_minutes"):
        cells = [f"{speed['quick_minutes'][b]:.1f}" if b in speed["quick_minutes"] else "–" for b in backends]
        n = speed.get("quick_notebooks", "the")  # how many notebooks the measured run had
        rows.append(f"| all {n} notebooks in quick mode, minutes | " + " | ".join(cells) + " |")
    how = "`python tools/run_course.py --speed`" + (" and `--quick`" if speed.get("quick_minutes") else "")
    fast = (f" Columns marked{FAST} compile with the notebooks' `FAST` settings (`steps_per_execution=16`, "
            "`jit_compile=True`), the others with Keras's defaults." if any(FAST in b for b in backends) else "")
    if any(TF_DATA in b for b in backends):
        fast += (f" The column marked{TF_DATA} feeds each model from a `tf.data.Dataset` of the same arrays (cached, "
                 "shuffled every epoch, batched, prefetched) instead of the NumPy arrays that the notebooks pass to `fit`.")
    note = (f"\nMeasured with {how} on {speed.get('cpu', 'this CPU')}; "
            f"one epoch = {speed.get('epoch_images', 54000):,} MNIST images.{fast} Each model cell: median seconds per "
            f"epoch of {speed.get('timed_epochs', 3)} epochs timed after a warm-up epoch, their range, and the "
            "model's achieved FLOPs per second as a share of the backend's dense matmul throughput measured in the "
            "same process (the training FLOPs count only the dense, convolution, recurrent, attention and quantiser "
            "multiply-adds, so the shares are lower bounds; the VAEs' counts include the encoder twice, as their training step "
            "runs it, and a compiler that merges the two runs makes their share an overestimate; the conditional VAE's "
            "step also runs its decoder once more, uncounted; the sparse autoencoder is timed on 54,000 random vectors "
            "of 128 values).\n")
    return "\n".join(rows) + "\n" + note


def save_speed(update: dict) -> None:
    speed = json.loads(SPEED.read_text()) if SPEED.exists() else {}
    for key, value in update.items():
        speed[key] = {**speed.get(key, {}), **value} if isinstance(value, dict) else value
    SPEED.write_text(json.dumps(speed, indent=2) + "\n")
    replace_between(SPEED_START, SPEED_END, speed_table(speed))


def measure_speed(cpu: str, columns: list[str] | None = None) -> int:
    """Run tools/speed.py once per column (installed backend, with or without FAST; TensorFlow + FAST also fed from
    tf.data), in a fresh process each.

    ``columns``: only these (e.g. ``["tensorflow + FAST"]``); the table keeps the other columns' last timings.
    """
    import importlib.util

    unknown = sorted(set(columns or ()) - set(SPEED_COLUMNS))
    if unknown:
        print(f"No speed column {unknown}; the columns are {list(SPEED_COLUMNS)}.", file=sys.stderr)
        return 2
    timings, limits = {}, {}
    for column in columns or SPEED_COLUMNS:
        backend = column.split(" + ")[0]
        if importlib.util.find_spec(backend) is None:
            print(f"{backend}: not installed, skipped (pip install -r requirements-backends.txt)")
            continue
        print(f"{column}: timing ...", flush=True)
        env = {**os.environ, "KERAS_BACKEND": backend}
        flags = [*(["--fast"] if FAST in column else []), *(["--tf-data"] if TF_DATA in column else [])]
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "speed.py"), *flags],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        timings[column], limits[column] = measured["epochs"], measured["matmul_gflops"]
        print(f"  {timings[column]}; matmul {limits[column]} GFLOP/s", flush=True)
        from speed import N_IMAGES, TIMED_EPOCHS

        save_speed({"seconds_per_epoch": {column: timings[column]}, "matmul_gflops": {column: limits[column]},
                    "cpu": cpu, "epoch_images": N_IMAGES, "timed_epochs": TIMED_EPOCHS})  # each column as it is done
    print(f"Updated {README.name} and {SPEED.relative_to(ROOT)}.")
    return 0


TIMING = re.compile(r"minutes|seconds")  # wall-clock metrics, e.g. train_minutes: not expected to repeat


def compare_runs(name: str, first: dict[str, str], second: dict[str, str]) -> bool:
    keys = {k for k in first.keys() | second.keys() if not TIMING.search(k)}
    differ = {k: (first.get(k), second.get(k)) for k in keys if first.get(k) != second.get(k)}
    if not keys:
        print(f"  {name}: the results cell printed no metric to compare", file=sys.stderr)
        return False
    if differ:
        for k, (a, b) in sorted(differ.items()):
            print(f"  NOT REPRODUCIBLE {name}: {k} = {a} then {b}", file=sys.stderr)
        return False
    print(f"  reproducible: both runs printed the same {len(keys)} metrics (timings aside)", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose names start with these")
    parser.add_argument("--quick", action="store_true", help="quick mode; outputs are not saved")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"), choices=BACKENDS)
    parser.add_argument("--repeat", action="store_true", help="run twice and check the metrics match; saves nothing")
    parser.add_argument("--speed", action="store_true",
                        help="time 3 epochs of eight models on every backend (the prefixes pick speed columns instead)")
    args = parser.parse_args(argv)
    cpu = f"{os.cpu_count()} CPU cores ({platform.machine()})"
    if args.speed:
        sys.path.insert(0, str(ROOT / "tools"))
        return measure_speed(cpu, args.prefixes)

    paths = all_paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in args.prefixes)]
    if not paths:
        print(f"No notebook in notebooks/ matches {args.prefixes}.", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    mode = "quick" if args.quick else "full"
    save = not (args.quick or args.repeat)
    total = 0.0
    for k, path in enumerate(paths, 1):
        print(f"[{k}/{len(paths)}] {path.name} ({mode} mode, {args.backend})", flush=True)
        try:
            nb, seconds = run_notebook(path, args.quick, args.backend)
        except NotebookFailed as exc:
            print(f"FAILED: notebooks/{path.name}, {exc}", file=sys.stderr)
            print(f"The notebook was left as it was; its partial outputs are in failed_runs/{path.name}.",
                  file=sys.stderr)
            return 1
        total += seconds
        metrics = parse_results(nb)
        print(f"  done in {seconds / 60:.1f} min; " + ", ".join(f"{k}={v}" for k, v in metrics.items()), flush=True)
        for line in stderr_lines(nb):
            print(f"  stderr in {line}", flush=True)
        if args.repeat:
            print("  again, to check reproducibility", flush=True)
            try:
                again, _ = run_notebook(path, args.quick, args.backend)
            except NotebookFailed as exc:
                print(f"FAILED: notebooks/{path.name}, {exc}", file=sys.stderr)
                return 1
            if not compare_runs(path.name, metrics, parse_results(again)):
                return 1
        if save:
            nbformat.write(nb, path)
            # read again: another run may have saved its results meanwhile
            results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            results[path.stem] = {
                "minutes": round(seconds / 60, 2),
                "backend": args.backend,
                "cpu": cpu,
                "metrics": metrics,
            }
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if save:
        update_readme(results)
        print(f"Updated {README.name} and {RESULTS.relative_to(ROOT)}.")
    elif args.quick and not args.repeat and len(paths) == len(all_paths):
        save_speed({"quick_minutes": {args.backend: round(total / 60, 2)}, "quick_notebooks": len(paths), "cpu": cpu})
        print(f"Recorded the quick-mode minutes in {SPEED.relative_to(ROOT)}.")
    print(f"Total: {total / 60:.1f} min for {len(paths)} notebook(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
