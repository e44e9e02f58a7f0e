"""The pieces of the build that make the book work in the reader's browser (fast, no build).

book/_ext/lite_site.py (the JupyterLite site), book/_ext/repository_buttons.py (buttons only
for a configured repository) and benor_lib/live.py (the links to the live chapters). The
built site itself is tested in test_lite.py and test_offline.py.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from benor_lib.live import live_chapter_url, live_notebook_path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "book" / "_ext"))

import lite_site  # noqa: E402
import repository_buttons  # noqa: E402

# --- benor_lib.live -------------------------------------------------------------------------


def test_live_chapter_url_is_relative_to_a_chapter_page() -> None:
    assert live_chapter_url("algorithm") == "../lite/lab/index.html?path=book/algorithm.ipynb"
    assert live_chapter_url("rounds.ipynb", depth=0) == "lite/lab/index.html?path=book/rounds.ipynb"
    assert live_chapter_url("flp", depth=2).startswith("../../lite/")


@pytest.mark.parametrize("bad", ["", "book/algorithm", "../x", "a b", ".ipynb", "x."])
def test_live_notebook_path_rejects_what_is_not_a_chapter_name(bad: str) -> None:
    with pytest.raises(ValueError, match="chapter"):
        live_notebook_path(bad)


@pytest.mark.parametrize("depth", [-1, 1.0, True, "1"])
def test_live_chapter_url_rejects_bad_depths(depth: object) -> None:
    with pytest.raises(ValueError, match="depth"):
        live_chapter_url("algorithm", depth=depth)  # type: ignore[arg-type]


def test_live_notebook_path_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="chapter"):
        live_notebook_path(3)  # type: ignore[arg-type]


# --- the lite site's inputs ------------------------------------------------------------------


def test_every_chapter_gets_the_install_cell_first() -> None:
    stored = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T"}], "nbformat": 4}
    lite = lite_site.lite_notebook(stored)
    assert lite["cells"][0]["source"] == lite_site.INSTALL_CELL_SOURCE
    assert (
        "%pip install" in lite["cells"][0]["source"] and "benor_lib" in lite["cells"][0]["source"]
    )
    assert lite["cells"][1:] == stored["cells"]
    assert len(stored["cells"]) == 1, "the stored notebook must not change"


def test_the_wheel_holds_the_package_and_honest_metadata(tmp_path: Path) -> None:
    wheel = lite_site.build_wheel(REPO, tmp_path)
    meta = lite_site._project_metadata(REPO)
    assert wheel.name == f"{meta['name']}-{meta['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist = f"{meta['name']}-{meta['version']}.dist-info"
        metadata = archive.read(f"{dist}/METADATA").decode()
        record = archive.read(f"{dist}/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if not digest:
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and int(size) == len(data), path
    sources = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "benor_lib").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources <= names, f"missing from the wheel: {sorted(sources - names)[:5]}"
    assert not [n for n in names if n.endswith(".pyc")]
    for spec in meta["dependencies"]:
        assert f"Requires-Dist: {spec}" in metadata
    assert len(record) == len(names)


def test_the_wheel_is_the_same_for_the_same_sources(tmp_path: Path) -> None:
    first = lite_site.build_wheel(REPO, tmp_path / "a").read_bytes()
    second = lite_site.build_wheel(REPO, tmp_path / "b").read_bytes()
    assert first == second


def test_dependency_wheels_come_from_the_cache_at_the_installed_versions(tmp_path: Path) -> None:
    version = importlib.metadata.version("comm")
    cached = tmp_path / f"comm-{version}-py3-none-any.whl"
    cached.write_bytes(b"not really a wheel")
    (tmp_path / "comm-0.0.1-py3-none-any.whl").write_bytes(b"an older one")
    assert lite_site.dependency_wheels(["comm"], tmp_path) == [cached]


def test_dependency_wheels_need_the_package_installed(tmp_path: Path) -> None:
    with pytest.raises(lite_site.LiteBuildError, match="not installed"):
        lite_site.dependency_wheels(["no-such-package-here"], tmp_path)


def test_pyodide_source_reads_the_setting(tmp_path: Path) -> None:
    assert lite_site.pyodide_source("", tmp_path).kind == "cdn"
    url = lite_site.pyodide_source("https://school.example/pyodide/", tmp_path)
    assert url == lite_site.PyodideSource("url", "https://school.example/pyodide")
    assert lite_site.pyodide_source("https://x/pyodide-1.tar.bz2", tmp_path).kind == "archive"
    folder = tmp_path / "pyodide"
    folder.mkdir()
    with pytest.raises(lite_site.LiteBuildError, match="not a Pyodide distribution"):
        lite_site.pyodide_source("pyodide", tmp_path)
    (folder / "pyodide.mjs").write_text("")
    (folder / "pyodide-lock.json").write_text("{}")
    assert lite_site.pyodide_source("pyodide", tmp_path) == lite_site.PyodideSource(
        "folder", str(folder.resolve())
    )
    with pytest.raises(lite_site.LiteBuildError, match="neither"):
        lite_site.pyodide_source("no/such/place", tmp_path)


def test_a_pyodide_url_is_what_the_kernel_loads() -> None:
    config = lite_site.lite_config(lite_site.PyodideSource("url", "https://s.example/py"))
    settings = config["jupyter-config-data"]["litePluginSettings"][lite_site.PYODIDE_KERNEL_PLUGIN]
    assert settings == {"pyodideUrl": "https://s.example/py/pyodide.mjs"}
    cdn = lite_site.lite_config(lite_site.PyodideSource("cdn"))
    assert "litePluginSettings" not in cdn["jupyter-config-data"]


def test_prune_keeps_fonts_that_have_no_modern_copy(tmp_path: Path) -> None:
    for name in ("a.woff2", "a.eot", "a.ttf", "a.svg", "b.ttf", "icon.svg", "rspack.config.js"):
        (tmp_path / name).write_bytes(b"x" * 10)
    freed = lite_site.prune(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["a.woff2", "b.ttf", "icon.svg"]
    assert freed == 40


# --- repository buttons -----------------------------------------------------------------------


def _config(url: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        html_theme_options={
            "repository_url": url,
            "launch_buttons": {"binderhub_url": "https://mybinder.org", "thebe": True},
        }
    )


class _App:
    def __init__(self) -> None:
        self.events = SimpleNamespace(listeners={})
        self.disconnected: list[int] = []

    def disconnect(self, listener_id: int) -> None:
        self.disconnected.append(listener_id)


def test_without_a_repository_no_button_leads_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(repository_buttons.URL_VARIABLE, raising=False)
    config = _config("")
    repository_buttons.configure(_App(), config)
    theme = config.html_theme_options
    assert theme["use_repository_button"] is False and theme["use_issues_button"] is False
    assert "binderhub_url" not in theme["launch_buttons"]
    assert theme["launch_buttons"]["thebe"] is False


def test_a_repository_from_the_environment_turns_the_buttons_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(repository_buttons.URL_VARIABLE, "https://github.com/school/ben-or/")
    monkeypatch.setenv(repository_buttons.BRANCH_VARIABLE, "spring")
    config = _config("")
    repository_buttons.configure(_App(), config)
    theme = config.html_theme_options
    assert theme["repository_url"] == "https://github.com/school/ben-or"
    assert theme["repository_branch"] == "spring"
    assert theme["use_repository_button"] is True and theme["use_issues_button"] is True
    assert theme["launch_buttons"] == {"binderhub_url": "https://mybinder.org", "thebe": True}


def test_a_repository_in_the_config_turns_the_buttons_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(repository_buttons.URL_VARIABLE, raising=False)
    config = _config("https://github.com/school/ben-or")
    repository_buttons.configure(_App(), config)
    assert config.html_theme_options["use_repository_button"] is True
    assert config.html_theme_options["launch_buttons"]["thebe"] is True


def test_the_stored_config_names_no_placeholder_repository() -> None:
    import yaml

    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert "benor-book/benor-book" not in json.dumps(config)


# --- the site is built while the chapters execute ---------------------------------------------


def _fake_app(tmp_path: Path) -> SimpleNamespace:
    chapter = tmp_path / "book" / "preface.ipynb"
    return SimpleNamespace(
        builder=SimpleNamespace(format="html"),
        config=SimpleNamespace(lite_build=True, lite_pyodide="", lite_wheels=["tqdm"]),
        outdir=str(tmp_path / "_build" / "html"),
        confdir=str(tmp_path),
        env=SimpleNamespace(found_docs={"book/preface"}, doc2path=lambda name: str(chapter)),
    )


def test_the_site_builds_in_a_background_thread_and_the_build_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release, calls = threading.Event(), []

    def fake_build(notebooks, project, staging, output, *, wheels, pyodide):
        calls.append((threading.current_thread(), [p.name for p in notebooks], tuple(wheels)))
        release.wait(timeout=30)  # still running when reading ends
        return True

    monkeypatch.setattr(lite_site, "build_lite_site", fake_build)
    app = _fake_app(tmp_path)
    lite_site.start_site(app, app.env, [])
    job = app._book_lite_build
    assert job.thread.is_alive()  # started, and not waited for: Sphinx goes on reading
    release.set()
    lite_site.build_site(app, None)
    assert not job.thread.is_alive() and job.built is True and job.error is None
    ((thread, names, wheels),) = calls
    assert thread is not threading.main_thread() and names == ["preface.ipynb"]
    assert wheels == ("tqdm",)
    assert app._book_lite_build is None  # a second build of the same app starts afresh


def test_a_failed_background_build_is_a_warning_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_build(*args, **kwargs):
        raise lite_site.LiteBuildError("no pip")

    warnings = []
    monkeypatch.setattr(lite_site, "build_lite_site", failing_build)
    monkeypatch.setattr(
        lite_site, "LOGGER", SimpleNamespace(warning=lambda *a, **k: warnings.append(a), info=print)
    )
    app = _fake_app(tmp_path)
    lite_site.start_site(app, app.env, [])
    lite_site.build_site(app, None)
    assert len(warnings) == 1 and "no pip" in str(warnings[0][1])


def test_no_site_without_lite_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lite_site, "build_lite_site", lambda *a, **k: pytest.fail("built"))
    app = _fake_app(tmp_path)
    app.config.lite_build = False
    lite_site.start_site(app, app.env, [])
    lite_site.build_site(app, None)
    assert getattr(app, "_book_lite_build", None) is None
