"""How the chapters write computed numbers, citations and cross-references (issue 12), for
the tests that read chapter sources. Nothing here is a test.

- a computed number is an inline expression, ``{eval}`name```, where ``name`` is assigned
  by an earlier code cell (MyST-NB's inline execution and jupyterlab-myst both evaluate it
  in the kernel when the Markdown cell is reached);
- a citation is a link to its BibTeX key whose text is the citation:
  ``[(Ben-Or, 1983)](#benor1983)``;
- a link to another page is a Markdown link to its file: ``[text](model.ipynb#anchor)``.
"""

from __future__ import annotations

import ast
import re

import nbformat

EVAL = re.compile(r"\{eval\}`([^`]+)`")
CITATION = re.compile(r"\[\(([^\]]+)\)\]\(#([A-Za-z0-9_,-]+)\)")
PAGE_LINK = re.compile(r"\]\(([\w-]+)\.(ipynb|md)(#[\w-]+)?\)")


def assigned_names(source: str) -> set[str]:
    """Every name a code cell binds: assignments, loop targets, defs, imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def eval_names(text: str) -> list[str]:
    """The expressions of the ``{eval}`` roles in ``text``."""
    return EVAL.findall(text)


def undefined_evals(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, name) for every ``{eval}`` whose name no earlier code cell assigns."""
    seen: set[str] = set()
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            seen |= assigned_names(cell.source)
        elif cell.cell_type == "markdown":
            missing += [(i, name) for name in eval_names(cell.source) if name not in seen]
    return missing


def cited_keys(text: str) -> set[str]:
    """The BibTeX keys of the citation links in ``text``."""
    return {k for _, group in CITATION.findall(text) for k in group.split(",")}
