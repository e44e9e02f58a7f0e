"""The book's JupyterLite site (built with the book into <html>/lite/) in headless Chromium.

- With every request to another host blocked, the site's JupyterLab loads (once, from a
  chapter's live link) and opens every chapter, with its prose rendered by jupyterlab-myst.
- With Pyodide's CDN answered from npm's ``pyodide`` core package (at the version the
  kernel expects) and the pure-Python wheels its start-up needs (from PyPI, see
  lite_support.py), and everything else blocked, the Python kernel starts in the browser,
  runs Python, and piplite installs the wheels the site ships (ipywidgets, comm,
  jupyterlab_widgets, tqdm, benor_lib).

Not tried here: numpy and matplotlib inside Pyodide. npm's core package does not carry
them, and no registry this machine reaches serves them built for WebAssembly, so the
chapters' own code (which imports numpy) cannot run in this test. Online, Pyodide loads
them from its CDN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import browser_support as bs
import lite_support as ls
import pytest

from benor_lib.live import CONTENTS_FOLDER, LITE_APP, LITE_FOLDER

if TYPE_CHECKING:
    from conftest import BookBuild

pytestmark = pytest.mark.browser

CHAPTERS = [doc for doc in bs.toc_documents() if (bs.REPO / f"{doc}.ipynb").is_file()]
LAB_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 180_000
SHIPPED = ("ipywidgets", "comm", "jupyterlab_widgets", "tqdm")


@pytest.fixture(scope="module")
def lite_site(
    book_build: BookBuild, chromium_browser, screenshots: Path
) -> Iterator[tuple[str, Path, object]]:
    """(base URL of the built HTML, the lite folder, the module's Chromium)."""
    site = book_build.html_dir / LITE_FOLDER
    assert (site / LITE_APP).is_file(), f"the book build made no JupyterLite site in {site}"
    with bs.serve(book_build.html_dir) as base_url:
        yield base_url, site, chromium_browser


def _lite_url(base_url: str, notebook: str) -> str:
    return f"{base_url}{LITE_FOLDER}/{LITE_APP}?path={notebook}"


def _normal(name: str) -> str:
    """A package name as indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _first_heading(notebook: dict) -> str:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def test_site_fits_its_budget(book_build: BookBuild) -> None:
    """At most 30 MB, and no source maps."""
    site = book_build.html_dir / LITE_FOLDER
    files = [path for path in site.rglob("*") if path.is_file()]
    maps = [str(path.relative_to(site)) for path in files if path.suffix == ".map"]
    size = sum(path.stat().st_size for path in files)
    assert not maps, f"source maps in the lite site: {maps[:10]}"
    assert size <= 30e6, f"the lite site is {size / 1e6:.1f} MB (budget 30 MB)"


def test_site_ships_the_wheels_and_extensions(book_build: BookBuild) -> None:
    site = book_build.html_dir / LITE_FOLDER
    index = json.loads((site / "pypi" / "all.json").read_text(encoding="utf-8"))
    names = {_normal(name) for name in index}
    missing = [name for name in (*SHIPPED, "benor_lib") if _normal(name) not in names]
    assert not missing, f"piplite index of the lite site lacks {missing}"
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    extensions = {ext["name"] for ext in config["jupyter-config-data"]["federated_extensions"]}
    for needed in ("jupyterlab-myst", "@jupyter-widgets/jupyterlab-manager"):
        assert needed in extensions, f"the lite site lacks the lab extension {needed}"


@pytest.fixture(scope="module")
def offline_lab(lite_site) -> Iterator[tuple[object, bs.OfflineRoutes, bs.Listener]]:
    """One offline page of the site's JupyterLab, loaded once for the module.

    It is loaded the way the book's live links load it (``?path=`` the first chapter); the
    other chapters are then opened in the same lab, as a reader's file browser would,
    instead of loading the whole application again for each one.
    """
    base_url, _, browser = lite_site
    context = browser.new_context(viewport=bs.VIEWPORT)
    routes = bs.OfflineRoutes()
    context.route("**/*", routes.handle)
    context.route(ls.EXPOSE_APP, ls.expose_app)
    page = context.new_page()
    listener = bs.Listener(page)
    first = f"{CONTENTS_FOLDER}/{Path(CHAPTERS[0]).name}.ipynb"
    try:
        page.goto(_lite_url(base_url, first), wait_until="load")
        page.wait_for_function(ls.LAB_READY, timeout=LAB_TIMEOUT_MS)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        yield page, routes, listener
    finally:
        context.close()


_OPEN_IN_LAB = """
async (path) => {
  await window.jupyterapp.restored;
  await window.jupyterapp.commands.execute("docmanager:open", { path });
}
"""
_FIND_PANEL = "const panel = Array.from(window.jupyterapp.shell.widgets('main'))"
_FIND_PANEL += ".find((w) => w.context && w.context.path === path);"
# ls.NOTEBOOK_STATE reads the current widget; here, the open panel of one path.
_STATE_OF = ls.NOTEBOOK_STATE.replace("() => {", "(path) => {", 1).replace(
    "const panel = window.jupyterapp.shell.currentWidget;", _FIND_PANEL, 1
)
_CLOSE = "(path) => { " + _FIND_PANEL + " if (panel) { panel.close(); } }"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_lab_opens_the_chapter_offline(offline_lab, lite_site, chapter: str) -> None:
    """JupyterLab loads from the site alone and shows the chapter's prose rendered."""
    page, routes, listener = offline_lab
    site = lite_site[1]
    notebook = f"{CONTENTS_FOLDER}/{Path(chapter).name}.ipynb"
    stored = json.loads((site / "files" / notebook).read_text(encoding="utf-8"))
    title = _first_heading(stored)
    blocked_before = len(routes.blocked)
    failed_before = len(listener.failed_requests)
    page.evaluate(_OPEN_IN_LAB, notebook)
    page.wait_for_function(
        f"(path) => {{ const s = ({_STATE_OF})(path); "
        "return s && s.cells > 0 && s.headings.length > 0; }",
        arg=notebook,
        timeout=LAB_TIMEOUT_MS,
    )
    page.wait_for_timeout(500)
    state = page.evaluate(_STATE_OF, notebook)
    page.screenshot(path=str(bs.SCREENSHOTS / f"lite-{bs.safe_name(chapter)}.png"))
    page.evaluate(_CLOSE, notebook)
    assert state["cells"] == len(stored["cells"]), (
        f"{notebook}: {state['cells']} cells open, {len(stored['cells'])} stored"
    )
    assert title and title in state["headings"], (
        f"{notebook}: heading {title!r} not rendered; rendered h1: {state['headings']}"
    )
    blocked = routes.blocked[blocked_before:]
    others = [url for url in blocked if not ls.PYODIDE_CDN.match(url)]
    assert not others, f"{notebook}: the lite site asked other hosts for: {others}"
    failed = listener.failed_requests[failed_before:]
    assert not failed, f"{notebook}: " + "\n".join(failed)


def test_kernel_runs_python_and_installs_the_shipped_wheels(
    lite_site, npm_fixtures: bs.NpmFixtures
) -> None:
    """The Pyodide kernel starts from a local Pyodide and piplite installs the site's wheels.

    npm's pyodide package is Pyodide's core only: no numpy, no matplotlib. So benor_lib is
    installed without its dependencies, and importing it stops at numpy, as it must here.
    """
    base_url, site, browser = lite_site
    version = ls.kernel_pyodide_version()
    npm_version = json.loads((npm_fixtures.pyodide / "package.json").read_text())["version"]
    assert npm_version == version, (
        f"the kernel loads Pyodide {version}; tests/package.json has {npm_version}: set "
        f'"pyodide": "{version}" there and run `npm install --package-lock-only` in tests/'
    )
    wheels = ls.ensure_startup_wheels(npm_fixtures.pyodide, bs.FIXTURES / "pyodide-wheels")
    index = json.loads((site / "pypi" / "all.json").read_text(encoding="utf-8"))
    by_name = {_normal(name): entry for name, entry in index.items()}
    pins = {name: next(iter(by_name[_normal(name)]["releases"])) for name in SHIPPED}
    routes = ls.PyodideRoutes(npm_fixtures.pyodide, wheels, version)
    context = browser.new_context(viewport=bs.VIEWPORT)
    context.route("**/*", routes.handle)
    context.route(ls.EXPOSE_APP, ls.expose_app)
    page = context.new_page()
    notebook = f"{CONTENTS_FOLDER}/{Path(CHAPTERS[0]).name}.ipynb"

    def run(code: str) -> tuple[str, str, list[dict]]:
        result = page.evaluate(ls.RUN_IN_KERNEL, [code, KERNEL_TIMEOUT_MS])
        return result["status"], ls.output_text(result["outputs"]), result["outputs"]

    try:
        page.set_default_timeout(KERNEL_TIMEOUT_MS)
        page.goto(_lite_url(base_url, notebook), wait_until="load")
        page.wait_for_function(ls.LAB_READY, timeout=LAB_TIMEOUT_MS)
        page.wait_for_function(f"() => !!({ls.NOTEBOOK_STATE})()", timeout=LAB_TIMEOUT_MS)

        status, text, _ = run("import sys; print(sys.platform, *sys.version_info[:2], 6 * 7)")
        assert status == "ok", f"the kernel could not run Python: {text}"
        assert text.split() == ["emscripten", "3", "14", "42"], text

        specs = " ".join(f"{name}=={pin}" for name, pin in pins.items())
        status, text, _ = run(f"%pip install {specs}")
        assert status == "ok", f"piplite could not install {specs}: {text}"
        status, text, outputs = run(
            "import importlib.metadata as m, ipywidgets\n"
            f"print(*[m.version(n) for n in {list(SHIPPED)!r}])\n"
            "ipywidgets.IntSlider(value=3)"
        )
        assert status == "ok", text
        assert text.split()[: len(SHIPPED)] == list(pins.values()), (text, pins)
        views = [
            o
            for o in outputs
            if "application/vnd.jupyter.widget-view+json" in o["content"].get("data", {})
        ]
        assert views, f"the slider has no widget view (no comm?): {outputs}"

        status, text, _ = run("%pip install --no-deps benor_lib")
        assert status == "ok", f"piplite could not install benor_lib from the site: {text}"
        status, text, _ = run("import importlib.metadata as m; print(m.version('benor_lib'))")
        assert status == "ok" and text.strip(), text
        status, text, _ = run("import benor_lib")
        assert status == "error" and "numpy" in text, (
            "npm's Pyodide core has no numpy, so importing benor_lib should stop there; "
            f"got {status}: {text}"
        )
        page.screenshot(path=str(bs.SCREENSHOTS / "lite-kernel.png"))
    finally:
        context.close()
    assert not routes.blocked, f"requests to other hosts: {routes.blocked}"
    assert "pyodide.asm.wasm" in routes.served, routes.served


def test_a_classroom_site_serves_its_own_pyodide(
    lite_site, npm_fixtures: bs.NpmFixtures, tmp_path: Path
) -> None:
    """``lite_pyodide`` set to a Pyodide folder: the site carries it, the kernel needs no CDN.

    The folder is npm's core package with the start-up wheels (see lite_support); the site
    is built by the book's own builder (book/_ext/lite_site.py) with one chapter, and every
    request to another host is blocked.
    """
    import sys

    browser = lite_site[2]
    sys.path.insert(0, str(bs.REPO / "book" / "_ext"))
    import lite_site

    wheels = ls.ensure_startup_wheels(npm_fixtures.pyodide, bs.FIXTURES / "pyodide-wheels")
    folder = ls.assemble_pyodide(npm_fixtures.pyodide, wheels, tmp_path / "pyodide")
    html = tmp_path / "html"
    chapter = bs.REPO / f"{CHAPTERS[0]}.ipynb"
    source = lite_site.pyodide_source(str(folder), bs.REPO)
    assert source.kind == "folder"
    lite_site.build_lite_site(
        [chapter], bs.REPO, tmp_path / "staging", html / LITE_FOLDER, pyodide=source
    )
    copied = html / LITE_FOLDER / "static" / "pyodide"
    assert (copied / "pyodide.asm.wasm").is_file(), "the site has no copy of Pyodide"
    notebook = f"{CONTENTS_FOLDER}/{chapter.name}"
    with bs.serve(html) as base_url:
        context = browser.new_context(viewport=bs.VIEWPORT)
        routes = bs.OfflineRoutes()
        context.route("**/*", routes.handle)
        context.route(ls.EXPOSE_APP, ls.expose_app)
        page = context.new_page()
        page.set_default_timeout(KERNEL_TIMEOUT_MS)
        try:
            page.goto(_lite_url(base_url, notebook), wait_until="load")
            page.wait_for_function(ls.LAB_READY, timeout=LAB_TIMEOUT_MS)
            page.wait_for_function(f"() => !!({ls.NOTEBOOK_STATE})()", timeout=LAB_TIMEOUT_MS)
            result = page.evaluate(ls.RUN_IN_KERNEL, ["print(sum(range(10)))", KERNEL_TIMEOUT_MS])
            page.screenshot(path=str(bs.SCREENSHOTS / "lite-classroom-kernel.png"))
        finally:
            context.close()
    text = ls.output_text(result["outputs"])
    assert result["status"] == "ok" and text.strip() == "45", text
    assert not routes.blocked, f"the classroom site asked other hosts for: {routes.blocked}"
