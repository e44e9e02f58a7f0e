"""Sphinx extension: citations in round brackets, "(Ben-Or, 1983)", in both faces of the book.

A chapter cites with a Markdown link whose target is the BibTeX key and whose text is the
citation itself: ``[(Ben-Or, 1983)](#benor1983)``. JupyterLab (jupyterlab-myst) shows the
link text. In the HTML build MyST resolves ``#benor1983`` through sphinxcontrib-bibtex,
which replaces the text by its own citation, with a tooltip and a link into the
bibliography. This module registers the referencing style ``author_year_round`` (used by
``bibtex_reference_style`` in ``_config.yml``) so that the HTML shows the same round
brackets and "; " between several works as the link text does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sphinx.application import Sphinx
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclasses.dataclass
class RoundAuthorYearStyle(AuthorYearReferenceStyle):
    """Author-year citations in round brackets, several works separated by "; "."""

    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYearStyle)


def setup(app: Sphinx) -> dict[str, Any]:
    """Nothing to connect: importing the module registers the style."""
    return {"parallel_read_safe": True, "parallel_write_safe": True}
