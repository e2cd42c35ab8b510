"""The course as a book: a static website built from the committed notebooks.

    python tools/book.py              # build the book, serve it on http://127.0.0.1:8000, open a browser
    python tools/book.py build        # build it into book/_build/html (warnings are errors)
    python tools/book.py check        # open every page in headless Chromium and check it
    python tools/book.py open         # build, then open book/_build/html/index.html as a file

Nothing is executed: the pages show the notebooks' committed outputs. The build
stages its sources in book/_build/source (a table of contents from notebooks/
and book/parts.yml, a landing page from README.md, book/instructors.md, and
copies of the notebooks whose solution cells are marked to show collapsed),
runs Jupyter Book with warnings as errors, then checks that the site loads
nothing from the network: every src/href of a script, style sheet, image or
font is local, and every link to another site is one of the course's own
(Colab, the repository) or cited in the notebooks or the README.
Needs `pip install -r requirements-book.txt`; the check needs Chromium
(Debian/Ubuntu: `apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import copy
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from repoint import repository, repository_url  # noqa: E402
from solutions import numbered as solutions_numbered  # noqa: E402
from solutions import solution_label, solution_roles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
BUILD = BOOK / "_build"
SOURCE = BUILD / "source"
HTML = BUILD / "html"
ARTIFACTS = ROOT / "ci-artifacts"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_(.+)\.ipynb$")
URL = re.compile(r"https?://[^\s)<>\"'`\]]+")


# --------------------------------------------------------------------------- sources


def notebooks(root: Path = ROOT) -> list[Path]:
    """The course's notebooks in reading order."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def _load_yaml(path: Path):
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def parts(paths: list[Path], spec: list[dict] | None = None) -> list[tuple[str, list[Path]]]:
    """Split the notebooks into the book's parts (book/parts.yml)."""
    spec = spec if spec is not None else _load_yaml(BOOK / "parts.yml")
    topics = [NOTEBOOK_NAME.match(p.name).group(2) for p in paths]
    starts = []
    for part in spec:
        if part["first"] not in topics:
            raise SystemExit(
                f"book/parts.yml: part {part['caption']!r} starts at {part['first']!r}, "
                f"but no notebook NN_{part['first']}.ipynb exists; update book/parts.yml"
            )
        starts.append(topics.index(part["first"]))
    if starts[0] != 0 or starts != sorted(starts):
        raise SystemExit("book/parts.yml: the first part must start at the first notebook, and parts must follow the reading order")
    ends = starts[1:] + [len(paths)]
    return [(part["caption"], paths[a:b]) for part, a, b in zip(spec, starts, ends)]


def toc(paths: list[Path], spec: list[dict] | None = None) -> dict:
    """The table of contents: the landing page, every notebook by part, the instructors' page."""
    return {
        "format": "jb-book",
        "root": "intro",
        "parts": [
            {"caption": caption, "chapters": [{"file": f"notebooks/{p.stem}"} for p in members]}
            for caption, members in parts(paths, spec)
        ]
        + [{"caption": "Teaching", "chapters": [{"file": "instructors"}]}],
    }


def _sections(markdown: str) -> dict[str, str]:
    """README sections by their `## ` heading ("" for the text before the first one)."""
    sections, name, lines = {}, "", []
    for line in markdown.splitlines():
        if line.startswith("## "):
            sections[name] = "\n".join(lines).strip("\n")
            name, lines = line[3:].strip(), []
        else:
            lines.append(line)
    sections[name] = "\n".join(lines).strip("\n")
    return sections


def _title(path: Path) -> str:
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    heading = "".join(first["source"]).splitlines()[0].lstrip("# ").strip()
    return re.sub(r"^\d\d\s*·\s*", "", heading)


def landing_page(readme: str, paths: list[Path], spec: list[dict] | None = None, url: str | None = None) -> str:
    """The book's first page: the README's introduction, course map by part, and results table."""
    sections = _sections(readme)
    url = url or repository_url()
    top = sections[""].splitlines()
    title = top[0] if top and top[0].startswith("# ") else "# Autoencoders with Keras"
    intro = "\n".join(top[1:]).strip()
    course_map = sections.get("Course map", "")
    table = [line for line in course_map.splitlines() if line.startswith("|")]
    header, rows = table[:2], {m.group(1): line for line in table[2:] if (m := re.match(r"^\|\s*(\d\d)\s*\|", line))}
    after_map = "\n".join(line for line in course_map.splitlines() if not line.startswith("|")).strip()
    out = [title, "", intro, "", "## Course map", ""]
    for caption, members in parts(paths, spec):
        out += [f"### {caption}", "", *header]
        for path in members:
            number = path.name[:2]
            colab = f"https://colab.research.google.com/{url.removeprefix('https://')}/blob/main/notebooks/{path.name}"
            colab = colab.replace("colab.research.google.com/github.com/", "colab.research.google.com/github/")
            out.append(rows.get(number) or f"| {number} | [{_title(path)}](notebooks/{path.name}) | | [Colab]({colab}) |")
        out.append("")
    out += [after_map, "", "## How to use this book", "", HOW_TO_USE.format(url=url, name=url.rsplit("/", 1)[-1]), ""]
    results = sections.get("Results", "")
    if results:
        results = re.sub(r"<!--.*?-->\n?", "", results, flags=re.S).strip()
        out += ["## Results", "", results, ""]
    return "\n".join(out).rstrip() + "\n"


HOW_TO_USE = """\
Every page is one notebook, shown with the outputs of a full run: read it here,
or press the rocket button at the top of a page to open the notebook in Colab
and run it there, or download it with the download button. To run the course on
your own machine:

```bash
git clone {url}
cd {name}
pip install -r requirements.txt -e .
jupyter lab notebooks/
```

Worked solutions follow each notebook's exercises, collapsed: press
"Show solution" to open one. Teaching with the course: see
[For instructors](instructors.md)."""


def stage_notebook(nb: dict) -> dict:
    """A copy of a notebook for the book: solutions collapsed behind a toggle, not removed."""
    nb = copy.deepcopy(nb)
    roles = solution_roles(nb["cells"])
    numbered = solutions_numbered(nb["cells"])
    number = 0
    for cell, role in zip(nb["cells"], roles):
        if role == "code":
            number += 1
            meta = cell.setdefault("metadata", {})
            tags = meta.setdefault("tags", [])
            if "hide-cell" not in tags:
                tags.append("hide-cell")
            label = f"solution {number}" if numbered else "solution"
            meta["mystnb"] = {**meta.get("mystnb", {}), "code_prompt_show": f"Show {label}", "code_prompt_hide": f"Hide {label}"}
        elif role == "answer":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            label = solution_label(text)
            body = re.sub(r"^\s*\*\*Solution\b[^*]*\*\*\s*", "", text) if label else text
            if body.strip():
                fence = "`" * max(4, 1 + max((len(m) for m in re.findall(r"`+", body)), default=0))
                title = f"{label.rstrip('.:')}: the written answer" if label else "The written answer"
                cell["source"] = f"{fence}{{dropdown}} {title}\n{body.strip()}\n{fence}\n"
    return nb


def stage(root: Path = ROOT, source: Path = SOURCE) -> Path:
    """Write the book's sources to ``source``."""
    import yaml

    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    paths = notebooks(root)
    spec = _load_yaml(BOOK / "parts.yml")
    url = repository_url(root)
    config = _load_yaml(BOOK / "_config.yml")
    config["repository"]["url"] = url
    (source / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (source / "_toc.yml").write_text(yaml.safe_dump(toc(paths, spec), sort_keys=False), encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    (source / "intro.md").write_text(landing_page(readme, paths, spec, url), encoding="utf-8")
    instructors = (BOOK / "instructors.md").read_text(encoding="utf-8").replace("{{ repository }}", url)
    (source / "instructors.md").write_text(instructors, encoding="utf-8")
    shutil.copy2(BOOK / "favicon.svg", source / "favicon.svg")
    shutil.copytree(BOOK / "_ext", source / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    for path in paths:
        nb = stage_notebook(json.loads(path.read_text(encoding="utf-8")))
        (source / "notebooks" / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return source


# --------------------------------------------------------------------------- the site


class _Refs(html.parser.HTMLParser):
    """Collect (tag, attribute, value) of every reference in an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and key in {"src", "href", "srcset", "poster", "data", "action", "formaction"}:
                self.refs.append((tag, key, value))
            if value and key == "style":
                self.refs += [(tag, "style", u) for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", value)]
        self._style = tag if tag in {"style", "script"} else False

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style == "script":
            self.refs += [("script", "body", u) for u in URL.findall(data)]
        elif self._style:
            self.refs += [("style", "url", u) for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", data)]
            self.refs += [("style", "import", u) for u in re.findall(r"@import\s+['\"]([^'\"]+)", data)]


def allowed_links(root: Path = ROOT) -> set[str]:
    """External pages the book may link to: the course's own, and those cited in its texts."""
    allowed = {"https://colab.research.google.com/github/" + "/".join(repository(root))}
    allowed.add(repository_url(root))
    for path in notebooks(root):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                allowed.update(u.rstrip(".,;:") for u in URL.findall("".join(cell["source"])))
    allowed.update(u.rstrip(".,;:") for u in URL.findall((root / "README.md").read_text(encoding="utf-8")))
    allowed.update(u.rstrip(".,;:") for u in URL.findall((BOOK / "instructors.md").read_text(encoding="utf-8")))
    return allowed


def external_references(site: Path = HTML, root: Path = ROOT) -> list[str]:
    """Every reference in the site to the network that is not an intended link; [] when clean.

    Resources (scripts, style sheets, images, fonts, frames) must all be local;
    hyperlinks (<a href>) may point at the course's repository, at Colab for the
    course's notebooks, or at a page that the notebooks or the README cite.
    """
    allowed = allowed_links(root)
    course = [repository_url(root), *(a for a in allowed if a.startswith("https://colab.research.google.com/"))]
    problems = []
    for page in sorted(site.rglob("*")):
        if page.suffix == ".html":
            parser = _Refs()
            parser.feed(page.read_text(encoding="utf-8"))
            for tag, attr, value in parser.refs:
                if not re.match(r"^(https?:)?//", value):
                    continue
                where = f"{page.relative_to(site)}: <{tag} {attr}={value!r}>"
                if tag != "a" or attr != "href":
                    problems.append(f"{where} loads a resource from the network")
                elif not (value.rstrip("/") in allowed or any(value == c or value.startswith(c + "/") for c in course)):
                    problems.append(f"{where} links to a site the course does not cite")
        elif page.suffix == ".css":
            for value in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])(https?:)?//", page.read_text(encoding="utf-8", errors="replace")):
                problems.append(f"{page.relative_to(site)}: a style sheet loads from the network")
    return problems


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(root: Path = ROOT) -> Path:
    """Stage the sources and build the site into book/_build/html; warnings are errors."""
    started = time.perf_counter()
    if BUILD.exists():  # always from scratch: an incremental build would not repeat old warnings
        shutil.rmtree(BUILD)
    source = stage(root)
    command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(source), "--path-output", str(BOOK),
               "--warningiserror", "--nitpick", "--keep-going", "--quiet"]
    if subprocess.run(command, cwd=root).returncode != 0:
        raise SystemExit("the book did not build; the messages above say why")
    problems = external_references(HTML, root)
    if problems:
        raise SystemExit("the site refers to the network:\n  " + "\n  ".join(problems))
    seconds = time.perf_counter() - started
    print(f"book built in {seconds:.0f} s: {HTML.relative_to(root)}/index.html, "
          f"{size_of(HTML) / 1e6:.1f} MB, {len(list(HTML.rglob('*.html')))} pages; no reference to the network")
    return HTML


# --------------------------------------------------------------------------- serving


def serve(port: int = 8000, open_browser: bool = True) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError:  # the port is taken: any free one
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with server:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        print(f"serving the book at {url} (Ctrl+C stops)")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, [url]).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n")[1])
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "build", "check", "open", "stage"])
    parser.add_argument("--port", type=int, default=8000, help="port for `serve` (default 8000)")
    parser.add_argument("--no-build", action="store_true", help="`open`/`serve`/`check`: use the site as last built")
    args = parser.parse_args(argv)
    if args.command == "stage":
        print(stage())
        return 0
    if args.command == "check":
        import book_check

        return book_check.main(HTML, ARTIFACTS)
    if not args.no_build or not (HTML / "index.html").exists():
        build()
    if args.command == "open":  # from a file, the search lists pages but cannot show their text
        webbrowser.open((HTML / "index.html").as_uri())
        print(f"opened {(HTML / 'index.html').as_uri()}")
    elif args.command == "serve":
        serve(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
