"""Keep the book offline: nothing on its pages is fetched from the network.

- MathJax is served from the book itself. Its files come from the pinned PyPI
  package ``sphinx-mathjax-offline`` (see requirements-book.txt); what the
  CommonHTML output of TeX needs is copied into ``_static/mathjax``.
- The loader of thebe (live code cells through Binder, which the course does
  not use) names a URL on the network; it is left out of the pages.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

PACKAGE = "sphinx-mathjax-offline"
# tex-chtml.js is the combined component; the rest is loaded on demand.
PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2", "a11y", "ui", "sre"]


def mathjax_source() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"MathJax is missing: pip install -r requirements-book.txt (it provides {PACKAGE}).")
    return Path(spec.origin).parent / "static" / "mathjax"


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def use_local_mathjax(app, config) -> None:
    config.mathjax_path = "mathjax/tex-chtml.js"


def drop_thebe(app, pagename, templatename, context, doctree) -> None:
    """Leave out sphinx-thebe's scripts: their configuration names a script on unpkg.com."""
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [
            s for s in scripts
            if "THEBE_JS_URL" not in (getattr(s, "attributes", {}).get("body") or "") and not str(getattr(s, "filename", s) or "").endswith("sphinx-thebe.js")
        ]


def setup(app):
    mathjax_source()  # fail early with a clear message
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
