"""Chapter 10, after Ben-Or: the notebook's conventions, its citations and links, and what the
book build's run of it shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import chapter_source
import nbformat
from mdit_py_plugins.anchors.index import slugify

if TYPE_CHECKING:
    from conftest import BookBuild

REPO = Path(__file__).resolve().parents[2]
BOOK = REPO / "book"
PATH = BOOK / "after.ipynb"


def _cells() -> list[nbformat.NotebookNode]:
    return nbformat.read(PATH, as_version=4).cells


def test_the_chapter_is_in_the_toc_after_framing() -> None:
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    assert toc.index("book/framing") < toc.index("book/after") < toc.index("book/instructors")
    assert "(after.ipynb)" in (BOOK / "instructors.md").read_text(encoding="utf-8")


def test_notebook_conventions() -> None:
    cells = _cells()
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# After Ben-Or")
    code = [c for c in cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.execution_count is None for c in code)
    assert {"remove-input", "remove-output"} <= set(code[0].metadata.get("tags", []))
    for c in code:
        tags = set(c.metadata.get("tags", []))
        if tags & {"remove-input", "hide-input"}:
            assert c.metadata.get("jupyter", {}).get("source_hidden"), c.source[:60]
        assert "remove-cell" not in tags
        if "figure_markdown(" in c.source:
            assert "alt=" in c.source and "name=" in c.source
        assert "benor_lib.apps._" not in c.source and "import _" not in c.source
    called = {m for c in code for m in re.findall(r'check\("([\w-]+)"', c.source)}
    assert called == {"after-1", "after-2", "after-3"}
    solutions = [c for c in cells if ":::{solution}" in c.source]
    assert len(solutions) == 3
    assert all("solution" in c.metadata.get("tags", []) for c in solutions)
    assert not chapter_source.undefined_evals(nbformat.read(PATH, as_version=4))


def test_citations_and_links_resolve() -> None:
    text = "\n".join(c.source for c in _cells() if c.cell_type == "markdown")
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    cited = chapter_source.cited_keys(text)
    assert cited <= keys, cited - keys
    # the primary sources the chapter is about
    assert {"bracha1987", "dls1988", "lamport1998", "ongaro2014", "chandra1996", "cht1996"} <= cited
    assert {"cachin2005", "mmr2014", "miller2016", "canetti1993", "aguilera2012"} <= cited
    assert "{cite" not in text and "{doc}" not in text
    for page, suffix, anchor in chapter_source.PAGE_LINK.findall(text):
        target = BOOK / f"{page}.{suffix}"
        assert target.exists(), page
        if anchor and suffix == "ipynb":  # a heading of levels 1-3 (myst_heading_anchors: 3)
            headings = [
                line.lstrip("#").strip()
                for c in nbformat.read(target, as_version=4).cells
                if c.cell_type == "markdown"
                for line in c.source.splitlines()
                if re.match(r"#{1,3} ", line)
            ]
            assert anchor[1:] in {slugify(h) for h in headings}, f"{page}{anchor}"
    assert "correctness.ipynb#agreement" in text and "rounds.ipynb#a-common-coin" in text


def test_the_build_ran_the_chapter_without_stderr_and_shows_its_outputs(
    book_build: BookBuild,
) -> None:
    notebook = book_build.executed(PATH)
    shown = []
    for i, cell in enumerate(notebook.cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"cell {i} raised"
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), (
                f"cell {i} wrote to stderr: {out.get('text', '')[:300]}"
            )
            shown.append(out.get("data", {}).get("text/markdown", "") + out.get("text", ""))
    text = "\n".join(shown)
    for name in (
        "tab-after-rb",
        "fig-after-messages",
        "fig-after-rounds",
        "tab-after-quorums",
        "tab-after-coin",
        "tab-after-results",
        "tab-after-costs",
    ):
        assert f":name: {name}" in text, name
    assert "Termination fails" in text  # the n = 3t run, explained
