"""The API reference as a reader gets it: pages by task, every public name once, and no
generator leftovers (named-tuple field aliases, dumps of constants, literal reST markup).

Reads the session's one book build (``book_build``); only the last test opens a browser
(the module's Chromium), on two pages.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

import benor_lib

if TYPE_CHECKING:
    from conftest import BookBuild

pytestmark = [pytest.mark.book, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "book" / "_ext"))
from benor_autodoc import VALUE_MAX_CHARS, lookup  # noqa: E402  (the book's extension)

INDEX = "book/api"
CODE_LINE_MAX = 82  # characters of code that fit the text column at 1280 px
OBJECTS_PER_PAGE_MAX = 150  # documented objects on one page (the old single page had 685)


def api_documents() -> list[str]:
    """The group pages listed under the API index in _toc.yml, in order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    found: list[list[str]] = []

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if entry.get("file") == INDEX:
                found.append([child["file"] for child in entry.get("sections", [])])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk([toc])
    assert len(found) == 1, f"_toc.yml lists {INDEX} {len(found)} times"
    return found[0]


def soup(build: BookBuild, document: str) -> Any:
    from bs4 import BeautifulSoup

    page = build.html_dir / f"{document}.html"
    assert page.is_file(), f"the build has no {page}"
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def article(build: BookBuild, document: str) -> Any:
    found = soup(build, document).select_one("article.bd-article")
    assert found is not None, f"{document}: no article"
    return found


def prose_text(node: Any) -> str:
    """The text of ``node`` as it reads, without code blocks, scripts and inline code."""
    node = _copy(node)
    for unwanted in node.select("pre, script, style, code"):
        unwanted.decompose()
    return node.get_text()


def _copy(node: Any) -> Any:
    from bs4 import BeautifulSoup

    return BeautifulSoup(str(node), "html.parser")


@pytest.fixture(scope="module")
def pages(book_build: BookBuild) -> dict[str, Any]:
    """Every API page's article, by document name, the index first."""
    return {doc: article(book_build, doc) for doc in [INDEX, *api_documents()]}


def documented_ids(pages: dict[str, Any]) -> dict[str, list[str]]:
    """The documented objects (autodoc's ``<dt id=...>``) of each page."""
    return {doc: [dt["id"] for dt in page.select("dl.py > dt[id]")] for doc, page in pages.items()}


# --- pages by task ----------------------------------------------------------------------


def test_the_index_links_every_group_page_and_each_page_says_which_chapters_use_it(
    pages: dict[str, Any],
) -> None:
    groups = api_documents()
    assert len(groups) >= 6, f"the API reference has only {len(groups)} group pages"
    index_links = {a["href"].split("#")[0] for a in pages[INDEX].select("a[href]")}
    missing = [doc for doc in groups if f"{Path(doc).name}.html" not in index_links]
    assert not missing, f"the API index does not link to {missing}"
    api_names = {Path(doc).name for doc in [INDEX, *groups]}
    for doc in groups:
        intro = pages[doc].select_one("section > p")
        assert intro is not None, f"{doc}: no introduction"
        chapters = [
            a["href"]
            for a in intro.select("a.reference.internal[href]")
            if a["href"].endswith(".html") and Path(a["href"]).stem not in api_names
        ]
        assert chapters, f"{doc}: its introduction links to no chapter: {intro.get_text()!r}"


def test_each_page_is_short_enough_to_use(pages: dict[str, Any]) -> None:
    counts = {doc: len(ids) for doc, ids in documented_ids(pages).items()}
    too_long = {doc: n for doc, n in counts.items() if n > OBJECTS_PER_PAGE_MAX}
    assert not too_long, f"pages with more than {OBJECTS_PER_PAGE_MAX} objects: {too_long}"
    assert sum(counts.values()) > 3 * OBJECTS_PER_PAGE_MAX, counts  # the pages are not empty


def test_every_public_name_is_documented_once(pages: dict[str, Any]) -> None:
    ids = [i for page_ids in documented_ids(pages).values() for i in page_ids]
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicated, f"documented twice: {duplicated}"
    problems = []
    for name in benor_lib.__all__:
        public = getattr(benor_lib, name)
        same = [i for i in ids if i.rsplit(".", 1)[-1] == name and lookup(i) is public]
        if len(same) != 1:
            problems.append(f"benor_lib.{name} is documented {len(same)} times: {same}")
    assert not problems, "\n".join(problems)


def test_section_headings_are_module_names_not_repeated_introductions(
    pages: dict[str, Any],
) -> None:
    """A module's section is headed by its name alone; the introduction is its docstring,
    once. No paragraph of the reference appears twice."""
    bad_headings = []
    paragraphs: Counter[str] = Counter()
    for doc, page in pages.items():
        for h2 in page.select("h2"):
            title = h2.get_text().rstrip("#").strip()
            if doc != INDEX and not re.fullmatch(r"benor_lib(\.\w+)*", title):
                bad_headings.append(f"{doc}: {title!r}")
        for p in page.select("p"):
            text = " ".join(p.get_text().split())
            if len(text) > 80:
                paragraphs[text] += 1
    assert not bad_headings, f"headings that are not a module's name: {bad_headings}"
    repeated = [text[:100] for text, n in paragraphs.items() if n > 1]
    assert not repeated, f"paragraphs shown more than once: {repeated}"


# --- no generator leftovers -------------------------------------------------------------


def test_no_alias_entries_for_named_tuple_fields(pages: dict[str, Any]) -> None:
    found = {doc: page.get_text().count("Alias for field number") for doc, page in pages.items()}
    assert not any(found.values()), f"'Alias for field number' entries: {found}"


def test_no_constant_is_dumped(pages: dict[str, Any]) -> None:
    long_values = []
    for doc, page in pages.items():
        for dt in page.select("dl.py.data > dt, dl.py.attribute > dt"):
            header = " ".join(dt.get_text().split()).removesuffix("#").removesuffix("[source]")
            value = header.partition(" = ")[2]
            if len(value) > VALUE_MAX_CHARS:
                long_values.append(f"{doc}: {header[:120]} ({len(value)} characters)")
    assert not long_values, "\n".join(long_values)


def test_no_literal_markup_shows(pages: dict[str, Any]) -> None:
    """reST or Markdown markup that did not render (``r = 1..``rounds``, :func:`run`, a
    stray backtick, Markdown math ``$x$`` outside code) shows as literal characters."""
    leftovers = re.compile(r"[`$]|:(?:py:)?(?:func|class|meth|mod|attr|data|obj|exc|ref|doc):")
    found = []
    for doc, page in pages.items():
        text = prose_text(page)
        for match in leftovers.finditer(text):
            found.append(f"{doc}: ...{text[max(0, match.start() - 40) : match.end() + 40]!r}")
    assert not found, "\n".join(found[:20])


def test_code_examples_fit_the_column(pages: dict[str, Any]) -> None:
    long_lines = [
        f"{doc}: {line!r} ({len(line)} characters)"
        for doc, page in pages.items()
        for pre in page.select("pre")
        for line in pre.get_text().splitlines()
        if len(line) > CODE_LINE_MAX
    ]
    assert not long_lines, "\n".join(long_lines)


# --- in the browser -----------------------------------------------------------------------


def test_contents_list_and_headings_fit_the_window(
    book_build: BookBuild, pages: dict[str, Any], chromium_browser
) -> None:
    """The longest group page at 1280 px: every entry of "On this page" stays inside the
    sidebar, and the sidebar scrolls rather than running past the window's bottom. At
    390 px, no module heading runs past the window's right edge."""
    counts = {doc: len(ids) for doc, ids in documented_ids(pages).items()}
    longest = max(counts, key=counts.__getitem__)
    url = (book_build.html_dir / f"{longest}.html").as_uri()
    probe = """() => {
      const toc = document.querySelector('.bd-sidebar-secondary');
      const box = toc.getBoundingClientRect();
      const entries = [...toc.querySelectorAll('nav a')];
      return {
        right: box.right, bottom: box.bottom, window: [innerWidth, innerHeight],
        overflowY: getComputedStyle(toc).overflowY, entries: entries.length,
        outside: entries.filter(a => a.getBoundingClientRect().right > box.right + 1)
                        .map(a => a.textContent.trim()).slice(0, 5),
        headings: [...document.querySelectorAll('article h2')]
          .filter(h => h.getBoundingClientRect().right > innerWidth + 1)
          .map(h => h.textContent.trim()).slice(0, 5),
      };
    }"""
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(url)
        desk = page.evaluate(probe)
        page.set_viewport_size({"width": 390, "height": 800})
        phone = page.evaluate(probe)
    finally:
        page.close()
    assert desk["entries"] > 10, desk
    assert not desk["outside"], f"{longest}: contents entries past the sidebar: {desk}"
    assert desk["bottom"] <= desk["window"][1] + 1 and desk["overflowY"] in ("auto", "scroll"), (
        f"{longest}: the contents list does not fit the window: {desk}"
    )
    assert not phone["headings"], f"{longest}: headings past a 390 px window: {phone}"
