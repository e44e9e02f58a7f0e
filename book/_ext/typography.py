"""Sphinx extension: typography fixes the theme's CSS cannot make on its own.

1. Proofs. sphinx-proof writes a proof as a box whose first paragraph starts with the plain
   words "Proof. ". Here "Proof." becomes ``<span class="benor-proof-name">`` (set in
   italics by ``_static/book.css``) and the proof ends with an end mark, ∎
   (``<span class="benor-qed">`` at the end of the last paragraph, or a paragraph of its
   own when the proof ends with a display or a list).

2. Table captions outside the scroll box. pydata-sphinx-theme wraps every table in
   ``<div class="pst-scrollable-table-container">``, so on a phone a wide table scrolls
   sideways together with its ``<caption>``, and the caption is clipped on first view.
   Each caption moves out, just above the scroll box, as
   ``<div class="benor-table-caption">`` naming the table (``aria-labelledby``).

3. Wide tables on a phone. A table too wide for a 390 px screen (:func:`too_wide`) gets the
   class ``benor-stack``, and each of its cells a ``data-label`` with its column's heading:
   below 600 px, ``_static/book.css`` shows one card per row, a cell per line, each after
   its heading.
"""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

QED = "\N{END OF PROOF}"

# --- 1. proofs ------------------------------------------------------------------------------


def _is_proof(node: nodes.Node) -> bool:
    return isinstance(node, nodes.admonition) and node.get("ids", [])[:1] == ["proof"]


def style_proofs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Set "Proof." apart and end every proof with an end mark."""
    for box in list(doctree.findall(_is_proof)):
        first = next(iter(box.findall(nodes.paragraph)), None)
        if first is not None and first.children and isinstance(first[0], nodes.Text):
            text = str(first[0])
            if text.startswith("Proof. "):
                name = nodes.inline("", "Proof.", classes=["benor-proof-name"])
                first.replace(first[0], name)
                first.insert(1, nodes.Text(" " + text[len("Proof. ") :]))
        if any("benor-qed" in n.get("classes", []) for n in box.findall(nodes.Element)):
            continue
        mark = nodes.inline("", QED, classes=["benor-qed"])
        last = box.children[-1] if box.children else None
        if isinstance(last, nodes.paragraph):
            last += mark
        else:
            box += nodes.paragraph("", "", mark, classes=["benor-qed-line"])


# --- 2. and 3. tables -----------------------------------------------------------------------

#: The widest table (by :func:`too_wide`'s estimate) that fits a 390 px phone's text column
#: (358 CSS px): the estimate is rough, so the margin is generous.
PHONE_COLUMN_PX = 320
_CHAR_PX = 8.5  # an average character of the body face at 16 px, a little generous
_CELL_PADDING_PX = 16

_TABLE = re.compile(
    r'<div class="pst-scrollable-table-container">(?P<open><table\b[^>]*>)\s*'
    r"(?:<caption>(?P<caption>.*?)</caption>)?(?P<rest>.*?</table>)",
    re.DOTALL,
)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</t[hd]>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TEX = re.compile(r"\\[(]|\\[)]|\\[a-zA-Z]+|[{}\\]")
_MATH_SPAN = re.compile(r'<span class="math[^"]*">(.*?)</span>', re.DOTALL)


def cell_text(cell_html: str) -> str:
    """The visible text of a cell, roughly: no tags, no TeX markup."""
    return " ".join(html.unescape(_TEX.sub("", _TAG.sub("", cell_html))).split())


def longest_unbreakable(cell_html: str) -> int:
    """The characters of a cell's longest piece that cannot wrap: a word, or an inline
    formula (MathJax does not break inline math)."""
    # a formula is set wider than its characters: operators get space around them
    formulas = [len(cell_text(m)) + 2 for m in _MATH_SPAN.findall(cell_html)]
    words = [len(w) for w in cell_text(_MATH_SPAN.sub(" ", cell_html)).split()]
    return max(formulas + words, default=0)


def too_wide(rows: list[list[str]]) -> bool:
    """True when a table with these cells (HTML; the first row holds the headings) cannot fit
    a phone's text column: its columns' longest unbreakable pieces do not fit side by side."""
    width = 0.0
    for column in itertools.zip_longest(*rows, fillvalue=""):
        width += max(map(longest_unbreakable, column)) * _CHAR_PX + _CELL_PADDING_PX
    return width > PHONE_COLUMN_PX


def _add_class(open_tag: str, name: str) -> str:
    if 'class="' in open_tag:
        return open_tag.replace('class="', f'class="{name} ', 1)
    return open_tag[:-1] + f' class="{name}">'


def _stack(open_tag: str, body: str) -> tuple[str, str]:
    """A wide table's opening tag and body, with a ``data-label`` on every body cell."""
    head = re.search(r"<thead>(.*?)</thead>", body, re.DOTALL)
    rows = [[c[2] for c in _CELL.findall(r)] for r in _ROW.findall(body)]
    if head is None or not too_wide(rows):
        return open_tag, body
    labels = [cell_text(c[2]) for c in _CELL.findall(head.group(1))]

    def label_row(row: re.Match[str]) -> str:
        cells = iter(labels)

        def label_cell(cell: re.Match[str]) -> str:
            tag, attrs, inner = cell.groups()
            label = html.escape(next(cells, ""), quote=True)
            return f'<{tag}{attrs} role="cell" data-label="{label}">{inner}</{tag}>'

        return _CELL.sub(label_cell, row.group(0))

    tbody = re.search(r"<tbody>.*?</tbody>", body, re.DOTALL)
    if tbody is None:
        return open_tag, body
    labelled = _ROW.sub(label_row, tbody.group(0))
    body = body[: tbody.start()] + labelled + body[tbody.end() :]
    # CSS display values other than table strip a table's semantics in some browsers; the
    # ARIA roles keep it a table for screen readers when it is shown as cards
    body = re.sub(r"<(thead|tbody)>", r'<\1 role="rowgroup">', body)
    body = re.sub(r"<tr\b", '<tr role="row"', body)
    body = re.sub(r"<th\b(?![^>]*\brole=)", '<th role="columnheader"', body)
    open_tag = open_tag[:-1] + ' role="table">'
    return _add_class(open_tag, "benor-stack"), body


def fix_tables(body: str) -> str:
    """Move each table's caption out of its scroll box; mark wide tables for phones."""
    counter = itertools.count(1)

    def fix(match: re.Match[str]) -> str:
        open_tag, caption, rest = match.group("open"), match.group("caption"), match.group("rest")
        open_tag, rest = _stack(open_tag, rest)
        box = f'<div class="pst-scrollable-table-container">{open_tag}\n{rest}'
        if caption is None:
            return box
        ident = re.search(r'\bid="([^"]+)"', open_tag)
        caption_id = f"{ident.group(1) if ident else f'benor-table-{next(counter)}'}-caption"
        open_labelled = open_tag[:-1] + f' aria-labelledby="{caption_id}">'
        return (
            f'<div class="benor-table-caption" id="{caption_id}">{caption}</div>\n'
            f'<div class="pst-scrollable-table-container">{open_labelled}\n{rest}'
        )

    return _TABLE.sub(fix, body)


def on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Rewrite the tables of the page's body."""
    body = context.get("body")
    if isinstance(body, str) and "pst-scrollable-table-container" in body:
        context["body"] = fix_tables(body)


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the proof transform and the table rewrite."""
    app.connect("doctree-resolved", style_proofs)
    app.connect("html-page-context", on_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
