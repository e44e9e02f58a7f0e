"""The book's second and third faces in a real JupyterLab: every chapter, and every student
notebook that ``python -m benor_lib.classroom export`` writes, in JupyterLab 4 with
jupyterlab-myst, driven by Playwright in Chromium.

Every student notebook is run (Run All): the rendered Markdown shows no MyST source (roles,
directive fences, ``(label)=`` lines, glue), no "Not Found" warnings, and every ``{eval}``
shows its value; no cell has an error or stderr output; every widget renders, with its live
note. The round stepper answers a button press, and in "you choose" mode a chosen delivery
happens. This is the one execution of the student notebooks per test run.

A student notebook is its chapter without the solutions, so the chapters themselves are
opened and not run again (the book build runs them, once): their Markdown, solutions
included, must render without MyST source or "Not Found" warnings.
Screenshots land in tests/_screenshots/jupyterlab/. One server and one browser for the module.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jupyterlab_support as jl
import nbformat
import pytest
import yaml
from chapter_source import eval_names

pytestmark = pytest.mark.jupyterlab

REPO = Path(__file__).resolve().parents[2]
BOOK = REPO / "book"
CHAPTERS = [
    Path(entry["file"]).name
    for entry in [yaml.safe_load((REPO / "_toc.yml").read_text())]
    for entry in [{"file": entry["root"]}]
    + [c for part in entry["parts"] for c in part["chapters"]]
    if (REPO / f"{entry['file']}.ipynb").exists()
]
WIDGET_CALLS = ("round_stepper(", "distribution_explorer(", "model_explorer(")
LIVE_NOTE = "Live: this widget runs in your kernel."
# what only the static page may show beside a widget (benor_lib/apps/notes.py)
STATIC_LEAD = "This widget needs a running Python kernel"
FALLBACK_LEAD = "your browser did not run it on this page"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on a scratch copy of book/ and the exported student notebooks."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(
        BOOK,
        root / "book",
        ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__", "_ext"),
    )
    exported = subprocess.run(
        [sys.executable, "-m", "benor_lib.classroom", "export", str(root / "students")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stdout + exported.stderr
    jl.LAB_SHOTS.mkdir(parents=True, exist_ok=True)
    with jl.lab_server(root, tmp_path_factory.mktemp("lab-work")) as url:
        yield url, root


@pytest.fixture(scope="module")
def page(lab: tuple[str, Path], chromium_browser):
    """One Chromium page for the whole module (the browser comes from conftest)."""
    pg = chromium_browser.new_page(viewport={"width": 1280, "height": 1000})
    pg.set_default_timeout(60_000)
    yield pg
    pg.close()


def _student_notebooks() -> list[str]:
    return [f"students/{name}.ipynb" for name in CHAPTERS]


@pytest.mark.parametrize("path", [f"book/{c}.ipynb" for c in CHAPTERS])
def test_chapter_renders_its_myst_solutions_included(
    lab: tuple[str, Path], page, path: str
) -> None:
    url, root = lab
    nb = nbformat.read(root / path, as_version=4)
    stem = path.replace("/", "-").removesuffix(".ipynb")
    jl.open_notebook(page, url, path)
    try:
        seen = _rendered_view(page, nb)
        page.screenshot(path=str(jl.LAB_SHOTS / f"{stem}-top.png"))
        problems = _read_problems(nb, seen, evaluated=False)
        assert not problems, "\n".join(problems)
    finally:
        jl.shut_down_kernels(url)


@pytest.mark.parametrize("path", _student_notebooks())
def test_student_notebook_reads_like_the_book_after_run_all(
    lab: tuple[str, Path], page, path: str
) -> None:
    url, root = lab
    nb = nbformat.read(root / path, as_version=4)
    stem = path.replace("/", "-").removesuffix(".ipynb")
    jl.open_notebook(page, url, path)
    try:
        evals = [len(eval_names(c.source)) if c.cell_type == "markdown" else 0 for c in nb.cells]
        model = jl.run_all(page, evals)
        seen = _settled_view(page, nb)
        page.screenshot(path=str(jl.LAB_SHOTS / f"{stem}-end.png"))
        page.locator(".jp-NotebookPanel .jp-Cell").first.scroll_into_view_if_needed()
        page.screenshot(path=str(jl.LAB_SHOTS / f"{stem}-top.png"))
        problems = _model_problems(model) + _read_problems(nb, seen)
        widget_cells = [
            i
            for i, c in enumerate(_code_cells(nb))
            if any(call in c.source for call in WIDGET_CALLS)
        ]
        for k in widget_cells:
            cell = page.locator(".jp-Notebook .jp-CodeCell").nth(k)
            cell.scroll_into_view_if_needed()
            cell.screenshot(path=str(jl.LAB_SHOTS / f"{stem}-widget-{k}.png"))
            code = seen["code"][k]
            if not code["widgetViews"] or code["widgetErrors"]:
                problems.append(f"widget in code cell {k} did not render: {code['widgetErrors']}")
            if LIVE_NOTE not in code["text"]:
                problems.append(f"widget in code cell {k} has no live note")
            if STATIC_LEAD in code["text"] or FALLBACK_LEAD in code["text"]:
                problems.append(f"widget in code cell {k} shows the static page's fallback")
        if "students/" in path:
            problems += [
                f"a solution is left in the student notebook: {c.source[:60]!r}"
                for c in nb.cells
                if "{solution}" in c.source or "solution" in c.metadata.get("tags", [])
            ]
        assert not problems, "\n".join(problems)
        if any("round_stepper(" in c.source for c in nb.cells):
            _check_round_stepper(page, stem)
    finally:
        jl.shut_down_kernels(url)


def _unevaluated(nb: nbformat.NotebookNode, seen: dict) -> list[str]:
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    return [
        name
        for cell, shown in zip(markdown, seen["md"], strict=True)
        for name in set(eval_names(cell.source)) & set(shown["code"])
    ]


def _settled_view(page, nb: nbformat.NotebookNode, timeout_s: float = 30) -> dict:
    """The rendered notebook once jupyterlab-myst has drawn the values it got (it re-renders
    a markdown cell a moment after the kernel's reply)."""
    for _ in range(int(timeout_s * 2)):
        seen = page.evaluate(jl.NOTEBOOK_PROBE)
        if not _unevaluated(nb, seen):
            break
        page.wait_for_timeout(500)
    return seen


def _rendered_view(page, nb: nbformat.NotebookNode, timeout_s: float = 30) -> dict:
    """The opened (not run) notebook once jupyterlab-myst has rendered every markdown cell."""
    markdown = sum(c.cell_type == "markdown" for c in nb.cells)
    previous = -1
    for _ in range(int(timeout_s * 2)):
        seen = page.evaluate(jl.NOTEBOOK_PROBE)
        rendered = sum(shown["rendered"] for shown in seen["md"])
        if len(seen["md"]) == markdown and rendered in (markdown, previous):
            break  # all rendered, or no more for a moment (the check then names the rest)
        previous = rendered
        page.wait_for_timeout(500)
    return seen


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _read_problems(nb: nbformat.NotebookNode, seen: dict, *, evaluated: bool = True) -> list[str]:
    """Everything a reader should not see, cell by cell (``evaluated``: after Run All, when
    every ``{eval}`` must show its value)."""
    problems = []
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(seen["md"]) == len(markdown), "every markdown cell is in the DOM"
    for i, (cell, shown) in enumerate(zip(markdown, seen["md"], strict=True)):
        where = f"markdown cell {i} ({cell.source[:40]!r})"
        if not shown["rendered"]:
            problems.append(f"{where} is not rendered")
        problems += [f"{where}: {raw}" for raw in jl.raw_syntax_in(shown["text"])]
        problems += [f"{where}: {t!r}" for t in shown["titles"] if "Not Found" in t]
        unevaluated = sorted(set(eval_names(cell.source)) & set(shown["code"]))
        if unevaluated and evaluated:
            problems.append(f"{where}: {{eval}} names shown instead of values: {unevaluated}")
        problems += [f"{where}: {e!r}" for e in shown["expressionErrors"]]
    return problems


def _model_problems(model: dict) -> list[str]:
    """Errors and stderr in the outputs, and inline expressions that failed, by cell."""
    problems = []
    for i, cell in enumerate(model["cells"]):
        for out in cell["outputs"]:
            if out["type"] == "error":
                problems.append(f"cell {i}: {out['ename']}: {out['evalue'][:200]}")
            elif out["type"] == "stream" and out["name"] == "stderr":
                problems.append(f"cell {i} wrote to stderr: {out['text'][:200]!r}")
        for e in cell["expressions"] or []:
            if e["status"] != "ok":
                problems.append(f"cell {i}: {{eval}}`{e['expression']}` -> {e['status']}")
    return problems


_DELIVERY = re.compile(r"delivery (\d+)")


def _stepper_deliveries(stepper) -> int:
    text = stepper.inner_text()
    found = _DELIVERY.search(text)
    assert found, f"the stepper shows no delivery counter: {text[:300]!r}"
    return int(found.group(1))


def _wait_for_more(page, stepper, before: int) -> int:
    for _ in range(60):
        page.wait_for_timeout(250)
        now = _stepper_deliveries(stepper)
        if now > before:
            return now
    return _stepper_deliveries(stepper)


def _check_round_stepper(page, stem: str) -> None:
    """The stepper answers "1 delivery"; in "you choose" mode a chosen delivery happens."""
    stepper = (
        page.locator(".jp-CodeCell .jp-OutputArea-output")
        .filter(has=page.locator("button", has_text="1 delivery"))
        .first
    )
    stepper.scroll_into_view_if_needed()
    before = _stepper_deliveries(stepper)
    stepper.locator("button", has_text="1 delivery").click()
    after = _wait_for_more(page, stepper, before)
    assert after == before + 1, f"one delivery moved the counter from {before} to {after}"

    stepper.locator("button", has_text="you choose").click()
    deliver = stepper.locator("button", has_text="deliver chosen")
    deliver.wait_for(state="visible")
    page.wait_for_timeout(1000)
    before = _stepper_deliveries(stepper)
    stepper.locator(".widget-checkbox input[type=checkbox]").first.check()  # p0 hears p0
    page.wait_for_timeout(500)
    deliver.click()
    after = _wait_for_more(page, stepper, before)
    stepper.screenshot(path=str(jl.LAB_SHOTS / f"{stem}-stepper-chosen.png"))
    assert after > before, f"a chosen delivery did not happen (counter stayed at {before})"
