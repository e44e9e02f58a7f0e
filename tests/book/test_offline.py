"""The built book works with the network unplugged, and none of its buttons leads nowhere.

Browser tests (headless Chromium, through conftest's ``book_in_browser`` like
test_browser.py): every request to another host is blocked and recorded, nothing is answered in a
CDN's place. Every page must then ask no other host for anything, typeset all its math,
and load every file it asks the book's own server for. (test_browser.py checks that the
widget snapshots draw.)

Static tests of the built HTML: every "Run this chapter in your browser" button leads to
a file of the site and a notebook of the lite site; without a configured repository no
button leads to a repository, Binder or Thebe, and no page names the old placeholder
repository. The vendored MathJax and widget embedder are the npm packages' files.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import browser_support as bs
import pytest

from benor_lib.live import CONTENTS_FOLDER, LITE_APP, LITE_FOLDER

if TYPE_CHECKING:
    from conftest import BookBuild

DOCUMENTS = bs.toc_documents()
REPO = bs.REPO
PLACEHOLDER = "github.com/benor-book/benor-book"
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")


def _book_pages(html_dir: Path) -> list[Path]:
    """The book's own HTML files (not the lite site's, not Sphinx's sources or statics)."""
    skip = {LITE_FOLDER, "_static", "_sources", "_images"}
    return [
        page
        for page in sorted(html_dir.rglob("*.html"))
        if not skip & set(page.relative_to(html_dir).parts[:1])
    ]


# --- offline, in a browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("document", DOCUMENTS)
def test_page_asks_no_other_host(book_in_browser: bs.BookInBrowser, document: str) -> None:
    """Nothing the page loads comes from a CDN (MathJax, widgets, fonts, stylesheets)."""
    report = book_in_browser.report(document)
    assert not report.blocked, (
        f"{document}.html asks other hosts for (an offline reader gets none of it):\n"
        + "\n".join(report.blocked)
    )
    assert not report.failed_requests, f"{document}.html: " + "\n".join(report.failed_requests)


@pytest.mark.browser
@pytest.mark.parametrize("document", DOCUMENTS)
def test_math_is_typeset_offline(book_in_browser: bs.BookInBrowser, document: str) -> None:
    """MathJax, served by the site, typesets every formula: no raw TeX is left to read."""
    probe = book_in_browser.report(document).probe
    raw = sorted({m.group(0) for m in RAW_MATH.finditer(probe["articleText"])})
    lines = [
        line.strip()[:120] for line in probe["articleText"].splitlines() if RAW_MATH.search(line)
    ]
    assert not raw, f"{document}.html shows raw TeX delimiters {raw} in:\n" + "\n".join(lines[:8])
    assert not probe["untypesetMath"], (
        f"{document}.html: {len(probe['untypesetMath'])} formulas were not typeset, e.g. "
        f"{probe['untypesetMath'][:5]}"
    )


@pytest.mark.browser
def test_some_page_has_typeset_math(book_in_browser: bs.BookInBrowser) -> None:
    """The math test above is not vacuous: the book's pages do have formulas, typeset."""
    counts = {d: book_in_browser.report(d).probe["typesetMath"] for d in DOCUMENTS}
    assert sum(counts.values()) > 0, f"no typeset formula on any page: {counts}"


# --- buttons, in the built HTML ---------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = {key: value or "" for key, value in attrs}
            if "href" in values:
                self.links.append(values)


def _live_buttons(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [
        link["href"]
        for link in parser.links
        if "btn-run-in-browser-button" in link.get("class", "")
    ]


def _chapter_notebooks() -> list[str]:
    return [doc for doc in DOCUMENTS if (REPO / f"{doc}.ipynb").is_file()]


@pytest.mark.book
def test_every_chapter_has_a_live_button_that_leads_somewhere(book_build: BookBuild) -> None:
    """Each notebook chapter links to its own notebook in the lite site, and both exist."""
    html_dir = book_build.html_dir
    chapters = _chapter_notebooks()
    assert chapters, "no chapter is a notebook"
    problems = []
    for doc in chapters:
        page = html_dir / f"{doc}.html"
        buttons = _live_buttons(page)
        if len(buttons) != 1:
            problems.append(f"{doc}.html has {len(buttons)} 'Run in your browser' buttons")
            continue
        href = buttons[0]
        url = urlsplit(href)
        if url.scheme or url.netloc or href.startswith("/"):
            problems.append(f"{doc}.html: {href} is not relative to the page")
        target = (page.parent / unquote(url.path)).resolve()
        if target != (html_dir / LITE_FOLDER / LITE_APP).resolve() or not target.is_file():
            problems.append(f"{doc}.html: {href} does not lead to the lite site's app")
        path = parse_qs(url.query).get("path", [""])[0]
        if path != f"{CONTENTS_FOLDER}/{Path(doc).name}.ipynb":
            problems.append(f"{doc}.html: {href} opens {path!r}, not the chapter's notebook")
        if not (html_dir / LITE_FOLDER / "files" / path).is_file():
            problems.append(f"{doc}.html: the lite site has no notebook {path!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_no_button_leads_to_a_repository_that_is_not_configured(book_build: BookBuild) -> None:
    """Without a repository (the default), no repository, issues, Binder or Thebe button."""
    import yaml

    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    if (config.get("repository") or {}).get("url"):
        pytest.skip("_config.yml configures a repository; its buttons are then wanted")
    markers = {
        "repository button": "btn-source-repository-button",
        "issues button": "btn-source-issues-button",
        "Binder button": "mybinder.org/v2/",
        "Thebe button": "btn-launch-thebe",
        "Thebe configuration": "x-thebe-config",
    }
    problems = []
    for page in _book_pages(book_build.html_dir):
        text = page.read_text(encoding="utf-8")
        for what, marker in markers.items():
            if marker in text:
                problems.append(f"{page.relative_to(book_build.html_dir)}: {what} ({marker})")
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_no_page_names_the_placeholder_repository(book_build: BookBuild) -> None:
    html_dir = book_build.html_dir
    hits = [
        str(page.relative_to(html_dir))
        for page in sorted(html_dir.rglob("*"))
        if page.suffix in (".html", ".js", ".json", ".ipynb", ".txt")
        and PLACEHOLDER in page.read_text(encoding="utf-8", errors="replace")
    ]
    assert not hits, f"{PLACEHOLDER} appears in: {hits}"


@pytest.mark.book
def test_pages_load_mathjax_and_widgets_from_the_site(book_build: BookBuild) -> None:
    """The MathJax and widget-embedder scripts of every page are files of the build."""
    html_dir = book_build.html_dir
    problems, seen = [], {"mathjax": 0, "html-manager": 0}
    script = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')
    for page in _book_pages(html_dir):
        for src in script.findall(page.read_text(encoding="utf-8")):
            kind = next((k for k in seen if k in src.lower()), None)
            if kind is None:
                continue
            seen[kind] += 1
            if urlsplit(src).netloc:
                problems.append(f"{page.relative_to(html_dir)} loads {src} from another host")
                continue
            target = Path(unquote(urlsplit(urljoin(page.as_uri(), src)).path))
            if not target.is_file():
                problems.append(f"{page.relative_to(html_dir)}: {src} is not in the build")
    assert all(seen.values()), f"no page loads one of them: {seen}"
    assert not problems, "\n".join(problems)


# --- the vendored files are the npm packages' ---------------------------------------------


@pytest.mark.browser
def test_vendored_files_match_their_npm_packages(npm_fixtures: bs.NpmFixtures) -> None:
    """_offline/ holds unchanged copies (bar the source-map comments) of npm's files."""
    offline = REPO / "_offline"
    pairs = {
        offline / "mathjax": npm_fixtures.mathjax_es5,
        offline / "html-manager": npm_fixtures.html_manager_dist,
    }
    compared, problems = 0, []
    source_map = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")
    for folder, upstream in pairs.items():
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name == "LICENSE":
                continue
            original = upstream / path.relative_to(folder)
            if not original.is_file():
                problems.append(f"{path.relative_to(REPO)}: not in the npm package")
                continue
            ours, theirs = path.read_bytes(), original.read_bytes()
            if path.suffix == ".js":
                ours, theirs = source_map.sub(b"", ours), source_map.sub(b"", theirs)
            compared += 1
            if ours.rstrip() != theirs.rstrip():
                problems.append(f"{path.relative_to(REPO)} differs from {original}")
    assert compared > 20, f"only {compared} vendored files compared"
    assert not problems, "\n".join(problems)
