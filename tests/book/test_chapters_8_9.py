"""Chapters 8 and 9 (Byzantine Ben-Or; what an impossibility result says): their exercise
checkers, the facts their prose relies on, and the notebooks themselves."""

from __future__ import annotations

import math
import re
from pathlib import Path

import chapter_source
import nbformat
import pytest

import benor_lib as bl
from benor_lib.classroom import REGISTRY, check, ex_byzantine, ex_framing

REPO = Path(__file__).resolve().parents[2]
BOOK = REPO / "book"
CHAPTERS = ("byzantine", "framing")
CHAPTER_IDS = [f"{c}-{k}" for c in CHAPTERS for k in (1, 2, 3)]


def _cells(chapter: str) -> list[nbformat.NotebookNode]:
    return nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4).cells


def _headings(chapter: str) -> set[str]:
    return {
        line.lstrip("#").strip()
        for cell in _cells(chapter)
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    }


# --- the checkers -----------------------------------------------------------------------


def test_each_chapter_has_a_predict_a_compute_and_an_adversary_exercise() -> None:
    for chapter in CHAPTERS:
        kinds = {e.kind for e in REGISTRY.values() if e.chapter == chapter}
        assert kinds == {"predict", "compute", "adversary"}, chapter
    for exercise_id in CHAPTER_IDS:
        assert REGISTRY[exercise_id].has_example


@pytest.mark.parametrize("exercise_id", CHAPTER_IDS)
def test_hint_section_is_a_heading_of_the_chapter(exercise_id: str) -> None:
    ex = REGISTRY[exercise_id]
    assert ex.section in _headings(ex.chapter), f"{exercise_id}: no heading {ex.section!r}"


def test_break_it_checkers_take_rules_or_a_dict_of_changes() -> None:
    b = bl.standard_rules(6, 1, "byzantine")
    assert check("byzantine-3", b.with_changes(d_twice=5)).ok
    assert check("byzantine-3", {"d_twice": 5}).ok
    a = bl.standard_rules(5, 1)
    assert check("framing-3", a.with_changes(quorum=5)).ok
    assert check("framing-3", a.with_changes(d_twice=8)).ok
    # the published thresholds are not an answer; two changes are not one
    assert check("byzantine-3", b).status == "wrong"
    assert check("byzantine-3", b.with_changes(d_twice=5, adopt_min=1)).status == "malformed"
    # rules of another system say so
    other = check("byzantine-3", a)
    assert other.status == "malformed" and "byzantine variant with n=6" in other.message
    # a violation of the wrong kind is named
    wrong_kind = check("byzantine-3", {"d_twice": 9})
    assert wrong_kind.status == "wrong" and "not of agreement" in wrong_kind.message


def test_correct_answers_are_what_the_library_says() -> None:
    # byzantine-1: at n = 5t the search breaks validity
    assert ex_byzantine.unanimous_can_flip() == "yes"
    found = ex_byzantine.edge_counterexample()
    assert found.kind == "validity" and found.reproduces()
    # byzantine-2: "sure to send D(v)" holds from exactly the resilience bound on
    for t in range(1, 5):
        n = ex_byzantine.smallest_sure_n(t)
        assert n == 5 * t + 1
        assert bl.bound_holds(n, t, "byzantine") and not bl.bound_holds(n - 1, t, "byzantine")
    # framing-1 and framing-2
    assert ex_framing.predicted_result() == "bound violated"
    assert ex_framing.runs_needed() == math.ceil(math.log(0.01) / math.log(0.99))
    assert ex_framing.miss_probability(0.5, 3) == pytest.approx(0.125)
    with pytest.raises(ValueError):
        ex_framing.runs_needed(0.0, 0.9)


def test_the_thresholds_of_protocol_b() -> None:
    for n, t in [(6, 1), (11, 2), (16, 3)]:
        r = bl.standard_rules(n, t, "byzantine")
        assert (r.quorum, r.d_twice, r.adopt_min, r.decide_twice) == (n - t, n + t, t + 1, n + t)
        # the lemmas' counting: a decision leaves every other process t + 1 correct D(v)s
        decide_min = next(c for c in range(r.quorum + 1) if r.decides(c))
        assert decide_min - 2 * t >= r.adopt_min
        # unanimity: n - 2t true reports are enough for a D-message
        assert r.sends_d(n - 2 * t)


def test_the_break_it_lab_finds_what_the_framing_chapter_says() -> None:
    s = bl.standard_rules
    cases = [
        (dict(n=4, t=2, crashes=2), "termination"),
        (dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(decide_twice=1)), "agreement"),
        (dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(quorum=3)), "agreement"),
        (dict(n=5, t=2, crashes=2, rules=s(5, 2).with_changes(d_twice=3)), "agreement"),
        (dict(n=5, t=1, crashes=1, decided_policy="halt"), "termination"),
        (dict(n=6, t=1, variant="byzantine", byzantine=2), "agreement"),
    ]
    for kwargs, kind in cases:
        found = bl.find_violation(seed=0, budget_s=5, **kwargs)
        assert found and found.kind == kind, kwargs


def test_the_byzantine_counterexample_is_found_within_its_budget() -> None:
    # how long the search takes is printed by benchmarks/, not asserted here
    found = bl.find_violation(6, 1, variant="byzantine", byzantine=2, seed=0, budget_s=10)
    assert found and found.kind == "agreement" and found.reproduces()


def test_references_cited_by_the_chapters_exist() -> None:
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    for chapter in CHAPTERS:
        text = "\n".join(c.source for c in _cells(chapter))
        cited = chapter_source.cited_keys(text)
        assert cited and cited <= keys, f"{chapter}: unknown keys {cited - keys}"
        assert "{cite" not in text
    assert {"bracha1987", "fischerlynch1982"} <= keys


# --- the notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_conventions(chapter: str) -> None:
    cells = _cells(chapter)
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    code = [c for c in cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.execution_count is None for c in code)
    assert {"remove-input", "remove-output"} <= set(code[0].metadata.get("tags", []))
    assert code[0].metadata.get("jupyter", {}).get("source_hidden")
    called = set()
    for c in code:
        called |= set(re.findall(r'check\("([\w-]+)"', c.source))
    assert called == {f"{chapter}-{k}" for k in (1, 2, 3)}
    for c in code:
        if "check(" in c.source:
            assert "my_answer = ...  # replace ... with" in c.source
            assert "from benor_lib.classroom import check" in c.source
    solutions = [c for c in cells if ":::{solution}" in c.source]
    assert len(solutions) >= 3
    for c in solutions:
        assert "solution" in c.metadata.get("tags", []) and ":class: dropdown" in c.source
        assert c.source.count(":::{solution}") == 1


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figure_cells_have_captions_names_and_alt_text(chapter: str) -> None:
    figures = 0
    for c in _cells(chapter):
        if c.cell_type == "code" and "mystnb" in c.metadata:
            figures += 1
            meta = c.metadata["mystnb"]
            assert "remove-input" in c.metadata.get("tags", [])
            assert meta["figure"]["caption"] and meta["figure"]["name"].startswith("fig-")
            assert meta["image"]["alt"]
        if c.cell_type == "code" and "figure_markdown(" in c.source:
            figures += 1
            assert "alt=" in c.source and "name=" in c.source
    assert figures, f"{chapter}: no figure cell found (the chapters show figures)"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_code_uses_public_names_only(chapter: str) -> None:
    code = "\n".join(c.source for c in _cells(chapter) if c.cell_type == "code")
    assert "benor_lib" in code
    assert not re.search(r"benor_lib(\.\w+)*\._|import _|\b(bl|benor_lib)\._", code)


def test_framing_shows_the_live_explorer_with_its_widget_note() -> None:
    code = "\n".join(c.source for c in _cells("framing") if c.cell_type == "code")
    assert "widget_note(" in code and "model_explorer()" in code
