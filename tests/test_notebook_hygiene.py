"""What a reader on GitHub sees: every committed notebook is executed and clean."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

NOISE = {
    "a local path": re.compile(r"(/root/|/home/|/Users/|/tmp/|site-packages|[A-Z]:\\\\)"),
    "a memory address": re.compile(r"\bat 0x[0-9a-fA-F]{6,}"),
    "TensorFlow/CUDA log noise": re.compile(
        r"cudart_stub|cuInit|absl::InitializeLog|cuda_(platform|dnn|blas|fft)|oneDNN custom operations"
        r"|computation placer|Unable to register|TF-TRT|external/local_xla"
    ),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
    "a warning": re.compile(r"\w*Warning: |^WARNING:", re.M),
}


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _text(output):
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    return "".join(data.get("text/plain", "")) + "".join(output.get("traceback", []))


def test_the_course_has_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb files"
    assert NOTEBOOKS[0].name == "00_introduction.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_a_markdown_title(path):
    first = _load(path)["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_with_outputs(path):
    code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"execution counts {counts}"
    assert any(c["outputs"] for c in code), "no outputs committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_clean(path):
    problems = []
    for i, cell in enumerate(c for c in _load(path)["cells"] if c["cell_type"] == "code"):
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                problems.append(f"code cell {i}: error output")
            if output.get("name") == "stderr":
                problems.append(f"code cell {i}: stderr output {_text(output)[:80]!r}")
            for what, pattern in NOISE.items():
                if pattern.search(_text(output)):
                    problems.append(f"code cell {i}: {what}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_structure_of_a_lesson(path):
    cells = _load(path)["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert re.search(r"^#+ .*Exercises", markdown, re.M), "no Exercises section"
    assert re.search(r"^#+ .*Summary", markdown, re.M), "no Summary section"
    assert re.search(r"Learning objectives", markdown), "no learning objectives in the header"
    assert path.stat().st_size < 3_000_000, "notebook over 3 MB"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_lessons_have_checks_and_results(path):
    cells = _load(path)["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert any(src.lstrip().startswith("assert") or "\nassert " in src for src in code), "no assert cells"
    results = [c for c in cells if "results" in c.get("metadata", {}).get("tags", [])]
    assert len(results) == 1, "exactly one code cell must carry the 'results' tag"
    printed = "".join(_text(o) for o in results[0]["outputs"])
    assert re.search(r"^\w+: \S", printed, re.M), "the results cell prints no 'name: value' lines"
    solutions = [c for c in cells if c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
    assert solutions, "no worked solutions (code cells with hidden source)"
