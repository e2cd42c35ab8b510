"""Point every link of the course at another GitHub repository, e.g. after a fork.

    python tools/repoint.py OWNER/NAME          # e.g. python tools/repoint.py alice/ae-course
    python tools/repoint.py                     # print the repository's URL

The repository's URL lives in one place, ``[project.urls] Repository`` in
pyproject.toml. This tool rewrites it there and in every file that repeats it:
the README (Colab links, clone commands), the notebooks (Colab install line,
links), and the book's sources in book/ (the book itself reads the URL from
pyproject.toml when it is built). It rewrites ``github.com/OWNER/NAME``,
``colab.research.google.com/github/OWNER/NAME``,
``raw.githubusercontent.com/OWNER/NAME`` and ``OWNER.github.io/NAME`` (and the
``cd NAME`` after a ``git clone`` of the repository) as plain text, so a notebook stays byte-for-byte the same apart from those strings.
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = "pyproject.toml"
URL_LINE = re.compile(r'^(Repository\s*=\s*")https://github\.com/([^/"\s]+)/([^/"\s]+?)/?(")', re.M)
SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def course_files(root: Path = ROOT) -> list[Path]:
    """The files that carry the repository's URL."""
    files = [root / PYPROJECT, root / "README.md"]
    files += sorted((root / "notebooks").glob("*.ipynb"))
    book = root / "book"
    if book.is_dir():
        files += sorted(p for p in book.rglob("*") if p.suffix in {".md", ".yml", ".yaml", ".py"} and "_build" not in p.parts)
    return [p for p in files if p.is_file()]


def repository(root: Path = ROOT) -> tuple[str, str]:
    """(owner, name) from ``[project.urls] Repository`` in pyproject.toml."""
    text = (root / PYPROJECT).read_text(encoding="utf-8")
    match = URL_LINE.search(text)
    if not match:
        raise SystemExit(f'{root / PYPROJECT}: no line `Repository = "https://github.com/OWNER/NAME"` under [project.urls]')
    return match.group(2), match.group(3)


def repository_url(root: Path = ROOT) -> str:
    owner, name = repository(root)
    return f"https://github.com/{owner}/{name}"


def _pattern(owner: str, name: str) -> re.Pattern[str]:
    """The places where OWNER/NAME appears in a URL; group 1 is what comes before it."""
    o, n = re.escape(owner), re.escape(name)
    end = r"(?=\.git\b|[^A-Za-z0-9_.-]|\.(?![A-Za-z0-9_-])|$)"
    return re.compile(
        rf"((?:github\.com|colab\.research\.google\.com/github|raw\.githubusercontent\.com)/){o}/{n}{end}"
        rf"|(?<![A-Za-z0-9-])(){o}\.github\.io/{n}{end}",
        re.IGNORECASE,
    )


def rewrite(text: str, old: tuple[str, str], new: tuple[str, str]) -> str:
    """Replace every URL of repository ``old`` in ``text`` with ``new``.

    A ``cd NAME`` right after a ``git clone`` of the repository (on the same line
    after ``&&``, or on the next line) follows the new name too.
    """
    clone_cd = re.compile(
        rf"(git clone [^\n]*?github\.com/{re.escape(old[0])}/{re.escape(old[1])}(?:\.git)?[^\n&]*?(?:&&|\n)\s*cd\s+)"
        rf"{re.escape(old[1])}(?=[\s/;&]|$)",
        re.IGNORECASE,
    )
    text = clone_cd.sub(lambda m: m.group(1) + new[1], text)

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return f"{match.group(1)}{new[0]}/{new[1]}"
        return f"{new[0]}.github.io/{new[1]}"

    return _pattern(*old).sub(replace, text)


def repoint(new: tuple[str, str], root: Path = ROOT) -> list[Path]:
    """Rewrite every file under ``root`` from the current repository to ``new``; return the changed files."""
    old = repository(root)
    changed = []
    for path in course_files(root):
        data = path.read_bytes()
        text = data.decode("utf-8")
        updated = rewrite(text, old, new)
        if updated != text:
            path.write_bytes(updated.encode("utf-8"))
            changed.append(path)
    if repository(root) != new:  # e.g. a pyproject.toml whose URL line the pattern did not reach
        raise SystemExit(f"{root / PYPROJECT} still names {'/'.join(repository(root))}; fix it by hand")
    return changed


def parse_slug(value: str) -> tuple[str, str]:
    value = value.strip().removesuffix(".git").rstrip("/")
    value = re.sub(r"^(https?://)?github\.com/", "", value)
    if not SLUG.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not OWNER/NAME (e.g. alice/ae-course) or https://github.com/OWNER/NAME")
    owner, name = value.split("/")
    return owner, name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repository", nargs="?", type=parse_slug, help="OWNER/NAME of the GitHub repository")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repository is None:
        print(repository_url(args.root))
        return 0
    old = repository(args.root)
    changed = repoint(args.repository, args.root)
    for path in changed:
        print(f"rewrote {path.relative_to(args.root)}")
    print(f"{'/'.join(old)} -> {'/'.join(args.repository)}: {len(changed)} file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
