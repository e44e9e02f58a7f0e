"""Helpers for tests/book/test_browser.py: the built book in a real (headless) browser, offline.

Nothing here is a test. The pieces:

- :func:`find_chromium` and :data:`CHROMIUM_ARGS`: Debian's Chromium, driven by Playwright;
- :func:`ensure_npm_fixtures`: npm packages installed into ``tests/.browser_fixtures``:
  ``axe-core``; MathJax 3 and the widget embedder (``@jupyter-widgets/html-manager``), to
  check the copies vendored in ``_offline/`` against; Pyodide's core package (for
  ``test_lite.py``);
- :func:`serve`: the built HTML on a loopback port;
- :class:`OfflineRoutes`: every request that leaves 127.0.0.1 is blocked and recorded.
  The pages serve MathJax, the widget embedder and Font Awesome themselves, so nothing
  is answered in a CDN's place: a page that still asks a CDN for something shows it;
- :func:`toc_documents`, :func:`pages_containing`: which pages to visit;
- :data:`PAGE_PROBE` and friends: JavaScript that reads a loaded page;
- :func:`image_is_opaque`, :func:`luminance_spread`: pixel checks with Pillow.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SCREENSHOTS = TESTS / "_screenshots"
FIGURE_SHOTS = SCREENSHOTS / "figures"
MIN_FIGURE_SIDE = 40  # px; smaller images are icons, not figures
FIXTURES = TESTS / ".browser_fixtures"

# --- Chromium -----------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_HELP = (
    "The browser tests need Chromium. On Debian or Ubuntu: "
    "`sudo apt-get update && sudo apt-get install -y chromium` (it lands in /usr/bin/chromium); "
    "elsewhere, point BOOK_CHROMIUM at a Chromium or Chrome executable. "
    "(`playwright install` is not needed and not used.)"
)


def find_chromium() -> str | None:
    """The Chromium to drive: $BOOK_CHROMIUM, else /usr/bin/chromium, else one on the PATH."""
    candidates = [os.environ.get("BOOK_CHROMIUM", ""), "/usr/bin/chromium"]
    candidates += [
        shutil.which(name) or ""
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


# --- npm fixtures -------------------------------------------------------------------------


@dataclass(frozen=True)
class NpmFixtures:
    """Files from npm that the browser tests serve or inject."""

    root: Path  # tests/.browser_fixtures

    @property
    def modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def html_manager_dist(self) -> Path:
        return self.modules / "@jupyter-widgets" / "html-manager" / "dist"

    @property
    def html_manager_version(self) -> str:
        package = self.modules / "@jupyter-widgets" / "html-manager" / "package.json"
        return json.loads(package.read_text(encoding="utf-8"))["version"]

    @property
    def pyodide(self) -> Path:
        return self.modules / "pyodide"

    @property
    def mathjax_es5(self) -> Path:
        return self.modules / "mathjax" / "es5"

    @property
    def axe_js(self) -> Path:
        return self.modules / "axe-core" / "axe.min.js"

    def missing(self) -> list[Path]:
        needed = [
            self.html_manager_dist / "embed.js",
            self.mathjax_es5 / "tex-mml-chtml.js",
            self.pyodide / "pyodide.mjs",
            self.axe_js,
        ]
        return [path for path in needed if not path.is_file()]


NPM_TIMEOUT = 600  # seconds


def ensure_npm_fixtures(root: Path = FIXTURES) -> NpmFixtures:
    """Install tests/package.json's packages (locked by tests/package-lock.json) into ``root``.

    Runs ``npm ci`` only when a needed file is missing, or when the lock file changed since
    the last install; one test process at a time (a file lock), so that two test runs do
    not install into the same folder at once. Raises RuntimeError saying what to do.
    """
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".install-lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        return _install_npm_fixtures(root)


def _install_npm_fixtures(root: Path) -> NpmFixtures:
    fixtures = NpmFixtures(root)
    lock = TESTS / "package-lock.json"
    stamp = root / ".installed-from"
    lock_digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    up_to_date = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == lock_digest
    if not fixtures.missing() and up_to_date:
        return fixtures
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "The browser tests need npm to fetch their JavaScript fixtures "
            "(axe-core, mathjax, @jupyter-widgets/html-manager, pyodide). Install Node.js and "
            "npm "
            "(Debian/Ubuntu: `sudo apt-get install -y npm`), then rerun; or install them "
            f"yourself: `cp tests/package.json tests/package-lock.json {root}/ && "
            f"npm ci --prefix {root}`."
        )
    root.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(TESTS / name, root / name)
    command = [npm, "ci", "--prefix", str(root), "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        result = subprocess.run(
            command,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"`{' '.join(command)}` took more than {NPM_TIMEOUT} s") from error
    if result.returncode != 0 or fixtures.missing():
        raise RuntimeError(
            f"`{' '.join(command)}` failed (exit {result.returncode}); missing: "
            f"{[str(p) for p in fixtures.missing()]}\n{result.stdout[-3000:]}"
        )
    stamp.write_text(lock_digest + "\n", encoding="utf-8")
    return fixtures


# --- the table of contents and the built pages ----------------------------------------------


def toc_documents(toc: Path = REPO / "_toc.yml") -> list[str]:
    """Every document of _toc.yml (root, parts, chapters, sections), without its extension."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    documents = [data["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                documents.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key) or [])

    walk([data])
    return [re.sub(r"\.(ipynb|md|rst)$", "", doc) for doc in documents]


def pages_containing(html_dir: Path, needle: str) -> list[str]:
    """The ToC documents whose built HTML contains ``needle``."""
    return [
        doc
        for doc in toc_documents()
        if (html_dir / f"{doc}.html").is_file()
        and needle in (html_dir / f"{doc}.html").read_text(encoding="utf-8")
    ]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (key == "name" and tag == "a")):
                self.ids.add(value)


@functools.cache
def ids_in(path: Path) -> frozenset[str]:
    """The ids (and <a name>s) of one built HTML file."""
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def file_for_url(html_dir: Path, base_url: str, url: str) -> Path | None:
    """The file of ``html_dir`` that a loopback ``url`` names, or None if it is elsewhere."""
    if not url.startswith(base_url):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = html_dir / path
    if not path or target.is_dir():
        target = target / "index.html"
    return target


# --- the loopback server ------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- offline routing ----------------------------------------------------------------------

_MIME = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
    ".svg": "image/svg+xml",
}


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


def is_local(url: str) -> bool:
    """Loopback, or a URL that never touches the network (data:, blob:, about:)."""
    return is_loopback(url) or url.startswith(("data:", "blob:", "about:"))


@dataclass
class OfflineRoutes:
    """A Playwright route handler: loopback (and data:, blob:) passes, the rest is blocked.

    It records what it blocked, for the tests' messages: an offline reader's browser would
    fail those requests the same way.
    """

    blocked: list[str] = field(default_factory=list)

    def handle(self, route, request) -> None:  # playwright Route, Request
        if is_local(request.url):
            route.continue_()
            return
        self.blocked.append(request.url)
        route.abort("blockedbyclient")


# --- reading a page -----------------------------------------------------------------------

# Runs in the page; returns what the tests check. Scope: the article (the page's content),
# except for the title, the images (all of them) and the links (all of them).
PAGE_PROBE = r"""
async () => {
  const article = document.querySelector("article.bd-article") ||
                  document.querySelector("article") || document.querySelector("main") ||
                  document.body;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const text = (el) => el.textContent.replace(/[#¶]\s*$/, "").trim().slice(0, 80);
  const headings = Array.from(article.querySelectorAll("h1, h2, h3, h4, h5, h6"))
    .map((h) => ({level: Number(h.tagName[1]), text: text(h)}));
  const errorOutputs = Array.from(article.querySelectorAll(
      ".output.stderr, .output.traceback, .output.error, .cell_output .stderr, " +
      ".cell_output .traceback, [data-mime-type='application/vnd.jupyter.stderr']"))
    .map((el) => el.className + ": " + el.textContent.trim().slice(0, 200));
  const blobData = async (src) => {
    try {
      const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return "data:application/octet-stream;base64," + btoa(binary);
    } catch (e) { return null; }
  };
  const images = [];
  for (const img of Array.from(document.images)) {
    const src = img.currentSrc || img.src;
    images.push({
      src: src.startsWith("blob:") ? (await blobData(src)) || src : src,
      srcAttr: (img.getAttribute("src") || "").slice(0, 200),
      alt: img.getAttribute("alt"),
      ariaLabel: img.getAttribute("aria-label"),
      title: img.getAttribute("title"),
      role: img.getAttribute("role"),
      ariaHidden: img.closest("[aria-hidden='true']") !== null,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      inArticle: article.contains(img),
      shown: visible(img),
      id: img.id,
    });
  }
  const links = Array.from(document.querySelectorAll("a[href]"))
    .map((a) => ({href: a.href, raw: a.getAttribute("href"), text: text(a)}));
  return {
    url: location.href,
    title: document.title.trim(),
    h1: Array.from(article.querySelectorAll("h1")).filter(visible).map(text),
    headings,
    errorOutputs,
    articleText: article.innerText,
    // math that MathJax has not typeset: Sphinx's .math elements without an mjx-container
    untypesetMath: Array.from(article.querySelectorAll(".math"))
      .filter((el) => !el.querySelector("mjx-container"))
      .map((el) => el.textContent.trim().slice(0, 80)),
    typesetMath: article.querySelectorAll(".math mjx-container").length,
    images,
    links,
    theme: document.documentElement.dataset.theme || "",
    layout: (LAYOUT_PROBE)(),
  };
}
"""

# Runs in the page (inside PAGE_PROBE, so one evaluate per visit); measures what the layout
# tests check at the page's width. A *scroll box* is an element with overflow-x auto or
# scroll whose content is wider than it (it scrolls sideways); the page's own containers
# (PAGE_BOXES) never count as one: when they scroll, the whole chapter shifts sideways.
LAYOUT_PROBE = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const PAGE_BOXES = "html, body, .bd-page-width, .bd-container, .bd-container__inner, " +
    ".bd-main, .bd-content, .bd-article-container, article.bd-article";
  const CAPTIONS = "figcaption, caption, .benor-table-caption, .code-block-caption";
  const CODE = "pre, div.highlight, .cell_output, .output, .highlight";
  const style = (el) => getComputedStyle(el);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    const s = style(el);
    return s.visibility !== "hidden" && s.display !== "none" && Number(s.opacity) !== 0;
  };
  const scrolls = (el) => {
    const o = style(el).overflowX;
    return (o === "auto" || o === "scroll") && el.scrollWidth > el.clientWidth + 1;
  };
  const name = (el) => {
    let out = el.tagName.toLowerCase();
    if (el.id) out += "#" + el.id;
    const classes = Array.from(el.classList).slice(0, 3);
    if (classes.length) out += "." + classes.join(".");
    return out;
  };
  const where = (el) => {
    const numbered = el.closest("figure, table, .benor-table-wrap, .cell, dl, .proof, " +
                                ".exercise, .admonition");
    const number = numbered && numbered.querySelector(".caption-number");
    let heading = null;
    for (let s = el.closest("section"); s && !heading; s = s.parentElement.closest("section")) {
      heading = s.querySelector(":scope > h1, :scope > h2, :scope > h3, :scope > h4");
    }
    const text = (heading ? heading.textContent.replace(/[#¶]\s*$/, "").trim() : "?");
    return (number ? number.textContent.trim() + " in " : "") + "§ " + text.slice(0, 50);
  };
  const snippet = (el) => (el.innerText || el.textContent).replace(/\s+/g, " ").trim().slice(0, 60);
  const describe = (el) => ({
    element: name(el), where: where(el), text: snippet(el),
    left: Math.round(el.getBoundingClientRect().left),
    right: Math.round(el.getBoundingClientRect().right),
    width: Math.round(el.getBoundingClientRect().width),
  });
  const pageBox = (el) => el.matches(PAGE_BOXES);

  // elements that reach past the viewport (outside any scroll box of their own)
  const offenders = new Set();
  const contained = new Set();  // scroll boxes that hold something wider than the viewport
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1 && r.left >= -1) continue;
    if (!shown(el) || style(el).position === "fixed") continue;
    let left = r.left, right = r.right, verdict = "out";
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = style(p).overflowX;
      if (o === "visible") continue;
      if (pageBox(p)) break;
      if (o === "auto" || o === "scroll") { verdict = p; break; }
      const pr = p.getBoundingClientRect();  // hidden or clip: cuts the element at its edges
      left = Math.max(left, pr.left); right = Math.min(right, pr.right);
      if (right <= vw + 1 && left >= -1) { verdict = "clipped"; break; }
    }
    if (verdict === "out") offenders.add(el);
    else if (verdict !== "clipped") contained.add(verdict);
  }
  const wide = Array.from(offenders)
    .filter((el) => !offenders.has(el.parentElement))
    .map(describe);

  // every scroll box that scrolls, what it holds, and whether it holds a caption
  const boxes = [];
  const captionsInBoxes = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!scrolls(el) || !shown(el)) continue;
    const inArticle = !!el.closest("article.bd-article") && !pageBox(el);
    const captions = Array.from(el.querySelectorAll(CAPTIONS)).filter(shown);
    const box = {...describe(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                 page: pageBox(el), inArticle, holdsWide: contained.has(el),
                 code: el.matches(CODE) || !!el.closest(CODE),
                 table: el.matches(".pst-scrollable-table-container, table"),
                 captions: captions.length};
    boxes.push(box);
    for (const c of captions) captionsInBoxes.push({...describe(c), box: box.element});
  }

  // figure text: <img> with a recorded smallest font (data-min-font-px, or read from the PNG
  // by the test), and SVG <text> drawn in the page (its size times the SVG's scale)
  const article = document.querySelector("article.bd-article") || document.body;
  const images = Array.from(article.querySelectorAll("img")).filter(shown).map((img) => {
    const r = img.getBoundingClientRect();
    // tap-to-enlarge: _static/figure-zoom.js marks a figure drawn smaller than its own size
    // "benor-zoomable" and opens it at its own size (px for px); or a link to the image
    const link = img.closest("a[href]");
    const enlarge = img.classList.contains("benor-zoomable") ? "zoom" :
                    (link ? link.getAttribute("href").slice(0, 100) : null);
    return {
      index: Array.from(article.querySelectorAll("img")).indexOf(img),
      src: (img.currentSrc || img.src).slice(0, 100), where: where(img),
      alt: (img.getAttribute("alt") || img.getAttribute("title") || "").slice(0, 60),
      width: r.width, height: r.height, naturalWidth: img.naturalWidth,
      minFontPx: img.dataset.minFontPx ? Number(img.dataset.minFontPx) : null,
      dataset: Object.assign({}, img.dataset),
      enlarge,
    };
  });
  const svgs = [];
  for (const svg of article.querySelectorAll("svg")) {
    if (svg.closest("mjx-container") || !shown(svg)) continue;
    let smallest = Infinity, count = 0;
    for (const t of svg.querySelectorAll("text")) {
      const ctm = t.getScreenCTM();
      if (!ctm || !shown(t)) continue;
      const px = parseFloat(style(t).fontSize) * Math.hypot(ctm.a, ctm.b);
      if (px > 0) { smallest = Math.min(smallest, px); count += 1; }
    }
    if (count) svgs.push({...describe(svg), minFontPx: smallest, texts: count});
  }
  return {
    viewport: vw,
    pageWidth: document.documentElement.scrollWidth,
    pageHeight: document.documentElement.scrollHeight,
    wide, boxes, captionsInBoxes, images, svgs,
  };
}
"""
PAGE_PROBE = PAGE_PROBE.replace("(LAYOUT_PROBE)", "(" + LAYOUT_PROBE.strip() + ")")

# Waits until every <img> has finished loading (or failed): naturalWidth is then final.
IMAGES_SETTLED = "() => Array.from(document.images).every((img) => img.complete)"

_FILE_NAME_ALT = re.compile(
    r"""(^|[/\\])[\w.-]+\.(png|jpe?g|gif|svg|webp|bmp|tiff?)$|^_images|^data:|^https?://""",
    re.IGNORECASE,
)
_MEANINGLESS_ALT = {
    "png", "jpg", "jpeg", "svg", "gif", "image", "img", "figure", "fig", "picture", "graph",
    "plot", "chart", "output", "untitled", "none", "null", "undefined",
}  # fmt: skip


def alt_text_problem(image: dict) -> str | None:
    """Why an image (as :data:`PAGE_PROBE` reports it) lacks a text alternative, or None.

    The text alternative is the alt attribute; an image without one may carry it in
    aria-label or title instead (ipywidgets' Image widget can set only a title, through
    its ``tooltip``), as assistive technology and axe-core accept.
    """
    src = image.get("srcAttr") or image.get("src") or ""
    alt = image.get("alt")
    if alt is None:
        alt = image.get("ariaLabel") or image.get("title")
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt text"
    name = urlsplit(src).path.rsplit("/", 1)[-1] if not src.startswith("data:") else ""
    if text.lower() in _MEANINGLESS_ALT or re.fullmatch(r"[\W\d_]+", text):
        return f"alt text says nothing: {text!r}"
    if (
        _FILE_NAME_ALT.search(text)
        or (name and text == name)
        or re.fullmatch(r"[0-9a-f]{16,}", text)
    ):
        return f"alt text is a file name: {text!r}"
    return None


def heading_order_problems(headings: list[dict]) -> list[str]:
    """Headings must start at h1 and never skip a level going down (h2 -> h4)."""
    problems = []
    previous = 0
    for heading in headings:
        level = heading["level"]
        if level > previous + 1:
            problems.append(
                f"h{level} {heading['text']!r} follows "
                + (f"h{previous}" if previous else "the start of the page")
            )
        previous = level
    return problems


# --- layout at a desk's and a phone's width ---------------------------------------------------

#: The smallest figure text (CSS px) a reader may be given, by window width (issue 19): the
#: figure as the page shows it, or, on a phone, as its tap-to-enlarge view shows it.
MIN_FIGURE_TEXT_PX = {1280: 12.0, 390: 10.0}


def _at(item: dict) -> str:
    return f"{item['element']} ({item['where']}; x {item['left']}..{item['right']})"


def overflow_problems(layout: dict) -> list[str]:
    """What reaches past the window's edge outside a scroll box of its own (a box that
    holds a caption is reported by :func:`caption_problems`), and whether the page itself
    scrolls sideways."""
    vw = layout["viewport"]
    problems = []
    if layout["pageWidth"] > vw + 1:
        problems.append(f"the page is {layout['pageWidth']} px wide in a {vw} px window")
    problems += [
        f"{_at(item)} is {item['width']} px wide, past the {vw} px window: {item['text']!r}"
        for item in layout["wide"]
    ]
    problems += [
        f"the page's own {box['element']} scrolls sideways ({box['scrollWidth']} px of "
        f"content in {box['clientWidth']} px)"
        for box in layout["boxes"]
        if box["page"]
    ]
    return problems


def caption_problems(layout: dict) -> list[str]:
    """Captions inside a box that scrolls sideways (part of the caption is out of view)."""
    return [
        f"caption {item['text']!r} ({item['where']}) is inside {item['box']}, which scrolls "
        "sideways"
        for item in layout["captionsInBoxes"]
    ]


def code_scroll_problems(layout: dict) -> list[str]:
    """Code cells and outputs of the chapter that scroll sideways instead of fitting. A
    table's own scroll box, even in an output, is judged by the caption and window checks."""
    return [
        f"{_at(box)} scrolls sideways ({box['scrollWidth']} px of content in "
        f"{box['clientWidth']} px): {box['text']!r}"
        for box in layout["boxes"]
        if box["code"] and box["inArticle"] and not box["table"]
    ]


def figure_text_sizes(layout: dict) -> list[tuple[str, float | None, float | None]]:
    """(which figure, smallest text as shown, smallest text in its enlarged view) in CSS px,
    for every figure the page shows: <img> at least MIN_FIGURE_SIDE px each way, and inline
    SVG with text. None: the image records no font size (it cannot be measured)."""
    sizes = []
    for image in layout["images"]:
        if min(image["width"], image["height"]) < MIN_FIGURE_SIDE:
            continue
        label = f"img {image['index']} ({image['where']}; {image['alt']!r})"
        font = image["minFontPx"]
        if font is None or not image["naturalWidth"]:
            sizes.append((label, None, None))
            continue
        shown = font * image["width"] / image["naturalWidth"]
        enlarged = font if image["enlarge"] else None  # shown at its own size, px for px
        sizes.append((label, shown, enlarged))
    sizes += [(f"svg ({svg['where']})", svg["minFontPx"], None) for svg in layout["svgs"]]
    return sizes


def figure_text_problems(layout: dict, minimum: float) -> list[str]:
    """Figures whose smallest text is under ``minimum`` CSS px, as shown and as enlarged."""
    problems = []
    for label, shown, enlarged in figure_text_sizes(layout):
        if shown is None:
            problems.append(f"{label}: records no font size, so its text cannot be measured")
        elif shown < minimum and (enlarged is None or enlarged < minimum):
            how = f", {enlarged:.1f} px enlarged" if enlarged is not None else ", no enlarged view"
            problems.append(f"{label}: text {shown:.1f} px < {minimum:g} px{how}")
    return problems


# --- pixels -------------------------------------------------------------------------------


def image_bytes(html_dir: Path, base_url: str, src: str) -> bytes | None:
    """The bytes of an image the page shows: a data: URL, or a file of the build."""
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        return (
            base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
        )
    path = file_for_url(html_dir, base_url, src)
    return path.read_bytes() if path is not None and path.is_file() else None


def image_is_opaque(data: bytes) -> tuple[bool, str]:
    """Whether a raster image has no transparent pixel (no alpha, or alpha 255 everywhere)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        mode = image.mode
        if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
            alpha = image.convert("RGBA").getchannel("A")
            low, high = alpha.getextrema()
            if low < 255:
                histogram = alpha.histogram()
                transparent = sum(histogram[:255]) / max(1, sum(histogram))
                return False, f"{mode}, {transparent:.0%} of pixels not opaque (min alpha {low})"
            return True, f"{mode}, alpha 255 everywhere"
        if "transparency" in image.info:
            return False, f"{mode} with a transparent colour"
        return True, f"{mode}, no alpha channel"


def png_min_font_px(data: bytes) -> float | None:
    """The smallest text (px of the image itself) that a book figure's PNG records under
    ``benor_lib.figures.style.PNG_MIN_FONT_KEY``; None for another image."""
    from PIL import Image

    from benor_lib.figures.style import PNG_MIN_FONT_KEY

    try:
        with Image.open(io.BytesIO(data)) as image:
            value = image.info.get(PNG_MIN_FONT_KEY)
    except Exception:  # not a raster Pillow reads (an SVG, say): nothing recorded
        return None
    return None if value is None else float(value)


def luminance_spread(
    png: bytes, low: float = 0.05, high: float = 0.95, *, ink_only: bool = False
) -> tuple[float, float, float]:
    """(median, ``low`` quantile, ``high`` quantile) of the luminance (0..255) of an image.

    With ``ink_only`` the quantiles are those of the ink alone: the pixels darker (for
    ``low``) or lighter (for ``high``) than the median by more than a faint edge; the median
    itself when there is no such pixel (ink the colour of its background).
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        histogram = image.convert("L").histogram()
    total = sum(histogram)

    def percentile(q: float) -> float:
        running = 0
        for value, count in enumerate(histogram):
            running += count
            if running >= q * total:
                return float(value)
        return 255.0

    median = percentile(0.5)
    if ink_only:
        # the ink: pixels that differ from the background (the median) by more than a
        # faint anti-aliasing edge; a sparse figure has less than 1% of them
        margin = 16
        dark = [(v, c) for v, c in enumerate(histogram) if v < median - margin]
        light = [(v, c) for v, c in enumerate(histogram) if v > median + margin]

        def extreme(pixels: list[tuple[int, int]], q: float) -> float:
            total_ink = sum(c for _, c in pixels)
            running = 0
            for value, count in pixels:
                running += count
                if running >= q * total_ink:
                    return float(value)
            return median

        return median, extreme(dark, low), extreme(light, high)
    return median, percentile(low), percentile(high)


def tell(config, line: str) -> None:
    """Write a line to the terminal, past pytest's output capture (``config``: pytest's)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


def safe_name(document: str) -> str:
    """A file-name-safe version of a document name (book/preface -> book-preface)."""
    return re.sub(r"[^\w.-]+", "-", document).strip("-")


# --- visiting pages -----------------------------------------------------------------------

# Messages that the book's own pages print on every page because of the theme or an
# extension, not because of anything the book wrote. Each is matched exactly, and only
# these are forgiven; report anything new.
# (None at present. sphinx-thebe's inline config script, which Sphinx 7 wrote twice into
# every page, redeclaring a const, is written once since book/_ext/a11y_fixes.py.)
KNOWN_CHROME_NOISE: set[str] = set()

# Uncaught errors forgiven only when thrown from the widget embedder's own code:
# @jupyter-widgets/html-manager 1.x (the ipywidgets 8 line, up to 1.0.15 at least) typesets
# every widget label with MathJax 2's MathJax.Hub.Queue whenever window.MathJax exists; the
# book's pages configure MathJax 3, which has no Hub. The widget is drawn before this
# throws; only LaTeX in widget labels (the book uses none) would stay untypeset.
KNOWN_WIDGET_NOISE = {
    "Cannot read properties of undefined (reading 'Queue')",
}
WIDGET_EMBEDDER = "/html-manager/"  # the book serves it from _static/html-manager/

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGETS_RENDERED = (
    "() => { const views = document.querySelectorAll("
    "'script[type=\"" + WIDGET_VIEW_MIME + "\"]').length;"
    " return views === 0 || document.querySelectorAll('.widget-subarea').length >= views; }"
)

# axe-core runs on the chapter itself (article.bd-article). The theme's chrome around it
# (navbar, sidebars, the article header's buttons) is excluded: pydata-sphinx-theme 0.17's
# search and colour-mode buttons fail label-content-name-mismatch ("serious"), which the
# book cannot fix. Also excluded: the handle of ipywidgets' own slider (.noUi-handle),
# a role="slider" div that html-manager renders without an accessible name
# (aria-input-field-name); the slider's visible description is beside it, and in the
# static page it cannot be moved anyway (no kernel).
AXE_CONTEXT = {"include": [["article.bd-article"]], "exclude": [[".noUi-handle"]]}
AXE_RUN = """
async (context) => {
  const result = await axe.run(context, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => n.target.join(" ") + ": " +
                              (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 240)),
  }));
}
"""
SERIOUS = ("serious", "critical")

# Violations in markup that Sphinx itself writes inside the chapter, forgiven node by node
# (rule id, CSS selector axe reports for the node). Anything else on the same page counts.
KNOWN_AXE_EXCEPTIONS = {
    # docutils/Sphinx 7 writes the bibliography as <div role="list" class="citation-list">
    # whose children are <div role="doc-biblioentry"> (a DPUB role that is not a list
    # item), so axe reports the list as lacking list items. The entries still read in
    # order; fixing it means changing Sphinx's HTML writer.
    ("aria-required-children", ".citation-list"),
}


def serious_axe_violations(violations: list[dict]) -> list[dict]:
    """The serious and critical violations, without :data:`KNOWN_AXE_EXCEPTIONS`."""
    kept = []
    for violation in violations:
        if violation["impact"] not in SERIOUS:
            continue
        nodes = [
            node
            for node in violation["nodes"]
            if (violation["id"], node.split(":", 1)[0].strip()) not in KNOWN_AXE_EXCEPTIONS
        ]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


VIEWPORT = {"width": 1280, "height": 900}
#: The widths every page is read at: a desk's window and a phone's (CSS px). At PHONE_WIDTH
#: the page is opened as a phone opens it (its viewport meta tag applies, touch, no hover).
DESK_WIDTH = VIEWPORT["width"]
PHONE_WIDTH = 390
WIDTHS = (DESK_WIDTH, PHONE_WIDTH)
PHONE_VIEWPORT = {"width": PHONE_WIDTH, "height": 844}
SETTLE_MS = 300
MATHJAX_TIMEOUT_MS = 30_000
# True once MathJax 3 has typeset the page, or when the page has no (working) MathJax.
MATHJAX_DONE = """
() => new Promise((resolve) => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) { resolve(true); return; }
  mj.startup.promise.then(() => resolve(true), () => resolve(true));
})
"""
WIDGET_TIMEOUT_MS = 20_000
SCREENSHOT_TIMEOUT_MS = 180_000  # a long page on a phone is a tall picture; a loaded machine


@dataclass
class PageReport:
    """What one visit of one page, in one colour mode, at one width, found."""

    document: str
    mode: str
    url: str
    probe: dict
    js_errors: list[str]
    failed_requests: list[str]
    blocked: list[str]
    axe: list[dict]
    screenshot: Path
    seconds: float
    figures: list[FigureShot] = field(default_factory=list)
    width: int = DESK_WIDTH

    @property
    def layout(self) -> dict:
        """What :data:`LAYOUT_PROBE` measured."""
        return self.probe["layout"]


@dataclass(frozen=True)
class FigureShot:
    """One figure of the chapter as the browser drew it: where, and how its pixels spread."""

    index: int  # among the article's <img> elements
    alt: str
    path: Path
    median: float  # luminance 0..255: the figure's background, in practice
    dark_ink: float  # 1st percentile
    light_ink: float  # 99th percentile

    @property
    def contrast(self) -> float:
        """How far the figure's ink stands out from its background."""
        return max(self.median - self.dark_ink, self.light_ink - self.median)


class Listener:
    """Collects a page's JavaScript errors and failed loopback requests while it is open."""

    def __init__(self, page) -> None:
        self.js_errors: list[str] = []
        self.failed_requests: list[str] = []
        page.on("pageerror", self._on_page_error)
        page.on("console", self._on_console)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_page_error(self, error) -> None:
        message = getattr(error, "message", None) or str(error)
        stack = getattr(error, "stack", None) or ""
        first_frame = next((line for line in stack.splitlines() if " at " in line), "")
        if message in KNOWN_WIDGET_NOISE and WIDGET_EMBEDDER in first_frame:
            return
        if message not in KNOWN_CHROME_NOISE:
            self.js_errors.append(f"uncaught {getattr(error, 'name', 'Error')}: {message}")

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        text = message.text
        if text in KNOWN_CHROME_NOISE:
            return
        if where and not is_local(where):
            return  # a blocked or failing third-party (CDN) resource: expected offline
        if "net::ERR_BLOCKED_BY_CLIENT" in text:
            return  # the console's echo of a request this test blocked on purpose
        self.js_errors.append(f"console.error at {where or '?'}: {text[:500]}")

    def _on_request_failed(self, request) -> None:
        if is_loopback(request.url):
            self.failed_requests.append(f"{request.url}: {request.failure}")

    def _on_response(self, response) -> None:
        if is_loopback(response.url) and response.status >= 400:
            self.failed_requests.append(f"{response.url}: HTTP {response.status}")


class BookInBrowser:
    """The built book, served on a loopback port, and one headless Chromium to read it.

    ``report(document, mode, width)`` visits a page once per mode and width and caches what
    it found; ``open(document, mode)`` gives a live page for tests that interact with it.
    """

    def __init__(self, browser, base_url: str, html_dir: Path, fixtures: NpmFixtures) -> None:
        self.browser = browser
        self.base_url = base_url
        self.html_dir = html_dir
        self.fixtures = fixtures
        self._reports: dict[tuple[str, str, int], PageReport] = {}
        self._fonts: dict[str, float | None] = {}  # an image's smallest text, by its source

    def url(self, document: str) -> str:
        return f"{self.base_url}{document}.html"

    @contextmanager
    def open(
        self, document: str, mode: str = "light", *, widgets: bool = True, width: int = DESK_WIDTH
    ):
        """(page, listener, routes) with ``document`` loaded and settled, in ``mode``, in a
        window ``width`` CSS px wide (:data:`PHONE_WIDTH`: as a phone)."""
        if width == PHONE_WIDTH:
            context = self.browser.new_context(
                viewport=PHONE_VIEWPORT, color_scheme=mode, is_mobile=True, has_touch=True
            )
        else:
            context = self.browser.new_context(
                viewport={**VIEWPORT, "width": width}, color_scheme=mode
            )
        # pydata-sphinx-theme reads the mode from localStorage before the first paint
        context.add_init_script(
            f"try {{ localStorage.setItem('mode', '{mode}'); "
            f"localStorage.setItem('theme', '{mode}'); }} catch (e) {{}}"
        )
        routes = OfflineRoutes()
        context.route("**/*", routes.handle)
        page = context.new_page()
        page.set_default_timeout(30_000)
        listener = Listener(page)
        try:
            page.goto(self.url(document), wait_until="load")
            page.wait_for_function(IMAGES_SETTLED)
            if widgets:
                try:  # the widget test says what went wrong; here, just give them time
                    page.wait_for_function(WIDGETS_RENDERED, timeout=WIDGET_TIMEOUT_MS)
                except Exception as error:  # playwright's TimeoutError
                    if type(error).__name__ != "TimeoutError":
                        raise
            page.wait_for_function(MATHJAX_DONE, timeout=MATHJAX_TIMEOUT_MS)
            page.wait_for_timeout(SETTLE_MS)
            yield page, listener, routes
        finally:
            context.close()

    def report(self, document: str, mode: str = "light", width: int = DESK_WIDTH) -> PageReport:
        key = (document, mode, width)
        if key not in self._reports:
            self._reports[key] = self._visit(document, mode, width)
        return self._reports[key]

    def _visit(self, document: str, mode: str, width: int) -> PageReport:
        """One visit: one probe, one full-page screenshot; at the desk's width also the
        figures' own screenshots and axe-core (the phone's visit checks the layout only)."""
        import time

        start = time.monotonic()
        screenshot = SCREENSHOTS / f"{safe_name(document)}-{width}-{mode}.png"
        with self.open(document, mode, width=width) as (page, listener, routes):
            probe = page.evaluate(PAGE_PROBE)
            self._read_figure_fonts(probe)
            page.screenshot(path=str(screenshot), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
            axe: list = []
            figures: list[FigureShot] = []
            if width != DESK_WIDTH:
                for image in probe["images"]:  # only the desk's visit checks their pixels
                    image["src"] = image["src"][:200]
            else:
                figures = self._shoot_figures(page, document, mode)
                if page.query_selector("article.bd-article") is None:
                    axe = [
                        {
                            "id": "no-article",
                            "impact": "critical",
                            "help": "the page has no article.bd-article to check",
                            "helpUrl": "",
                            "nodes": [],
                        }
                    ]
                else:
                    page.add_script_tag(path=str(self.fixtures.axe_js))
                    axe = page.evaluate(AXE_RUN, AXE_CONTEXT)
            return PageReport(
                document=document,
                mode=mode,
                url=page.url,
                probe=probe,
                js_errors=sorted(set(listener.js_errors)),
                failed_requests=sorted(set(listener.failed_requests)),
                blocked=sorted(set(routes.blocked)),
                axe=axe,
                screenshot=screenshot,
                seconds=time.monotonic() - start,
                width=width,
                figures=figures,
            )

    def _read_figure_fonts(self, probe: dict) -> None:
        """Fill in ``minFontPx`` (the smallest text, in the image's own pixels) of the
        layout probe's images that do not carry it as data-min-font-px: from the PNG's
        record (:func:`png_min_font_px`); None when the image records none."""
        shown = [image for image in probe["images"] if image["inArticle"]]
        for image in probe["layout"]["images"]:
            if image["minFontPx"] is not None or image["index"] >= len(shown):
                continue
            src = shown[image["index"]]["src"]
            key = hashlib.sha256(src.encode()).hexdigest()
            if key not in self._fonts:
                data = image_bytes(self.html_dir, self.base_url, src)
                self._fonts[key] = png_min_font_px(data) if data else None
            image["minFontPx"] = self._fonts[key]

    def _shoot_figures(self, page, document: str, mode: str) -> list[FigureShot]:
        """Screenshots of the article's figures (images at least MIN_FIGURE_SIDE px)."""
        shots = []
        images = page.locator("article.bd-article img")
        for index in range(images.count()):
            image = images.nth(index)
            box = image.bounding_box()
            if box is None or min(box["width"], box["height"]) < MIN_FIGURE_SIDE:
                continue
            image.scroll_into_view_if_needed()
            path = FIGURE_SHOTS / f"{safe_name(document)}-{index}-{mode}.png"
            median, dark, light = luminance_spread(
                image.screenshot(path=str(path)), low=0.05, high=0.95, ink_only=True
            )
            alt = image.get_attribute("alt") or image.get_attribute("title") or ""
            shots.append(FigureShot(index, alt, path, median, dark, light))
        return shots
