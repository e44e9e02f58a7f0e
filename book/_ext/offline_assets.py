"""Sphinx extension: the pages load MathJax and the widget embedder from the site, not a CDN.

The files are vendored in the repository's ``_offline/`` folder (see its README for what,
which versions and their licences). This extension

- adds ``_offline/`` to ``html_static_path``, so its files land in the built ``_static/``.
  It does so here, after Jupyter Book has read ``_config.yml``: Jupyter Book 1.x adds every
  ``.js`` and ``.css`` file of the static paths it knows to every page, which for MathJax
  would be dozens of script tags;
- points Sphinx's ``mathjax_path`` at ``_static/mathjax/tex-mml-chtml.js`` (MathJax then
  loads its fonts and extensions from beside it);
- points MyST-NB's ``nb_ipywidgets_js`` at ``_static/html-manager/embed.js``, the
  embedder that needs no require.js and loads its chunks and fonts from beside itself.

Both keys are set here, whatever ``_config.yml`` says: a book that wants the CDNs back
drops this extension. Font Awesome needs nothing: pydata-sphinx-theme ships it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

OFFLINE_FOLDER = "_offline"
MATHJAX_PATH = "mathjax/tex-mml-chtml.js"
WIDGETS_JS = "html-manager/embed.js"


def configure(app: Sphinx, config: Config) -> None:
    """Add the vendored folder to the static path; use its MathJax and widget embedder."""
    folder = Path(app.confdir) / OFFLINE_FOLDER
    for needed in (MATHJAX_PATH, WIDGETS_JS):
        if not (folder / needed).is_file():
            raise ConfigError(
                f"offline_assets: {folder / needed} is missing; the book serves MathJax and "
                f"the widget embedder from {OFFLINE_FOLDER}/ (see {OFFLINE_FOLDER}/README.md)"
            )
    static = list(config.html_static_path)
    if OFFLINE_FOLDER not in static:
        config.html_static_path = [*static, OFFLINE_FOLDER]
    config.mathjax_path = MATHJAX_PATH
    config.nb_ipywidgets_js = {WIDGETS_JS: {}}


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_nb")  # defines nb_ipywidgets_js
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", configure)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
