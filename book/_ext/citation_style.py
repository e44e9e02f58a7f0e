"""Sphinx extension: citations in round brackets, "(Ben-Or, 1983)", in both faces of the book.

A chapter cites with a Markdown link whose target is the BibTeX key and whose text is the
citation itself: ``[(Ben-Or, 1983)](#benor1983)``. JupyterLab (jupyterlab-myst) shows the
link text. In the HTML build MyST resolves ``#benor1983`` through sphinxcontrib-bibtex,
which replaces the text by its own citation, with a tooltip and a link into the
bibliography. This module registers the referencing style ``author_year_round`` (used by
``bibtex_reference_style`` in ``_config.yml``) so that the HTML shows the same round
brackets and "; " between several works as the link text does.

It also registers the bibliography style ``author_year`` (``bibtex_default_style`` in
``_config.yml``): the references page labels each work the way the text cites it,
"[Aguilera and Toueg, 2012]", "[Fischer et al., 1985]", instead of pybtex's alpha labels
("[AT12]"), and sorts the works by author, year and title.
"""

from __future__ import annotations

import dataclasses
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.database import Entry
from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
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


def _last_name(person: Any) -> str:
    """A person's last name as text ("Most{\\'e}faoui" becomes "Mostéfaoui")."""
    parts = person.rich_prelast_names + person.rich_last_names
    return Text(" ").join(parts).render_as("text")


def author_year_label(entry: Entry) -> str:
    """The label of ``entry`` as the text cites it: "Ben-Or, 1983", "Aguilera and Toueg,
    2012", "Fischer et al., 1985" (three or more authors)."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(p) for p in people]
    if not names:
        who = entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    year = entry.fields.get("year", "n.d.")
    return f"{who}, {year}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Bibliography labels that repeat the author-year citation; "a", "b", ... after the
    year when two works would get the same label."""

    def format_labels(self, sorted_entries: Iterable[Entry]) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year_label(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                yield label + string.ascii_lowercase[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(UnsrtStyle):
    """pybtex's unsrt entries, labelled by :class:`AuthorYearLabelStyle`, sorted by author,
    year and title."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


register_pybtex_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)


def setup(app: Sphinx) -> dict[str, Any]:
    """Nothing to connect: importing the module registers the style."""
    return {"parallel_read_safe": True, "parallel_write_safe": True}
