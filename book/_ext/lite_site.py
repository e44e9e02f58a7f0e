"""Sphinx extension: the chapters run live in the reader's browser (a JupyterLite site).

After the HTML is written, ``jupyter lite build`` (jupyterlite-core with the Pyodide
kernel) makes a JupyterLite site in ``<html>/lite/`` (:data:`benor_lib.live.LITE_FOLDER`):

- every chapter notebook of the table of contents, as stored in ``book/`` (no outputs),
  under ``book/``, with one cell put first that installs the book's library;
- the lab extensions of the build environment: jupyterlab-myst (the prose renders as in
  the book) and the ipywidgets manager (the widgets work);
- wheels for piplite: ``benor_lib``, made here from the working tree, and the pure-Python
  packages it needs that Pyodide lacks (:data:`DEFAULT_WHEELS`, at the versions installed
  in the build environment, fetched with ``pip download`` once and cached in the staging
  folder). numpy and matplotlib come from Pyodide's own distribution.

Every chapter page gets a "Run this chapter in your browser" button that opens its
notebook there. The link is relative to the page, so it works on any host and path.

The site is built without source maps and without the font formats no WebAssembly-capable
browser asks for (EOT, TTF, SVG fonts beside their WOFF2). An unchanged site is not built
again: a stamp of everything that goes in is kept beside it.

The site needs only the stored notebooks, not their executed form, so it is built in a
background thread that starts when Sphinx begins reading (``env-before-read-docs``) and
runs while the chapters execute; ``build-finished`` waits for it and reports.

Configuration (``_config.yml``, under ``sphinx: config:``):

- ``lite_build`` (default true): build the site and show the buttons;
- ``lite_pyodide`` (default ""): where the kernel's Pyodide comes from. Empty: Pyodide's
  CDN, at the version the kernel expects. A local folder of a Pyodide distribution (the
  one holding ``pyodide.mjs`` and ``pyodide-lock.json``) or a local or remote
  ``pyodide-*.tar.bz2``: copied into the site (``lite/static/pyodide/``), for classrooms
  without internet. An ``http(s)://`` URL of such a folder: the kernel loads it from
  there. Relative paths are relative to the book's root folder.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from benor_lib.live import CONTENTS_FOLDER, LITE_APP, LITE_FOLDER, live_notebook_path

LOGGER = logging.getLogger(__name__)

#: Pure-Python packages the chapters need that Pyodide's distribution lacks (tqdm is in
#: Pyodide too, at an older version; shipping it keeps the build's version).
DEFAULT_WHEELS = ("ipywidgets", "comm", "jupyterlab_widgets", "tqdm")
PYODIDE_KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
STAGING_FOLDER = "jupyterlite"  # beside the html folder, in _build/
STAMP = ".book-lite-stamp"
BUILD_TIMEOUT_S = 900
#: The first cell of every notebook in the lite site.
INSTALL_CELL_SOURCE = (
    "# In the browser (JupyterLite), install the book's library and its widgets from this\n"
    "# site. Run this cell first; it takes a few seconds.\n"
    "%pip install -q benor_lib"
)
# Font files that a browser with WebAssembly never requests when a WOFF2 or WOFF is there.
_LEGACY_FONTS = (".eot", ".ttf", ".svg")
_UNUSED_FILES = ("rspack.config.js", "rspack.config.analyze.js", "rspack.config.watch.js")


class LiteBuildError(RuntimeError):
    """The JupyterLite site could not be built; the message says why."""


# --- what goes in ------------------------------------------------------------------------


def lite_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``notebook`` (nbformat 4 JSON) for the lite site: the install cell first."""
    copy = json.loads(json.dumps(notebook))
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "benor-lite-install",
        "metadata": {"tags": ["lite-install"]},
        "outputs": [],
        "source": INSTALL_CELL_SOURCE,
    }
    copy["cells"] = [cell, *copy.get("cells", [])]
    return copy


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _project_metadata(project: Path) -> dict[str, Any]:
    """The ``[project]`` table of ``project``'s pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # pip's and setuptools' dependency
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]


def build_wheel(project: Path, dest: Path) -> Path:
    """A pure-Python wheel of the project in ``project`` (its pyproject.toml), in ``dest``.

    Made without a build backend so that it needs nothing but the files, leaves nothing in
    the working tree and comes out byte-identical for identical sources.
    """
    meta = _project_metadata(project)
    name, version = meta["name"], meta["version"]
    package = project / name
    if not (package / "__init__.py").is_file():
        raise LiteBuildError(f"no package {package} to put in the wheel")
    dist = f"{name}-{version}"
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {meta.get('description', '')}",
    ]
    if meta.get("requires-python"):
        lines.append(f"Requires-Python: {meta['requires-python']}")
    lines += [f"Requires-Dist: {spec}" for spec in meta.get("dependencies", [])]
    files: dict[str, bytes] = {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(package.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    files[f"{dist}.dist-info/METADATA"] = ("\n".join(lines) + "\n").encode()
    files[f"{dist}.dist-info/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: benor-book lite_site\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{dist}-py3-none-any.whl"
    for old in dest.glob(f"{name}-*.whl"):
        old.unlink()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel


def dependency_wheels(names: tuple[str, ...] | list[str], cache: Path) -> list[Path]:
    """Wheels of ``names`` at the versions installed here, from ``cache`` or PyPI (pip)."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels, missing = [], []
    for name in names:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError as error:
            raise LiteBuildError(
                f"{name} is not installed, so its version for the lite site is unknown: "
                "pip install -r requirements.txt"
            ) from error
        prefix = f"{name.replace('-', '_').lower()}-{version}-"
        found = [
            path
            for path in sorted(cache.glob("*-none-any.whl"))
            if path.name.lower().startswith(prefix)
        ]
        if found:
            wheels.append(found[0])
        else:
            missing.append(f"{name}=={version}")
    if missing:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", "--dest", str(cache), *missing,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LiteBuildError(
                f"could not fetch the wheels {missing} for the lite site with pip "
                f"(`{' '.join(command)}`):\n{result.stderr[-2000:]}"
            )
        return dependency_wheels(names, cache)
    return sorted(wheels)


@dataclass(frozen=True)
class PyodideSource:
    """Where the kernel's Pyodide comes from: its CDN, a copy in the site, or a URL."""

    kind: str  # "cdn", "folder" (copied), "archive" (copied), "url" (loaded from there)
    value: str = ""


def pyodide_source(setting: str, root: Path) -> PyodideSource:
    """Read the ``lite_pyodide`` setting (see the module's docstring)."""
    setting = (setting or "").strip()
    if not setting:
        return PyodideSource("cdn")
    if setting.startswith(("http://", "https://")):
        if setting.endswith((".tar.bz2", ".tbz2")):
            return PyodideSource("archive", setting)
        return PyodideSource("url", setting.rstrip("/"))
    path = Path(setting).expanduser()
    path = path if path.is_absolute() else (root / path)
    if path.is_dir():
        if not (path / "pyodide.mjs").is_file() or not (path / "pyodide-lock.json").is_file():
            raise LiteBuildError(
                f"lite_pyodide: {path} is not a Pyodide distribution (it has no pyodide.mjs "
                "and pyodide-lock.json)"
            )
        return PyodideSource("folder", str(path.resolve()))
    if path.is_file() and path.name.endswith((".tar.bz2", ".tbz2")):
        return PyodideSource("archive", str(path.resolve()))
    raise LiteBuildError(
        f"lite_pyodide: {setting!r} is neither a Pyodide folder, nor a pyodide-*.tar.bz2, nor "
        "an http(s) URL; leave it empty to use Pyodide's CDN"
    )


def lite_config(pyodide: PyodideSource) -> dict[str, Any]:
    """The jupyter-lite.json of the lite site."""
    data: dict[str, Any] = {"appName": "The Ben-Or book, live"}
    if pyodide.kind == "url":
        data["litePluginSettings"] = {
            PYODIDE_KERNEL_PLUGIN: {"pyodideUrl": f"{pyodide.value}/pyodide.mjs"}
        }
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": data}


#: JupyterLab settings of the lite site: no news from the internet, no update check.
SETTINGS_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


# --- building ----------------------------------------------------------------------------


def _digest(paths: list[Path], extra: list[str]) -> str:
    digest = hashlib.sha256()
    for item in extra:
        digest.update(item.encode() + b"\0")
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _labextensions() -> list[str]:
    """The lab extensions of this environment (they go into the site), with versions."""
    found = []
    for root in (Path(sys.prefix) / "share" / "jupyter" / "labextensions",):
        for package in sorted(root.glob("**/package.json")):
            if "static" in package.parts:
                continue
            try:
                data = json.loads(package.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found.append(f"{data.get('name')}@{data.get('version')}")
    return found


def _versions() -> list[str]:
    return [
        f"{name}=={importlib.metadata.version(name)}"
        for name in ("jupyterlite-core", "jupyterlite-pyodide-kernel")
    ]


def prune(site: Path) -> int:
    """Remove from ``site`` the legacy font copies and build configs; returns bytes freed."""
    freed = 0
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        legacy = path.suffix in _LEGACY_FONTS and any(
            path.with_suffix(ext).is_file() for ext in (".woff2", ".woff")
        )
        if legacy or (path.parent == site and path.name in _UNUSED_FILES):
            freed += path.stat().st_size
            path.unlink()
    return freed


def build_lite_site(
    notebooks: list[Path],
    project: Path,
    staging: Path,
    output: Path,
    *,
    wheels: tuple[str, ...] | list[str] = DEFAULT_WHEELS,
    pyodide: PyodideSource = PyodideSource("cdn"),
) -> bool:
    """Build the JupyterLite site into ``output``; False when it was already up to date."""
    contents = staging / "contents" / CONTENTS_FOLDER
    if contents.parent.exists():
        shutil.rmtree(contents.parent)
    contents.mkdir(parents=True)
    for notebook in notebooks:
        data = json.loads(notebook.read_text(encoding="utf-8"))
        text = json.dumps(lite_notebook(data), indent=1, ensure_ascii=False) + "\n"
        (contents / notebook.name).write_text(text, encoding="utf-8")
    shipped = [build_wheel(project, staging / "wheels-book")]
    shipped += dependency_wheels(wheels, staging / "wheels")
    (staging / "jupyter-lite.json").write_text(json.dumps(lite_config(pyodide), indent=2))
    (staging / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=2))
    well_known = staging / "static" / "pyodide"
    if well_known.is_symlink() or well_known.exists():
        well_known.unlink() if well_known.is_symlink() else shutil.rmtree(well_known)
    command = [
        sys.executable, "-m", "jupyterlite_core", "build",
        "--lite-dir", str(staging), "--output-dir", str(output),
        "--contents", str(staging / "contents"), "--settings-overrides", "overrides.json",
        "--apps", "lab", "--no-unused-shared-packages", "--no-sourcemaps",
    ]  # fmt: skip
    for wheel in shipped:
        command += ["--piplite-wheels", str(wheel)]
    if pyodide.kind == "folder":
        well_known.parent.mkdir(parents=True, exist_ok=True)
        well_known.symlink_to(pyodide.value, target_is_directory=True)
    elif pyodide.kind == "archive":
        command += ["--pyodide", pyodide.value]
    inputs = sorted(p for p in (staging / "contents").rglob("*") if p.is_file()) + shipped
    inputs += [staging / "jupyter-lite.json", staging / "overrides.json", Path(__file__)]
    stamp = _digest(inputs, [*command[3:], *_versions(), *_labextensions(), pyodide.kind])
    stamp_file = output / STAMP
    if (
        (output / LITE_APP).is_file()
        and stamp_file.is_file()
        and stamp_file.read_text(encoding="utf-8").strip() == stamp
    ):
        return False
    if output.exists():
        shutil.rmtree(output)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        result = subprocess.run(
            command,
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as error:
        raise LiteBuildError(f"`jupyter lite build` took more than {BUILD_TIMEOUT_S} s") from error
    if result.returncode != 0 or not (output / LITE_APP).is_file():
        log = (result.stdout + result.stderr)[-4000:]
        raise LiteBuildError(f"`jupyter lite build` failed (exit {result.returncode}):\n{log}")
    prune(output)
    stamp_file.write_text(stamp + "\n", encoding="utf-8")
    return True


# --- Sphinx ------------------------------------------------------------------------------


def _chapter_notebooks(app: Sphinx) -> dict[str, Path]:
    """docname -> source notebook, for every notebook the book built."""
    found = {}
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix == ".ipynb":
            found[docname] = path
    return found


class _SiteBuild:
    """One build of the lite site, run in a background thread; :meth:`finish` waits."""

    def __init__(self, app: Sphinx) -> None:
        outdir = Path(app.outdir)
        self.output = outdir / LITE_FOLDER
        self.pyodide_kind = ""
        self.built: bool | None = None
        self.error: LiteBuildError | None = None
        notebooks = list(_chapter_notebooks(app).values())
        setting, root = app.config.lite_pyodide, Path(app.confdir)
        wheels = tuple(app.config.lite_wheels)

        def work() -> None:
            try:
                pyodide = pyodide_source(setting, root)
                self.pyodide_kind = pyodide.kind
                self.built = build_lite_site(
                    notebooks,
                    root,
                    outdir.parent / STAGING_FOLDER,
                    self.output,
                    wheels=wheels,
                    pyodide=pyodide,
                )
            except LiteBuildError as error:
                self.error = error
            except Exception as error:  # reported at the end of the build, not lost in a thread
                self.error = LiteBuildError(f"{type(error).__name__}: {error}")

        self.thread = threading.Thread(target=work, name="jupyterlite-build", daemon=True)
        self.thread.start()

    def finish(self) -> None:
        self.thread.join()


def _wanted(app: Sphinx) -> bool:
    return app.builder.format == "html" and bool(app.config.lite_build)


def start_site(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """``env-before-read-docs``: start building the lite site while the chapters execute."""
    if _wanted(app) and getattr(app, "_book_lite_build", None) is None:
        app._book_lite_build = _SiteBuild(app)  # type: ignore[attr-defined]


def build_site(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: wait for the lite site in ``<html>/lite`` (built, or kept)."""
    if not _wanted(app):
        return
    job = getattr(app, "_book_lite_build", None)
    if job is None:  # reading never started (nothing to read is still a start): start now
        job = _SiteBuild(app)
    app._book_lite_build = None  # type: ignore[attr-defined]
    job.finish()
    if exception is not None:
        return
    if job.error is not None:
        LOGGER.warning("the JupyterLite site was not built: %s", job.error, type="lite_site")
        return
    where = "built" if job.built else "up to date"
    LOGGER.info("JupyterLite site %s: %s (Pyodide: %s)", where, job.output, job.pyodide_kind)


def add_live_button(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Put "Run this chapter in your browser" in the launch menu of every chapter page."""
    if not app.config.lite_build or "header_buttons" not in context:
        return
    notebooks = _chapter_notebooks(app)
    if pagename not in notebooks:
        return
    source = notebooks[pagename]
    if source.parent.name != CONTENTS_FOLDER:
        return  # the lite site holds book/*.ipynb only
    target = context["pathto"](f"{LITE_FOLDER}/{LITE_APP}", 1)
    button = {
        "type": "link",
        "text": "Run this chapter in your browser",
        "tooltip": "Open this chapter in JupyterLite: Python runs in your browser, no account",
        "icon": "_static/images/logo_jupyterlite.svg",
        "url": f"{target}?path={live_notebook_path(source.stem)}",
        "label": "run-in-browser-button",
    }
    buttons = context["header_buttons"]
    group = next((b for b in buttons if b.get("label") == "launch-buttons"), None)
    if group is None:
        group = {
            "type": "group",
            "tooltip": "Run this chapter",
            "icon": "fas fa-rocket",
            "buttons": [],
            "label": "launch-buttons",
        }
        buttons.insert(0, group)
    group["buttons"].insert(0, button)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("lite_build", True, "html", [bool])
    app.add_config_value("lite_pyodide", "", "html", [str])
    app.add_config_value("lite_wheels", list(DEFAULT_WHEELS), "html", [list, tuple])
    app.connect("env-before-read-docs", start_site)
    app.connect("build-finished", build_site)
    app.connect("html-page-context", add_live_button, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
