"""The book's sources (tools/book.py): every notebook in the table of contents, by part;
the landing page from the README; solutions collapsed, not removed; no network references.

Building the site and the browser check are CI steps of their own
(`python tools/book.py build`, `python tools/book.py check`); these tests need
neither Sphinx nor a browser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book  # noqa: E402
from solutions import solution_roles  # noqa: E402

NOTEBOOKS = book.notebooks()
SPEC = book._load_yaml(ROOT / "book" / "parts.yml")


def _chapters(toc: dict) -> list[str]:
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_every_notebook_is_in_the_table_of_contents_once_in_order():
    chapters = _chapters(book.toc(NOTEBOOKS, SPEC))
    pages = [c for c in chapters if c.startswith("notebooks/")]
    assert pages == [f"notebooks/{p.stem}" for p in NOTEBOOKS]
    assert "instructors" in chapters
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == [p.name for p in NOTEBOOKS], (
        "a notebook whose name is not NN_name.ipynb would be left out of the book")


def test_the_parts_follow_the_course_guide():
    parts = {caption: [p.name[3:-6] for p in members] for caption, members in book.parts(NOTEBOOKS, SPEC)}
    first, second, third = parts.values()
    assert first[0] == "introduction" and "sequence_autoencoders" in first
    assert second[0] == "variational_autoencoder" and "beta_vae" in second
    assert third[0] == "anomaly_detection" and "representation_learning" in third


def test_new_and_renumbered_notebooks_join_their_part_without_configuration():
    names = [p.name for p in NOTEBOOKS]
    inserted = names[:9] + ["09_conditional_vae.ipynb"] + [f"{int(n[:2]) + 1:02d}{n[2:]}" for n in names[9:]]
    inserted.append(f"{len(inserted):02d}_sparse_autoencoders_for_interpretability.ipynb")
    parts = book.parts([Path(n) for n in inserted], SPEC)
    members = {caption: [p.name for p in paths] for caption, paths in parts}
    assert "09_conditional_vae.ipynb" in list(members.values())[1]
    assert inserted[-1] in list(members.values())[2]
    assert sum(len(m) for m in members.values()) == len(inserted)


def test_a_part_that_lost_its_first_notebook_fails_loudly():
    with pytest.raises(SystemExit, match="parts.yml"):
        book.parts(NOTEBOOKS, SPEC + [{"caption": "Part IV", "first": "no_such_notebook"}])


def test_the_landing_page_has_the_course_map_by_part_and_the_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = book.landing_page(readme, NOTEBOOKS, SPEC)
    assert page.startswith("# ")
    for caption, _ in book.parts(NOTEBOOKS, SPEC):
        assert f"### {caption}" in page
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in page, f"the course map lacks {path.name}"
        assert f"/blob/main/notebooks/{path.name})" in page, f"no Colab link for {path.name}"
    assert "## Results" in page and "results:start" not in page
    start, end = readme.index("<!-- results:start -->"), readme.index("<!-- results:end -->")
    table = readme[start:end].split("\n", 1)[1].strip()
    assert table in page, "the results table differs from the README's"
    assert "instructors.md" in page


def test_a_notebook_missing_from_the_readme_map_still_appears():
    readme = "# Title\n\nIntro.\n\n## Course map\n\n| # | notebook | what you learn | open |\n| --- | --- | --- | --- |\n"
    page = book.landing_page(readme, NOTEBOOKS, SPEC, url="https://github.com/a/b")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in page
        assert f"https://colab.research.google.com/github/a/b/blob/main/notebooks/{path.name}" in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_are_collapsed_not_removed(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    staged = book.stage_notebook(nb)
    assert len(staged["cells"]) == len(nb["cells"])
    roles = solution_roles(nb["cells"])
    assert "code" in roles
    for before, after, role in zip(nb["cells"], staged["cells"], roles):
        if role == "code":
            assert "hide-cell" in after["metadata"]["tags"]
            assert after["source"] == before["source"] and after["outputs"] == before["outputs"]
        elif role == "answer":
            text = "".join(before["source"])
            body = text.split("**", 2)[-1].strip() if text.lstrip().startswith("**Solution") else text.strip()
            assert body in "".join(after["source"])
        else:
            assert after == before


def test_the_staged_config_carries_the_repository_url(tmp_path):
    import yaml

    from repoint import repository_url

    source = book.stage(ROOT, tmp_path / "source")
    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"] == repository_url()
    assert config["execute"]["execute_notebooks"] == "off"
    assert repository_url() in (source / "instructors.md").read_text(encoding="utf-8")
    assert "{{" not in (source / "instructors.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (source / "notebooks").glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


def test_network_references_are_found(tmp_path):
    site = tmp_path / "html"
    site.mkdir()
    colab = book.allowed_links()
    course = next(a for a in colab if a.startswith("https://colab.research.google.com/"))
    (site / "ok.html").write_text(
        f'<a href="{course}/blob/main/notebooks/00_introduction.ipynb">Colab</a>'
        f'<a href="{book.repository_url()}">repo</a><script src="_static/x.js"></script><img src="_images/a.png">',
        encoding="utf-8")
    assert book.external_references(site) == []
    (site / "bad.html").write_text(
        '<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" href="//fonts.example.org/f.css">'
        '<a href="https://tracker.example.org/">x</a><script>const U = "https://unpkg.com/x.js";</script>'
        '<style>@import "https://fonts.example.org/css";</style>',
        encoding="utf-8")
    problems = book.external_references(site)
    assert len(problems) == 5, problems
