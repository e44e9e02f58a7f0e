"""Shared fixtures. Book-build fixtures: build the Jupyter Book once per test session."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# jsonschema (imported by nbformat) imports rfc3987_syntax when it is installed, and that
# module builds a parser at import: about 3 s of CPU in every test process (the controller
# and each xdist worker), for the "iri" string format, which no schema here uses.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402
from hypothesis import settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BOOK_BUILD_TIMEOUT = 1800  # seconds for the whole build, every chapter executed afresh

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx reports problems as "<location>: WARNING: <message>" (or ERROR, CRITICAL, SEVERE).
# A kernel's own log lines ("[IPKernelApp] WARNING | ...") are not Sphinx warnings.
_SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE):")


@dataclass(frozen=True)
class BookBuild:
    """The result of one ``jupyter-book build``: where the HTML is and what the log said.

    The build runs every chapter once, on a fresh kernel (MyST-NB, inline mode); the
    executed notebooks, with their outputs, are kept in ``execute_dir``. Tests about what a
    chapter computes or prints read them instead of running the chapter again.
    """

    html_dir: Path
    returncode: int
    log: str
    warnings: tuple[str, ...]

    @property
    def execute_dir(self) -> Path:
        """``<output>/_build/jupyter_execute``: the executed notebooks, by source path."""
        return self.html_dir.parent / "jupyter_execute"

    def executed(self, source: Path | str) -> nbformat.NotebookNode:
        """The build's executed copy of a notebook (``book/rounds.ipynb`` or its path)."""
        relative = (
            Path(source).resolve().relative_to(REPO) if Path(source).is_absolute() else source
        )
        path = self.execute_dir / Path(relative).with_suffix(".ipynb")
        if not path.is_file():
            pytest.fail(f"the build wrote no executed notebook {path}", pytrace=False)
        return nbformat.read(path, as_version=4)


def _jupyter_book_command() -> str:
    """The jupyter-book executable of the environment running the tests."""
    beside_python = Path(sys.executable).parent / "jupyter-book"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed: pip install -r requirements.txt")
    return found


def build_book(output_dir: Path) -> BookBuild:
    """Build the book from the repository into ``output_dir`` with ``-W -n --keep-going``."""
    command = [
        _jupyter_book_command(),
        "build",
        str(REPO),
        "--path-output",
        str(output_dir),
        "-W",
        "-n",
        "--keep-going",
    ]
    result = subprocess.run(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BOOK_BUILD_TIMEOUT,
        check=False,
    )
    log = _ANSI.sub("", result.stdout)
    warnings = tuple(line for line in log.splitlines() if _SPHINX_PROBLEM.search(line))
    return BookBuild(output_dir / "_build" / "html", result.returncode, log, warnings)


#: For developing the book tests only: the path of an earlier run's ``book-build.json`` (in
#: its pytest basetemp, beside ``book/``). The session then reads that build, and its
#: recorded log and warnings, instead of building the book again. CI never sets it.
REUSE_BUILD_ENV = "BENOR_REUSE_BOOK_BUILD"


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory) -> BookBuild:
    """The book, built once per test run into a temporary folder; fails on any warning.

    Under pytest-xdist the workers of one run share it: the first worker that needs it
    builds it under a file lock, in the run's common temporary folder, and the others
    read the result (the build is never made twice in a run).
    """
    import fcntl
    import json

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder every worker's basetemp lives in
    output = base / "book"
    record = base / "book-build.json"
    reuse = os.environ.get(REUSE_BUILD_ENV)
    if reuse:  # a developer's shortcut: an earlier run's build, with its real log
        record = Path(reuse)
        if not record.is_file():
            pytest.fail(f"{REUSE_BUILD_ENV}={reuse}: no such build record", pytrace=False)
    with open(base / "book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.is_file():
            saved = json.loads(record.read_text(encoding="utf-8"))
            build = BookBuild(
                Path(saved["html_dir"]), saved["returncode"], saved["log"], tuple(saved["warnings"])
            )
        else:
            build = build_book(output)
            saved = dict(
                html_dir=str(build.html_dir),
                returncode=build.returncode,
                log=build.log,
                warnings=list(build.warnings),
            )
            record.write_text(json.dumps(saved), encoding="utf-8")
    if build.returncode != 0:
        message = f"jupyter-book build exited with {build.returncode}; "
        message += f"{len(build.warnings)} warning(s):\n" + "\n".join(build.warnings)
        if "build finished" not in build.log and "build succeeded" not in build.log:
            # the build stopped early (e.g. a notebook raised): the log's end says why
            message += "\n--- end of the build log ---\n" + "\n".join(build.log.splitlines()[-60:])
        pytest.fail(message, pytrace=False)
    return build


# --- hypothesis ---------------------------------------------------------------------------

# "fast" (the default): 50 examples for a property without its own max_examples, no
# deadline (a loaded machine must not fail a test). "thorough": ten times as many, for a
# deeper search now and then: pytest --hypothesis-profile=thorough. Properties that set
# their own max_examples keep it; the long ones are marked slow.
settings.register_profile("fast", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile("fast")


# --- markers and groups -------------------------------------------------------------------

# What makes a test slow: the markers that say it builds the book or drives a browser or
# JupyterLab. Such tests are marked ``slow`` too, so ``pytest -m "not slow"`` skips them.
_SLOW_MARKERS = ("book", "browser", "jupyterlab")
# Measured (pytest --durations, 05:10 UTC): more than about 5 s each on an idle machine.
# A node id listed here, or beginning with an entry that ends in "::" or "[", is slow.
_MEASURED_SLOW = (
    "tests/apps/test_budget.py::test_the_explorer_answers_the_last_request_progressively",
    "tests/apps/test_stepper.py::test_widget_every_scheduler_reaches_a_decision[",
    "tests/apps/test_stepper.py::test_widget_run_to_decision_matches_benor_run",
    "tests/apps/test_stepper.py::test_animation_renders_under_budget",
    "tests/apps/test_stepper.py::test_widget_steps_back_and_forward_consistently",
    "tests/apps/test_stepper.py::test_widget_refuses_bad_settings_and_stays_usable[",
    "tests/apps/test_model_explorer.py::test_widget_answers_large_settings_without_a_traceback",
    "tests/analysis/test_flp_pictures.py::test_a_delivery_never_adds_a_reachable_value",
    "tests/distributions/test_three_way.py::",
    "tests/boundary/test_fuzz.py::test_fuzz_run",
    "tests/boundary/test_fuzz.py::test_fuzz_sample_rounds",
    "tests/book/test_chapters_2_4.py::test_correct_answers_are_what_the_library_says",
    "tests/book/test_chapters_5_6.py::test_stepper_animation_gets_alt_text",
    "tests/test_architecture.py::test_mypy_is_clean_on_the_protocol_and_simulation_layers",
    # 09:20 UTC, pytest -m "not slow" --durations (more than about 10 s under load)
    "tests/protocol/test_exhaustive.py::test_no_violation_in_three_rounds[4]",
    "tests/figures/test_figure_system.py::test_every_figure_fits_the_column_at_the_type_scale",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark slow tests ``slow``: those marked book, browser or jupyterlab, and every test
    that reads the book build (marked ``book`` too)."""
    for item in items:
        uses_build = "book_build" in getattr(item, "fixturenames", ())
        if uses_build and item.get_closest_marker("book") is None:
            item.add_marker(pytest.mark.book)
        measured = any(
            item.nodeid == entry or (entry[-1] in ":[" and item.nodeid.startswith(entry))
            for entry in _MEASURED_SLOW
        )
        if measured or any(item.get_closest_marker(name) for name in _SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


# --- browser tests (test_browser.py, test_offline.py, test_lite.py) --------------------------


@pytest.fixture(scope="session")
def npm_fixtures():
    """axe-core, MathJax, html-manager and Pyodide from npm (installed on first use)."""
    import browser_support as bs

    try:
        return bs.ensure_npm_fixtures()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; fails (never skips, locally or in CI) when there is none."""
    import browser_support as bs

    path = bs.find_chromium()
    if path is None:
        pytest.fail(bs.CHROMIUM_HELP, pytrace=False)
    return path


@pytest.fixture(scope="module")
def chromium_browser(chromium: str):
    """A headless Chromium (Playwright) for one test module.

    Playwright's sync API allows one running instance per thread, so a test module takes
    its pages from this one, and it is closed before the next module starts its own.
    """
    import browser_support as bs

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the browser tests need the playwright package: pip install -r requirements-dev.txt",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, args=bs.CHROMIUM_ARGS)
        except Exception as error:  # say which browser failed, and how to get another
            pytest.fail(f"could not start {chromium}: {error}\n{bs.CHROMIUM_HELP}", pytrace=False)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """tests/_screenshots, emptied once per session (modules add their shots to it)."""
    import browser_support as bs

    bs.FIGURE_SHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*bs.SCREENSHOTS.glob("*.png"), *bs.FIGURE_SHOTS.glob("*.png")]:
        old.unlink()
    return bs.SCREENSHOTS


@pytest.fixture(scope="module")
def book_in_browser(
    book_build: BookBuild, npm_fixtures, chromium_browser, screenshots: Path, request
):
    """The session's build, served on 127.0.0.1, read by the module's Chromium."""
    import browser_support as bs

    bs.tell(request.config, f"\nbrowser screenshots go to {screenshots}")
    with bs.serve(book_build.html_dir) as base_url:
        yield bs.BookInBrowser(chromium_browser, base_url, book_build.html_dir, npm_fixtures)
    shots = len(list(bs.SCREENSHOTS.rglob("*.png")))
    bs.tell(request.config, f"\nbrowser screenshots: {shots} in {bs.SCREENSHOTS}")
