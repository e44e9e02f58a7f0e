"""Sphinx extension: two fixes to the HTML that MyST-NB and sphinx-thebe write on every page.

1. Code-cell toggles. For a cell tagged ``hide-input`` MyST-NB writes
   ``<summary aria-label="Toggle hidden content">`` around the visible words "Show code cell
   source" / "Hide code cell source". The label replaces the visible words as the toggle's
   accessible name, so a speech-input user who says what they see ("click show code cell
   source") misses it (WCAG 2.5.3, axe's label-content-name-mismatch). This extension
   writes the same ``<details>``/``<summary>`` without the label: the summary's name is then
   its visible text, which already says what the toggle does.

2. Duplicate inline scripts. sphinx-thebe 0.3.1 adds its configuration as an inline script
   (``const THEBE_JS_URL = ...``) once the builder exists, and Sphinx 7 then lists it twice
   (file name None and ""), so every page declares the same ``const`` twice and the browser
   reports a SyntaxError. Before a page is rendered, this extension drops every inline
   script whose body repeats an earlier inline script of the same page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sphinx.application import Sphinx

_LATE = 900  # after every other html-page-context handler that adds scripts


def visit_hide_code_cell(self: Any, node: Any) -> None:
    """MyST-NB's ``visit_HideCellInput``, minus the ``aria-label`` on ``<summary>``."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hide_code_cell(self: Any, node: Any) -> None:
    self.body.append("</details>\n")


def drop_duplicate_inline_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep the first of several identical inline scripts (no file, same body) of a page."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[str] = set()
    kept = []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        body = attributes.get("body")
        if not getattr(script, "filename", None) and body:
            key = repr(sorted(attributes.items()))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    scripts[:] = kept  # the builder resets this list before the next page


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_nb")  # register after MyST-NB, so that ours wins
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(
        HideCodeCellNode, override=True, html=(visit_hide_code_cell, depart_hide_code_cell)
    )
    app.connect("html-page-context", drop_duplicate_inline_scripts, priority=_LATE)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
