"""Where the live (JupyterLite) copy of a chapter is, in the built book.

The book build (``book/_ext/lite_site.py``) puts a JupyterLite site in the folder
:data:`LITE_FOLDER` of the built HTML, with every chapter notebook under
:data:`CONTENTS_FOLDER`. The chapter pages link to it ("Run this chapter in your
browser"), and so can the notes beside the widgets, through :func:`live_chapter_url`.
Both sides read the names below, so they cannot drift apart.
"""

from __future__ import annotations

import re
from urllib.parse import quote

#: The JupyterLite site's folder, relative to the root of the built HTML.
LITE_FOLDER = "lite"
#: The JupyterLite app that opens a notebook, relative to :data:`LITE_FOLDER`.
LITE_APP = "lab/index.html"
#: The folder of the chapter notebooks inside the JupyterLite site (as in the repository).
CONTENTS_FOLDER = "book"

_CHAPTER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def live_notebook_path(chapter: str) -> str:
    """The path of ``chapter``'s notebook inside the JupyterLite site (``book/<chapter>.ipynb``).

    ``chapter`` is the notebook's name without folder or extension (``"algorithm"``); a
    trailing ``.ipynb`` is accepted. Raises ValueError for anything else.
    """
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a str such as 'algorithm', not {type(chapter).__name__}")
    name = chapter.removesuffix(".ipynb")
    if not _CHAPTER.fullmatch(name) or name.endswith("."):
        raise ValueError(
            f"chapter must be a notebook name without folder, such as 'algorithm'; got {chapter!r}"
        )
    return f"{CONTENTS_FOLDER}/{name}.ipynb"


def live_chapter_url(chapter: str, *, depth: int = 1) -> str:
    """The link from a built page to ``chapter`` running live in the reader's browser.

    The link is relative, so that it works wherever the book is hosted (a web server's
    root, a sub-folder, or ``localhost``). ``depth`` is how many folders below the site's
    root the linking page is: 1 for a chapter page (``book/<chapter>.html``), 0 for a page
    at the root. For example ``live_chapter_url("algorithm")`` is
    ``"../lite/lab/index.html?path=book/algorithm.ipynb"``.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be an int >= 0 (folders below the site root); got {depth!r}")
    up = "../" * depth
    path = quote(live_notebook_path(chapter), safe="/")
    return f"{up}{LITE_FOLDER}/{LITE_APP}?path={path}"
