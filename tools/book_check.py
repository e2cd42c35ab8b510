"""Open the built book in headless Chromium and check what a reader would see.

    python tools/book.py check        # after `python tools/book.py build`
    python tools/book_check.py [--site book/_build/html] [--artifacts ci-artifacts]

The site is served on a local port and every page is loaded in Chromium
(Debian's `chromium`), driven through the DevTools protocol over a pipe, so no
other browser-automation package is needed. The check fails when:

- a page of the table of contents does not load, or has no title;
- a notebook page shows fewer figures than its notebook has image outputs, or
  a figure did not load;
- a notebook whose text has math shows no rendered equation, shows raw
  ``$...$`` TeX, or MathJax reports an error;
- the search page does not find a term of a late notebook ("reparameterization"
  by default) on that notebook's page;
- any page writes an error to the console, throws, gets an HTTP error for one
  of its files, or requests anything from the network (every request must go
  to the local server).

A screenshot of a notebook page is written to ci-artifacts/ (ignored by git).
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import functools
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
]
PAGE_TIMEOUT = 60.0


def find_chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    raise SystemExit("Chromium is not installed: apt-get install chromium (or set CHROMIUM=/path/to/chrome)")


class Browser:
    """A headless Chromium driven through the DevTools protocol over --remote-debugging-pipe."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="book-check-profile-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Move the browser's ends out of the way of 3 and 4, where the child expects them.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
        os.close(to_browser_r)
        os.close(from_browser_w)

        def child_fds():
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(3, 4), preexec_fn=child_fds,
        )
        for fd in ends:
            os.close(fd)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        self._stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self):
        for line in self.process.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    def _read(self, timeout: float = PAGE_TIMEOUT) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._in], [], [], timeout)[0]:
                raise TimeoutError(f"Chromium sent nothing for {timeout:.0f} s")
            chunk = self._in.read(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe:\n" + "".join(self._stderr[-20:]))
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = PAGE_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            seen = len(self.events)
            self.events.append(self._read(max(0.1, deadline - time.monotonic())))
        raise TimeoutError(f"no {method} within {timeout:.0f} s")

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab; records console errors, exceptions and network requests."""

    def __init__(self, browser: Browser, width: int = 1280, height: int = 900):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def open(self, url: str) -> None:
        self.browser.events = [e for e in self.browser.events if e.get("sessionId") != self.session]
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True,
                                                "timeout": PAGE_TIMEOUT * 1000})
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails'].get('exception', {}).get('description', result)}")
        return result["result"].get("value")

    def problems(self, origin: str) -> list[str]:
        """Console errors, exceptions, failed or outside requests since the page was opened."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                found.append(f"console {params['type']}: {text[:300]}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(f"uncaught exception: {details.get('exception', {}).get('description', details.get('text'))}"[:400])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"console error ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"[:400])
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if not (url.startswith(origin) or url.startswith(("data:", "blob:", "about:"))):
                    found.append(f"request to the network: {url}")
            elif method == "Network.responseReceived":
                response = params.get("response", {})
                if response.get("status", 200) >= 400:
                    found.append(f"HTTP {response['status']} for {response.get('url')}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"failed to load ({params.get('errorText')}): request {params.get('requestId')}")
        return found

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))


# What a notebook page shows, measured in the page once MathJax has typeset it.
INSPECT = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const article = document.querySelector("article") || document.body;
  const images = [...article.querySelectorAll("img")];
  for (const img of images) { img.loading = "eager"; try { await img.decode(); } catch (e) {} }
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode(node) {
    return node.parentElement.closest("pre, code, script, style, mjx-container, .cell_output") ?
      NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; }});
  let text = ""; while (walker.nextNode()) { text += walker.currentNode.nodeValue; }
  const raw = text.match(/\$[^$\n]{0,200}\\[A-Za-z]+[^$\n]{0,200}\$|\\\([^)]{0,200}\\\)|\\\[[^\]]{0,200}\\\]/);
  return {
    title: (article.querySelector("h1") || {}).textContent || "",
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src")),
    math: article.querySelectorAll("mjx-container").length,
    untypeset: [...article.querySelectorAll(".math")].filter(m => !m.querySelector("mjx-container")).length,
    errors: article.querySelectorAll("mjx-merror").length,
    raw: raw ? raw[0] : null,
    solutions: article.querySelectorAll(".tag_hide-cell").length,
    tables: article.querySelectorAll("table").length,
    launch: [...document.querySelectorAll("a[href*='colab.research.google.com']")].map(a => a.href),
    headings: article.querySelectorAll("section h2").length,
    pageToc: document.querySelectorAll(".bd-toc-nav a, nav.page-toc a, #pst-page-toc-nav a").length,
  };
})()
"""

SEARCH = r"""
(async () => {
  for (let i = 0; i < 300; i++) {
    const items = document.querySelectorAll("#search-results li");
    const summary = (document.querySelector("#search-results .search-summary, #search-results p") || {}).textContent || "";
    if (items.length || /did not match|no documents|found/i.test(summary)) {
      return {hits: [...items].map(li => (li.querySelector("a") || {}).getAttribute ? li.querySelector("a").getAttribute("href") : ""), summary};
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {hits: [], summary: "search did not finish"};
})()
"""


def notebook_facts(path: Path) -> dict:
    """What the committed notebook has: image outputs, math in its markdown."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    images = sum(1 for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
                 if any(k.startswith("image/") for k in o.get("data", {})))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return {"images": images, "math": bool(re.search(r"\$[^$\n]+\$", markdown))}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check(site: Path, artifacts: Path, search_term: str = "reparameterization", search_page: str | None = None,
          root: Path = ROOT) -> list[str]:
    """Run every check; return the problems found (empty when the book is good)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import book

    if not (site / "index.html").exists():
        return [f"{site} holds no built book: run `python tools/book.py build` first"]
    notebooks = book.notebooks(root)
    if search_page is None:
        search_page = next((p.stem for p in notebooks if search_term.lower() in p.read_text(encoding="utf-8").lower()), None)
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    browser = Browser(find_chromium())
    problems: list[str] = []
    artifacts.mkdir(parents=True, exist_ok=True)
    try:
        page = Page(browser)
        pages = ["intro.html", "instructors.html"] + [f"notebooks/{p.stem}.html" for p in notebooks]
        for name in pages:
            started = time.perf_counter()
            try:
                page.open(origin + name)
                facts = page.evaluate(INSPECT)
            except (RuntimeError, TimeoutError) as error:
                problems.append(f"{name}: {error}")
                continue
            found = [] if facts["title"].strip() else ["no title"]
            if name.startswith("notebooks/"):
                expected = notebook_facts(root / "notebooks" / (Path(name).stem + ".ipynb"))
                if facts["images"] < expected["images"]:
                    found.append(f"{facts['images']} figures, the notebook has {expected['images']}")
                if facts["broken"]:
                    found.append(f"figures that did not load: {facts['broken'][:3]}")
                if expected["math"] and facts["math"] == 0:
                    found.append("no rendered equation")
                if not any(Path(name).stem + ".ipynb" in u for u in facts["launch"]):
                    found.append("no Colab launch link for this notebook")
                if facts["pageToc"] == 0:
                    found.append("no table of contents of the page")
            elif name == "intro.html":
                linked = {Path(u).name for u in facts["launch"]}
                missing = [p.name for p in notebooks if p.name not in linked]
                if missing:
                    found.append(f"no Colab link for {missing}")
                if facts["tables"] < 2:
                    found.append("the course map or the results table is missing")
            if facts["untypeset"] or facts["errors"] or facts["raw"]:
                found.append(f"math not typeset: {facts['untypeset']} left as TeX, {facts['errors']} MathJax errors, raw {facts['raw']!r}")
            found += page.problems(origin)
            problems += [f"{name}: {p}" for p in found]
            print(f"  {'ok  ' if not found else 'FAIL'} {name}: {facts['images']} figures, {facts['math']} equations, "
                  f"{facts['solutions']} collapsed solutions, {time.perf_counter() - started:.1f} s", flush=True)
            if search_page and name == f"notebooks/{search_page}.html":
                page.evaluate("(() => { const m = document.querySelector('article mjx-container[display=\"true\"]') "
                              "|| document.querySelector('article mjx-container'); "
                              "if (m) { m.scrollIntoView(); window.scrollBy(0, -250); } })()")
                time.sleep(0.3)
                page.screenshot(artifacts / f"book-{search_page}.png")
        page.open(origin + f"search.html?q={search_term}")
        result = page.evaluate(SEARCH)
        hits = [h for h in result["hits"] if h]
        ok = search_page is not None and any(f"{search_page}.html" in h for h in hits)
        print(f"  {'ok  ' if ok else 'FAIL'} search for {search_term!r}: {len(hits)} pages, {hits[:4]}", flush=True)
        if not ok:
            problems.append(f"search: {search_term!r} did not find {search_page} ({result['summary'].strip()[:200]})")
        problems += [f"search.html: {p}" for p in page.problems(origin)]
        page.screenshot(artifacts / "book-search.png")
    finally:
        browser.close()
        server.shutdown()
    return problems


def main(site: Path | None = None, artifacts: Path | None = None, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=site or ROOT / "book" / "_build" / "html")
    parser.add_argument("--artifacts", type=Path, default=artifacts or ROOT / "ci-artifacts")
    parser.add_argument("--search", default="reparameterization", help="a term that the search must find")
    args = parser.parse_args(argv if argv is not None else ([] if site else None))
    started = time.perf_counter()
    print(f"checking {args.site} in headless Chromium", flush=True)
    problems = check(args.site, args.artifacts, args.search)
    if problems:
        print("the book check failed:\n  " + "\n  ".join(problems))
        return 1
    print(f"book check passed in {time.perf_counter() - started:.0f} s; screenshots in {args.artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
