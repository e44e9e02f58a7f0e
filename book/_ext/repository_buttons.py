"""Sphinx extension: repository, issues, Binder and Thebe buttons only for a real repository.

Those buttons all lead to a public git repository of the book. This book ships without
one (each school or fork has its own), so by default none of them is shown: no page of
the built book has a button that leads nowhere. A repository is configured by

- the environment variable ``BOOK_REPOSITORY_URL`` at build time (and optionally
  ``BOOK_REPOSITORY_BRANCH``), which wins; or
- ``repository: url:`` (and ``branch:``) in ``_config.yml``.

With a repository, the repository and issues buttons appear, and so do the launch buttons
that ``_config.yml`` configures (``launch_buttons: binderhub_url`` and ``thebe``). Without
one, those launch buttons are dropped, and so is sphinx-thebe's per-page configuration
(which would name its own example repository). The "Run this chapter in your browser" button
(``lite_site.py``) needs no repository and is always there.
"""

from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
URL_VARIABLE = "BOOK_REPOSITORY_URL"
BRANCH_VARIABLE = "BOOK_REPOSITORY_BRANCH"
# launch_buttons keys that lead to the repository (sphinx-book-theme 1.x)
_REPOSITORY_LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url")


def repository_url(config: Config) -> str:
    """The configured repository: $BOOK_REPOSITORY_URL, else ``repository: url:``, else ''."""
    theme = config.html_theme_options or {}
    url = os.environ.get(URL_VARIABLE, "").strip() or str(theme.get("repository_url") or "")
    return url.strip().rstrip("/")


def configure(app: Sphinx, config: Config) -> None:
    """Turn the repository-bound buttons on with a repository, off without one."""
    theme = dict(config.html_theme_options or {})
    launch = dict(theme.get("launch_buttons") or {})
    url = repository_url(config)
    if url and not url.startswith(("https://", "http://")):
        LOGGER.warning(
            "repository URL %r is not an http(s) URL; the repository, issues, Binder and "
            "Thebe buttons are left out",
            url,
            type="repository_buttons",
        )
        url = ""
    if url:
        theme["repository_url"] = url
        branch = os.environ.get(BRANCH_VARIABLE, "").strip()
        if branch:
            theme["repository_branch"] = branch
        theme.setdefault("use_repository_button", True)
        theme.setdefault("use_issues_button", True)
    else:
        theme["repository_url"] = ""
        for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            theme[key] = False
        for key in _REPOSITORY_LAUNCHERS:
            launch.pop(key, None)
        launch["thebe"] = False
        _drop_thebe(app)
    theme["launch_buttons"] = launch
    config.html_theme_options = theme


def _drop_thebe(app: Sphinx) -> None:
    """Disconnect sphinx-thebe, which Jupyter Book always loads.

    Without a repository it would still write, into every page, a Thebe configuration
    that names its own example repository on Binder, and load its scripts.
    """
    for event in ("env-before-read-docs", "doctree-resolved"):
        for listener in list(app.events.listeners.get(event, [])):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                app.disconnect(listener.id)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", configure)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
