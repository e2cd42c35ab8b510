"""The course's links follow one URL: [project.urls] Repository in pyproject.toml.

Every GitHub repository named in the README, the notebooks and the book's sources
(links, Colab links, clone and pip-install commands) must be that one, and
tools/repoint.py must move all of them to another repository in one go.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import repoint  # noqa: E402

# Other projects' repositories that the course may cite (OWNER/NAME, lower case), and the
# placeholder that the fork instructions use.
OTHER_REPOSITORIES = {"owner/name"}

REFERENCE = re.compile(
    r"(?:github\.com|colab\.research\.google\.com/github|raw\.githubusercontent\.com)/"
    r"([A-Za-z0-9-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?(?=[^A-Za-z0-9_.-]|\.(?![A-Za-z0-9_-])|$)"
    r"|(?<![A-Za-z0-9-])([A-Za-z0-9-]+)\.github\.io/([A-Za-z0-9_.-]+?)(?=[^A-Za-z0-9_.-]|\.(?![A-Za-z0-9_-])|$)"
)


def references(text: str) -> list[str]:
    """Every OWNER/NAME of a GitHub repository that ``text`` refers to."""
    found = []
    for match in REFERENCE.finditer(text):
        owner, name = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        found.append(f"{owner}/{name}")
    return found


def disagreements(root: Path) -> list[str]:
    course = "/".join(repoint.repository(root)).lower()
    problems = []
    for path in repoint.course_files(root):
        for ref in references(path.read_text(encoding="utf-8")):
            if ref.lower() != course and ref.lower() not in OTHER_REPOSITORIES:
                problems.append(f"{path.relative_to(root)}: {ref}")
    return problems


def test_pyproject_names_the_repository():
    owner, name = repoint.repository()
    assert repoint.repository_url() == f"https://github.com/{owner}/{name}"


def test_every_link_agrees_with_pyproject():
    problems = disagreements(ROOT)
    assert not problems, (
        f"these name another repository than {repoint.repository_url()} (pyproject.toml); "
        "run `python tools/repoint.py OWNER/NAME`, or list another project's repository in "
        "OTHER_REPOSITORIES:\n" + "\n".join(problems)
    )


def test_the_readme_and_the_notebooks_link_the_repository():
    course = "/".join(repoint.repository())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course in references(readme)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        colab = f"colab.research.google.com/github/{course}/blob/main/notebooks/{path.name}"
        assert colab in readme, f"README.md has no Colab link for {path.name}"


def test_colab_links_open_existing_notebooks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/([^)\s]+)", readme):
        assert (ROOT / target).is_file(), f"README.md: a Colab link opens {target}, which does not exist"


def test_the_slug_parser():
    assert repoint.parse_slug("alice/ae-course") == ("alice", "ae-course")
    assert repoint.parse_slug("https://github.com/alice/ae.course.git") == ("alice", "ae.course")
    for bad in ("alice", "alice/x/y", "-alice/x", "alice/"):
        with pytest.raises(Exception):
            repoint.parse_slug(bad)


def _copy_course(target: Path) -> Path:
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "notebooks", target / "notebooks")
    shutil.copytree(ROOT / "book", target / "book", ignore=shutil.ignore_patterns("_build", "__pycache__"))
    return target


def test_a_stale_link_is_caught(tmp_path):
    root = _copy_course(tmp_path)
    pyproject = root / "pyproject.toml"
    owner, name = repoint.repository(root)
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(f"{owner}/{name}", "alice/ae-course"), encoding="utf-8")
    problems = disagreements(root)
    assert any(p.startswith("README.md") for p in problems)
    assert any(p.startswith("notebooks/") for p in problems)


def test_repoint_rewrites_everything_and_is_idempotent(tmp_path):
    root = _copy_course(tmp_path)
    old = repoint.repository(root)
    before = {p: p.read_bytes() for p in repoint.course_files(root)}
    carriers = {p for p, data in before.items() if "/".join(old).encode() in data}
    assert root / "pyproject.toml" in carriers and root / "README.md" in carriers

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "repoint.py"), "someone-else/their.course", "--root", str(root)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    new = ("someone-else", "their.course")
    assert repoint.repository(root) == new
    assert repoint.repository_url(root) == "https://github.com/someone-else/their.course"
    assert not disagreements(root)
    assert "\ncd their.course" in (root / "README.md").read_text(encoding="utf-8"), "the clone's `cd` did not follow"
    changed = {p for p in before if p.read_bytes() != before[p]}
    assert changed == carriers, "files changed that carry no link, or a link was missed"
    for path in repoint.course_files(root):
        text = path.read_text(encoding="utf-8")
        assert "/".join(old) not in text, f"{path.name} still names {'/'.join(old)}"
        # Nothing but the URLs changed: pointing back restores the file byte for byte.
        assert repoint.rewrite(text, new, old).encode("utf-8") == before[path], f"{path.name} changed beyond its URLs"

    assert repoint.repoint(new, root) == [], "a second run changed files"
    repoint.repoint(old, root)
    assert {p: p.read_bytes() for p in before} == before, "pointing back did not restore the course"
