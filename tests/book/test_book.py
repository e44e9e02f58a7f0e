"""The book as a reader gets it: it builds cleanly, and its pages are complete and sound.

The tests that use ``book_build`` share one build per session (conftest.py), which runs
every chapter once on a fresh kernel; they are marked ``book`` and ``slow``. Select or skip
them with ``-m book`` / ``-m "not slow"``.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import chapter_source
import nbformat
import pytest
import yaml

if TYPE_CHECKING:
    from conftest import BookBuild

REPO = Path(__file__).resolve().parents[2]
BOOK_DIR = REPO / "book"
NOTEBOOKS = sorted(BOOK_DIR.rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def _notebook_id(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root, chapters, sections), without extension."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk([toc])
    return [str(Path(f).with_suffix("")) if Path(f).suffix else f for f in files]


class _Page(HTMLParser):
    """Collects what the tests need from one HTML page: images, links, ids, error outputs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.error_outputs: list[str] = []
        self.text_parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(key):
                self.ids.add(str(attributes[key]))
        classes = set((attributes.get("class") or "").split())
        if "output" in classes and classes & {"stderr", "traceback", "error"}:
            self.error_outputs.append(" ".join(sorted(classes)))
        if tag == "img":
            self.images.append(attributes)
        elif tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        if tag in ("script", "style"):
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


_parsed: dict[Path, _Page] = {}


def parse(page: Path) -> _Page:
    """The parsed page (cached: the suite reads every page several times)."""
    if page not in _parsed:
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8"))
        _parsed[page] = parser
    return _parsed[page]


def html_pages(build: BookBuild) -> list[Path]:
    """Every HTML page of the build, the theme's static files excepted."""
    return sorted(p for p in build.html_dir.rglob("*.html") if "_static" not in p.parts)


def chapter_pages(build: BookBuild) -> list[Path]:
    """The HTML pages of the documents in _toc.yml."""
    return [build.html_dir / f"{name}.html" for name in toc_files()]


# --- the build ------------------------------------------------------------------------


@pytest.mark.book
def test_build_is_warning_free(book_build: BookBuild) -> None:
    assert not book_build.warnings, "the build warned:\n" + "\n".join(book_build.warnings)


@pytest.mark.book
def test_every_toc_page_is_built(book_build: BookBuild) -> None:
    missing = [name for name in toc_files() if not (book_build.html_dir / f"{name}.html").exists()]
    assert not missing, f"pages in _toc.yml without HTML output: {missing}"


@pytest.mark.book
def test_every_image_has_alt_text(book_build: BookBuild) -> None:
    bad = [
        f"{page.relative_to(book_build.html_dir)}: {image.get('src')}"
        for page in html_pages(book_build)
        for image in parse(page).images
        if not (image.get("alt") or "").strip()
    ]
    assert not bad, "images without alt text:\n" + "\n".join(bad)


@pytest.mark.book
def test_no_error_output_or_traceback(book_build: BookBuild) -> None:
    problems = []
    for page in chapter_pages(book_build):
        parsed = parse(page)
        name = page.relative_to(book_build.html_dir)
        problems += [f"{name}: output with classes '{c}'" for c in parsed.error_outputs]
        if "Traceback" in parsed.text:
            problems.append(f"{name}: the word 'Traceback' appears in the page")
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_internal_links_and_anchors_resolve(book_build: BookBuild) -> None:
    broken = []
    for page in html_pages(book_build):
        for href in set(parse(page).links):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue  # external: not checked offline
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(book_build.html_dir)} -> {href}"
            if not target.exists():
                broken.append(f"{where}: no such file")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in parse(target).ids
            ):
                broken.append(f"{where}: no such anchor")
    assert not broken, "broken internal links:\n" + "\n".join(sorted(broken))


# --- the notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_notebook_id)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    dirty = [
        f"cell {i}: outputs={len(cell.get('outputs', []))}, execution_count={cell.execution_count}"
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{_notebook_id(path)} is stored with outputs; clear them "
        f"(jupyter nbconvert --clear-output --inplace {_notebook_id(path)}):\n" + "\n".join(dirty)
    )


def _problem_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """Errors and stderr among a notebook's outputs, by code cell."""
    problems = []
    for i, cell in enumerate(notebook.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue', '')[:200]}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i} wrote to stderr: {out.get('text', '')[:200]!r}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_notebook_id)
def test_every_eval_name_is_assigned_by_an_earlier_code_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    missing = chapter_source.undefined_evals(notebook)
    assert not missing, f"{_notebook_id(path)}: {{eval}} before its code cell: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_notebook_id)
def test_notebook_ran_in_the_build_without_errors_or_stderr(
    book_build: BookBuild, path: Path
) -> None:
    """The build ran the notebook on a fresh kernel: every code cell, no error, no stderr.

    (The build is the one execution of each chapter per test run; nothing runs it again.)
    """
    source = nbformat.read(path, as_version=4)
    executed = book_build.executed(path)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert len(code) == sum(c.cell_type == "code" for c in source.cells)
    not_run = [i for i, c in enumerate(code) if c.execution_count is None and c.source.strip()]
    assert not not_run, f"{_notebook_id(path)}: code cells the build did not run: {not_run}"
    problems = _problem_outputs(executed)
    assert not problems, f"{_notebook_id(path)}:\n" + "\n".join(problems)


def test_the_output_scan_finds_errors_and_stderr() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("1 / 0"),
        nbformat.v4.new_code_cell("import sys; print('x', file=sys.stderr)"),
        nbformat.v4.new_code_cell("print('fine')"),
    ]
    notebook.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError")]
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="x")]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="fine")]
    problems = _problem_outputs(notebook)
    assert len(problems) == 2 and "ZeroDivisionError" in problems[0] and "stderr" in problems[1]
