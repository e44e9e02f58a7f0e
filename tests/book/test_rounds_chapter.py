"""Chapter 7, "How many rounds?" (book/rounds.ipynb): its conventions and its exercises.

Every number in the prose must be computed when the chapter runs ({eval}), never typed
by hand; every name the prose evaluates must be assigned by an earlier code cell; figures
carry captions, names and alt text; exercises come with self-checking cells, solutions in their own
tagged cells, and checkers that accept the library's answers and reject wrong ones.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import chapter_source
import nbformat
import pytest

from benor_lib import analysis
from benor_lib.classroom import REGISTRY, check, ex_rounds

REPO = Path(__file__).resolve().parents[2]
CHAPTER = REPO / "book" / "rounds.ipynb"

_ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$]+\$")
_DIRECTIVE_OPTION = re.compile(r"^\s*:[\w-]+:.*$", re.M)
_TARGET = re.compile(r"^\([\w-]+\)=\s*$", re.M)
_DECIMAL = re.compile(r"(?<![\w.])\d*\.\d+")
_PERCENT = re.compile(r"\d\s*(%|per ?cent)")


def _notebook() -> nbformat.NotebookNode:
    return nbformat.read(CHAPTER, as_version=4)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _markdown() -> list[str]:
    return [c.source for c in _notebook().cells if c.cell_type == "markdown"]


def _code() -> list[str]:
    return [c.source for c in _notebook().cells if c.cell_type == "code"]


def prose_without_markup(text: str) -> str:
    """Markdown with math, code, roles (glue, refs, citations) and directive options removed."""
    for pattern in (_DISPLAY_MATH, _ROLE, _INLINE_CODE, _INLINE_MATH, _DIRECTIVE_OPTION, _TARGET):
        text = pattern.sub(" ", text)
    return text


def test_the_prose_has_no_hand_typed_probabilities_or_percentages():
    found = []
    for i, text in enumerate(_markdown()):
        prose = prose_without_markup(text)
        found += [f"cell {i}: {m.group(0)!r}" for m in _DECIMAL.finditer(prose)]
        found += [f"cell {i}: {m.group(0)!r}" for m in _PERCENT.finditer(prose)]
    assert not found, "hand-typed numbers in the prose (glue them):\n" + "\n".join(found)


def test_the_scan_would_catch_hand_typed_numbers():
    typed = "P(1 round) is 0.586, or 58.6% of runs; about .39 in round 2."
    prose = prose_without_markup(typed)
    assert len(_DECIMAL.findall(prose)) == 3 and len(_PERCENT.findall(prose)) == 1
    allowed = "With $p = 0.5$, {eval}`x_text`, `0.25`, n=5, t=1, 100,000 runs, 2^(n-1)."
    prose = prose_without_markup(allowed)
    assert not _DECIMAL.findall(prose) and not _PERCENT.findall(prose)


def test_every_number_in_the_prose_is_assigned_by_an_earlier_code_cell():
    used = {name for text in _markdown() for name in chapter_source.eval_names(text)}
    assert used, "the chapter uses no computed numbers at all"
    assert not chapter_source.undefined_evals(_notebook())


def test_notebook_is_stored_clean_and_follows_the_cell_conventions():
    nb = _notebook()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {i} has outputs"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    # hidden on the web page (MyST-NB's inline mode still runs it), collapsed in JupyterLab
    assert {"remove-input", "remove-output"} <= _tags(first_code), "the setup cell is hidden"
    assert first_code.metadata.get("jupyter", {}).get("source_hidden")
    figures = [c for c in nb.cells if "figure" in c.metadata.get("mystnb", {})]
    assert len(figures) >= 6
    names = []
    for cell in figures:
        meta = cell.metadata["mystnb"]
        assert "remove-input" in _tags(cell)
        assert meta["figure"]["caption"].strip() and meta["figure"]["name"].startswith("fig-")
        assert len(meta["image"]["alt"]) > 60, "alt text must say what the figure shows"
        names.append(meta["figure"]["name"])
    assert len(set(names)) == len(names)
    prose = "\n".join(_markdown())
    for name in names:
        assert f"](#{name})" in prose, f"{name} is never referred to in the text"


def test_the_explorer_cell_says_it_needs_a_live_kernel():
    nb = _notebook()
    cell = next(
        c for c in nb.cells if c.cell_type == "code" and "distribution_explorer()" in c.source
    )
    assert "widget_note(" in cell.source  # the note under it says where it comes alive
    assert not _tags(cell) & {"remove-cell", "remove-input"}


def test_exercises_have_check_cells_and_separate_tagged_solutions():
    nb = _notebook()
    labels = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or ":::{exercise}" not in cell.source:
            continue
        label = re.search(r"^:label: (\S+)$", cell.source, re.M).group(1)
        labels.append(label)
        check_cell = nb.cells[i + 1]
        assert check_cell.cell_type == "code"
        assert "from benor_lib.classroom import check" in check_cell.source
        assert "my_answer = ...  # replace ... with your" in check_cell.source
        assert f'check("{label}", my_answer)' in check_cell.source
        after = nb.cells[i + 2 :]
        # hidden code that computes the solution's numbers may come first, tagged solution too
        hidden = [c for c in after[:2] if c.cell_type == "code"]
        assert all({"solution", "remove-input", "remove-output"} <= _tags(c) for c in hidden)
        solution = next(c for c in after if c.cell_type == "markdown")
        assert "solution" in _tags(solution) and after.index(solution) <= 1
        assert solution.source.startswith(f":::{{solution}} {label}\n:class: dropdown")
        assert ":::{exercise}" not in solution.source
    assert len(labels) >= 3
    assert set(labels) == {e for e in REGISTRY if e.startswith("rounds-")}


def test_hints_name_sections_of_the_chapter():
    headings = {
        line.lstrip("#").strip()
        for text in _markdown()
        for line in text.splitlines()
        if line.startswith("#")
    }
    for name in ("EARLY_SECTION", "WORST_SECTION", "GROWTH_SECTION"):
        assert getattr(ex_rounds, name) in headings, name
    for exercise in (e for e in REGISTRY.values() if e.chapter == "rounds"):
        assert exercise.section in headings, exercise.id


# --- the checkers ------------------------------------------------------------------------


def test_the_answers_are_what_the_chapter_says():
    from benor_lib import exact_rounds

    assert ex_rounds.first_round_probability() == pytest.approx(
        float(exact_rounds(5, 1, inputs=[0, 0, 1, 1, 1])[0])
    )
    # split_mean (once rounds-2): n = 9, t = 2; a round ends the run when 7 of 9 values agree
    q = 2 * sum(math.comb(9, s) for s in (7, 8, 9)) / 2**9
    assert ex_rounds.split_mean() == pytest.approx(1 / q, rel=1e-8)
    assert ex_rounds.split_mean() == pytest.approx(1 / analysis.split_success_probability(9, 2))
    assert 0 < ex_rounds.lagged_share() < 1
    # rounds-4: with t crashed, the t + 1 survivors' coins must agree: mean 2^t, so doubling
    before, after = ex_rounds.growth_means()
    assert before == pytest.approx(2.0**4, rel=0.05) and after == pytest.approx(2.0**5, rel=0.05)
    assert ex_rounds.growth_ratio() == pytest.approx(2.0, rel=0.05)
    assert ex_rounds.growth_answer() == "doubles"


def test_rounds_1_compares_the_exact_round_one_chances():
    fixed = ex_rounds.first_round_probability()
    assert fixed < ex_rounds.random_first_round_probability()
    assert check("rounds-1", ex_rounds.first_round_answer()).ok
    assert check("rounds-1", "more").status == "wrong"
    assert check("rounds-1", fixed).status == "malformed"  # the old question's number
