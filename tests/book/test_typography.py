"""Typography and theming without a browser (issue 19): book/_ext/typography.py (proofs,
table captions, wide tables), the bibliography's labels (book/_ext/citation_style.py),
the rules in _static/book.css, and the chapters' captions and exercise cells.

Cheap: no book build, no notebook execution.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "book" / "_ext"))

import citation_style  # noqa: E402
import typography  # noqa: E402

CHAPTERS = sorted((REPO / "book").glob("*.ipynb"))
CSS = (REPO / "_static" / "book.css").read_text(encoding="utf-8")


# --- proofs ---------------------------------------------------------------------------------


def _proof_doc(*children: nodes.Node) -> nodes.document:
    doc = new_document("test", get_default_settings(Parser))
    box = nodes.admonition("", *children, classes=["proof", "proof"], ids=["proof"])
    doc += box
    return doc


def test_proof_gets_its_name_set_apart_and_an_end_mark() -> None:
    doc = _proof_doc(nodes.paragraph("", "Proof. Suppose p sends D(v)."))
    typography.style_proofs(None, doc, "x")  # type: ignore[arg-type]
    para = next(iter(doc.findall(nodes.paragraph)))
    assert isinstance(para[0], nodes.inline) and para[0].astext() == "Proof."
    assert "benor-proof-name" in para[0]["classes"]
    assert para.astext() == "Proof. Suppose p sends D(v)." + typography.QED
    marks = [n for n in doc.findall(nodes.inline) if "benor-qed" in n["classes"]]
    assert len(marks) == 1
    typography.style_proofs(None, doc, "x")  # type: ignore[arg-type]  # runs twice: one mark
    assert len([n for n in doc.findall(nodes.inline) if "benor-qed" in n["classes"]]) == 1


def test_proof_ending_in_a_display_gets_the_mark_on_a_line_of_its_own() -> None:
    doc = _proof_doc(nodes.paragraph("", "Proof. Since"), nodes.math_block("", "a = b"))
    typography.style_proofs(None, doc, "x")  # type: ignore[arg-type]
    box = next(iter(doc.findall(nodes.admonition)))
    assert isinstance(box[-1], nodes.paragraph) and "benor-qed-line" in box[-1]["classes"]
    assert box[-1].astext() == typography.QED


def test_other_admonitions_are_left_alone() -> None:
    doc = new_document("test", get_default_settings(Parser))
    doc += nodes.admonition("", nodes.paragraph("", "Proof. not one"), ids=["lemma-1"])
    typography.style_proofs(None, doc, "x")  # type: ignore[arg-type]
    assert typography.QED not in doc.astext()


# --- tables ---------------------------------------------------------------------------------


def _table(caption: str | None, headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th class="head"><p>{h}</p></th>' for h in headings)
    body = "".join(
        '<tr class="row-even">'
        + "".join(f'<td class="text-right"><p>{c}</p></td>' for c in r)
        + "</tr>"
        for r in rows
    )
    cap = (
        f'<caption><span class="caption-number">Table 1 </span>{caption}</caption>'
        if caption
        else ""
    )
    return (
        '<p>before</p><div class="pst-scrollable-table-container">'
        f'<table class="table" id="tab-x">\n{cap}\n<thead>\n<tr class="row-odd">{head}</tr>\n'
        f"</thead>\n<tbody>\n{body}</tbody>\n</table>\n</div><p>after</p>"
    )


def test_caption_moves_out_of_the_scroll_box() -> None:
    out = typography.fix_tables(_table("A short table.", ["n", "t"], [["3", "1"]]))
    box = out.index('<div class="pst-scrollable-table-container">')
    caption = out.index('<div class="benor-table-caption" id="tab-x-caption">')
    assert caption < box and "<caption>" not in out
    assert "A short table." in out[caption:box]
    assert 'aria-labelledby="tab-x-caption"' in out
    assert "benor-stack" not in out  # two short columns fit a phone


def test_wide_table_stacks_on_a_phone_with_labelled_cells() -> None:
    headings = ["system", "behaviour", "runs", "all decided", "agreement or validity broken"]
    rows = [[r"\(n = 11,\ t = 2\)", "equivocate", "20", "16", "0"]]
    out = typography.fix_tables(_table("Wide.", headings, rows))
    assert 'class="benor-stack table"' in out
    for heading in headings:
        assert f'data-label="{heading}"' in out
    assert out.count("data-label=") == len(headings)  # body cells only, not the headings
    # shown as cards, it stays a table for screen readers
    assert 'role="table"' in out and 'role="row"' in out and 'role="columnheader"' in out
    assert out.count('role="cell"') == len(headings)


def test_too_wide_counts_unbreakable_pieces() -> None:
    math = '<span class="math notranslate nohighlight">\\(n = 11,\\ t = 2\\)</span>'
    assert typography.longest_unbreakable(f"<p>{math} and more</p>") >= len("n = 11, t = 2")
    assert typography.longest_unbreakable("<p>a somewhat longer text</p>") == len("somewhat")
    assert not typography.too_wide([["n", "t", "mean"], ["3", "1", "4"]])
    assert typography.too_wide([["agreement or validity broken"] * 4, ["x"] * 4])


# --- bibliography labels --------------------------------------------------------------------


def test_bibliography_labels_repeat_the_citations_in_the_text() -> None:
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    bib = parse_file(str(REPO / "book" / "references.bib"))
    style = find_plugin("pybtex.style.formatting", "author_year")()
    labels = {e.key: e.label for e in style.format_bibliography(bib)}
    assert labels["benor1983"] == "Ben-Or, 1983"
    assert labels["aguilera2012"] == "Aguilera and Toueg, 2012"
    assert labels["flp1985"] == "Fischer et al., 1985"
    assert labels["mmr2014"] == "Mostéfaoui et al., 2014"  # LaTeX accents become text
    assert len(set(labels.values())) == len(labels)
    # every citation written in a chapter, [(Author, year)](#key), names its work's label
    cited = 0
    for chapter in [*CHAPTERS, *sorted((REPO / "book").glob("*.md"))]:
        text = chapter.read_text(encoding="utf-8")
        for written, key in re.findall(r"\[\(([^()\]]+)\)\]\(#([a-z0-9]+)\)", text):
            assert written == labels[key], (chapter.name, written, labels[key])
            cited += 1
    assert cited > 10


def test_same_label_twice_gets_letters() -> None:
    from pybtex.database import Entry, Person

    def entry(title: str) -> Entry:
        e = Entry("article", fields={"title": title, "year": "1983"})
        e.persons["author"] = [Person("Rabin, Michael O.")]
        return e

    labels = list(citation_style.AuthorYearLabelStyle().format_labels([entry("A"), entry("B")]))
    assert labels == ["Rabin, 1983a", "Rabin, 1983b"]


def test_config_uses_the_author_year_styles() -> None:
    config = (REPO / "_config.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+bibtex_default_style: author_year\s*$", config, re.M)
    assert re.search(r"^\s+bibtex_reference_style: author_year_round\s*$", config, re.M)
    assert re.search(r"^\s+typography: book/_ext\b", config, re.M)


# --- CSS --------------------------------------------------------------------------------------


def _rules(selector_part: str) -> list[str]:
    """The declaration blocks of the rules whose selector contains ``selector_part``."""
    return [body for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS) if selector_part in sel]


def test_css_headings_and_captions() -> None:
    assert any("font-weight: 600" in b for b in _rules(".bd-article h2"))
    assert any("font-weight: 600" in b for b in _rules(".bd-article h3"))
    assert any("font-weight: 400" in b for b in _rules("figcaption"))


def test_css_dark_theme_feedback_and_phone_rules() -> None:
    dark = _rules(
        'html[data-theme="dark"] .bd-content .bd-article div.cell_output div.text_html:has('
    )
    assert dark and "background-color: transparent" in dark[0]
    assert re.search(r"@media \(max-width: 600px\)\s*\{[^@]*white-space: pre-wrap", CSS)
    assert re.search(r"@media \(max-width: 600px\)\s*\{[^@]*table\.benor-stack", CSS)
    assert any("attr(data-label)" in b for b in _rules("benor-stack td::before"))


def test_feedback_html_carries_the_class_the_css_needs() -> None:
    from benor_lib.classroom.core import Feedback

    html = Feedback("malformed", "Replace the ... with your answer.")._repr_html_()
    assert 'class="benor-feedback benor-feedback-malformed"' in html


# --- chapters ---------------------------------------------------------------------------------

ASCII_MATH = re.compile(r"\^\(|\^-|⌊|√")


def _captions(nb: dict) -> list[str]:
    out = []
    for cell in nb["cells"]:
        caption = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption")
        if caption:
            out.append(caption)
        src = "".join(cell["source"])
        out += re.findall(r"\{table\}([^\n]*)", src)
        out += re.findall(r"caption\s*=\s*\(([^)]*)\)", src)
    return out


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_captions_write_math_as_math(chapter: Path) -> None:
    nb = json.loads(chapter.read_text(encoding="utf-8"))
    for caption in _captions(nb):
        outside = re.sub(r"\$[^$]*\$", "", caption)  # drop $...$
        assert not ASCII_MATH.search(outside), (chapter.name, caption)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_exercise_output_is_never_hidden(chapter: Path) -> None:
    # feedback and results show the same way everywhere: none behind "Show code cell output"
    nb = json.loads(chapter.read_text(encoding="utf-8"))
    hidden = [
        c.get("id")
        for c in nb["cells"]
        if c["cell_type"] == "code" and "hide-output" in c.get("metadata", {}).get("tags", [])
    ]
    assert hidden == [], (chapter.name, hidden)
