"""The classroom: self-checking exercises, and student notebooks exported from the book.

Some of these tests check the chapters themselves (three exercises per chapter, a
solution for each, at least twelve self-checking exercises in all). They fail until the
chapters are written; that is on purpose, so that the suite says what is missing.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import chapter_source
import nbformat
import numpy as np
import pytest

from benor_lib.classroom import REGISTRY, Exercise, Feedback, check, core, exercises, register
from benor_lib.classroom import __main__ as classroom_cli
from benor_lib.classroom.export import (
    ExportError,
    cell_tags,
    count_exercises,
    export,
    strip_solution_blocks,
    toc_notebooks,
)

REPO = Path(__file__).resolve().parents[2]
TOC = REPO / "_toc.yml"
BOOK_DIR = REPO / "book"
NOTEBOOKS = toc_notebooks(TOC)
ROOT = NOTEBOOKS[0]  # the ToC's root page (the preface), not a chapter
CHAPTERS = NOTEBOOKS[1:]
MIN_EXERCISES_PER_CHAPTER = 3
MIN_REGISTERED = 12

_SOLUTION_DIRECTIVE = re.compile(r"^[ \t]*(:{3,}|`{3,})\{solution(?:-start)?\}[ \t]*(\S*)", re.M)
_EXERCISE_BLOCK = re.compile(
    r"^[ \t]*(?P<fence>:{3,}|`{3,})\{exercise(?:-start)?\}.*?$"  # the opening line
    r"(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",  # up to the closing fence
    re.M | re.S,
)
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def _run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m benor_lib.classroom ARGS``, run in this process (its ``main``): the same
    code, without a new interpreter importing everything again. The real command line runs
    in :func:`_run_cli_process` (the ``exported`` fixture and the help test)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            code = classroom_cli.main(list(args))
        except SystemExit as exit_:  # argparse: bad arguments, --help
            code = exit_.code if isinstance(exit_.code, int) else 1
    command = [sys.executable, "-m", "benor_lib.classroom", *args]
    return subprocess.CompletedProcess(command, code, stdout.getvalue(), stderr.getvalue())


def _run_cli_process(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m benor_lib.classroom ARGS`` in a new interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "benor_lib.classroom", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


# --------------------------------------------------------------------------------------
# Export of the real book
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book's student notebooks, exported once through the command line."""
    dest = tmp_path_factory.mktemp("students") / "handout"
    result = _run_cli_process("export", str(dest))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return dest


def _exported_path(dest: Path, source: Path) -> Path:
    return dest / source.relative_to(BOOK_DIR)


def test_export_writes_every_toc_notebook_and_reports_it(exported: Path) -> None:
    for source in NOTEBOOKS:
        assert _exported_path(exported, source).is_file(), source.name


def test_export_report_lines(tmp_path: Path) -> None:
    result = _run_cli("export", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for source in NOTEBOOKS:
        line = next(ln for ln in lines if ln.strip().startswith(source.name))
        assert re.search(r"\d+ exercises? kept, \d+ solutions? removed", line), line
    assert any(ln.startswith(f"Wrote {len(NOTEBOOKS)} notebooks to ") for ln in lines)
    assert "pip install -r requirements.txt" in result.stdout or "Copied" in result.stdout


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_exported_notebook_has_no_solutions_and_keeps_every_exercise(
    exported: Path, source: Path
) -> None:
    original, student = _read(source), _read(_exported_path(exported, source))
    for cell in student.cells:
        assert not cell_tags(cell) & {"solution", "instructor"}, cell.source[:80]
        assert not _SOLUTION_DIRECTIVE.search(cell.source), cell.source[:80]
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert count_exercises(student) == count_exercises(original)
    solutions = [c for c in original.cells if "solution" in cell_tags(c)]
    kept = len(original.cells) - len(solutions)
    kept -= sum("instructor" in cell_tags(c) for c in original.cells if c not in solutions)
    assert len(student.cells) <= kept


def _local_names(tree: ast.AST) -> set[str]:
    """Names bound only inside a function, lambda or comprehension (parameters, targets)."""
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            local |= {p.arg for p in params if p is not None}
        elif isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return local


def _loaded_names(source: str) -> set[str]:
    """Every name a code cell reads from the notebook's namespace (roughly: not its locals)."""
    tree = ast.parse(source)
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    loaded = {n.id for n in names if isinstance(n.ctx, ast.Load)}
    return loaded - _local_names(tree)


def _bound_names(source: str) -> set[str]:
    """Every name a code cell binds in the notebook's namespace (roughly: not its locals)."""
    return chapter_source.assigned_names(source) - _local_names(ast.parse(source))


def _needs_from_removed(
    original: nbformat.NotebookNode, student: nbformat.NotebookNode
) -> set[str]:
    """The names that kept cells (code, or ``{eval}`` in markdown) read and that only
    removed cells assign."""
    kept = [c.source for c in student.cells if c.cell_type == "code"]
    removed = [c.source for c in original.cells if c.cell_type == "code" and c.source not in kept]
    assigned_by_kept = set().union(*(chapter_source.assigned_names(s) for s in kept))
    only_removed = set().union(*(_bound_names(s) for s in removed))
    read = set().union(*(_loaded_names(s) for s in kept))
    read |= {
        name
        for c in student.cells
        if c.cell_type == "markdown"
        for expression in chapter_source.eval_names(c.source)
        for name in _loaded_names(expression)
    }
    return read & (only_removed - assigned_by_kept)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_exported_notebook_needs_nothing_from_the_removed_cells(
    exported: Path, source: Path
) -> None:
    """No kept cell reads a name that only a removed (solution) cell assigns.

    The student notebooks are executed once per test run, in JupyterLab
    (tests/book/test_jupyterlab.py); this is the fast, static half of that check.
    """
    original, student = _read(source), _read(_exported_path(exported, source))
    needs = _needs_from_removed(original, student)
    assert not needs, f"{source.name} needs {sorted(needs)} from the removed cells"
    assert not chapter_source.undefined_evals(student), source.name


def test_the_removed_cell_scan_finds_a_name_only_a_solution_assigns() -> None:
    new = nbformat.v4
    solution = new.new_code_cell("answer = 3")
    kept = [new.new_code_cell("x = 1"), new.new_markdown_cell("It is {eval}`answer + x`.")]
    original = new.new_notebook(cells=[kept[0], solution, kept[1]])
    assert _needs_from_removed(original, new.new_notebook(cells=kept)) == {"answer"}
    assert _needs_from_removed(original, original) == set()
    # a parameter or a comprehension variable is no name of the notebook's
    kept.append(new.new_code_cell("def f(p):\n    return [q for q in p]"))
    original.cells += [kept[-1], new.new_code_cell("x2 = [p for p in range(3)]")]
    assert _needs_from_removed(original, new.new_notebook(cells=kept)) == {"answer"}


# --------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------


def test_export_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    dest = tmp_path / "handout"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    refused = _run_cli("export", str(dest))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert "usage:" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]  # nothing written

    forced = _run_cli("export", str(dest), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert all(_exported_path(dest, s).is_file() for s in NOTEBOOKS)


def test_export_into_an_empty_existing_folder_needs_no_force(tmp_path: Path) -> None:
    assert _run_cli("export", str(tmp_path)).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export"], "required: DEST"),
        (["export", "README.md"], "is a file"),
        (["export", "{tmp}/x", "--bogus"], "unrecognized arguments: --bogus"),
        (["export", "{tmp}/x", "--toc", "{tmp}/missing.yml"], "cannot read the table"),
        (["export", "{tmp}/x", "--book-dir", "{tmp}/nothing"], "does not exist"),
        (["grade"], "invalid choice"),
        ([], "choose a command"),
    ],
    ids=[
        "missing-dest",
        "dest-is-a-file",
        "unknown-option",
        "no-toc",
        "no-book-dir",
        "unknown-command",
        "no-command",
    ],
)
def test_bad_arguments_give_one_line_error_and_usage(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = _run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert result.stderr.startswith("usage: python -m benor_lib.classroom")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args", [["--help"], ["export", "--help"], ["list", "--help"]])
def test_help(args: list[str]) -> None:
    result = _run_cli(*args)
    assert result.returncode == 0 and result.stdout.startswith("usage:"), result.stderr


def test_list_names_every_registered_exercise_with_its_kind() -> None:
    result = _run_cli("list")
    assert result.returncode == 0, result.stderr
    for ex in REGISTRY.values():
        assert re.search(rf"^\s+{re.escape(ex.id)}\s+{ex.kind}\b", result.stdout, re.M), ex.id
    if not REGISTRY:
        assert "No exercises are registered" in result.stdout


# --------------------------------------------------------------------------------------
# Export on a small made-up book: every kind of cell it must handle
# --------------------------------------------------------------------------------------


def _md(text: str, *tags: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _code(text: str, *tags: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    cell.outputs = [nbformat.v4.new_output("stream", text="old output\n")]
    cell.execution_count = 7
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.fixture
def mini_book(tmp_path: Path) -> Path:
    """A two-chapter book with solutions tagged, untagged, gated and nested."""
    root = tmp_path / "repo"
    book = root / "book"
    (book / "data").mkdir(parents=True)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n- file: book/one\n- file: book/two\n",
        encoding="utf-8",
    )
    (book / "intro.md").write_text("# Intro\n", encoding="utf-8")
    (book / "data" / "inputs.txt").write_text("0 1 1\n", encoding="utf-8")
    (book / "unused.txt").write_text("not read by any chapter\n", encoding="utf-8")
    (book / "helper.py").write_text("ANSWER = 42\n", encoding="utf-8")
    one = nbformat.v4.new_notebook()
    one.metadata["widgets"] = {"state": {}}
    one.cells = [
        _md("# One"),
        _code("import helper\nfrom pathlib import Path\nPath('data/inputs.txt').read_text()"),
        _md(":::{exercise}\n:label: one-a\nCompute it.\n:::"),
        _md(":::{solution} one-a\n:class: dropdown\nIt is 42.\n:::", "solution"),
        _code("answer = 42  # the solution's code", "solution"),
        _md("```{exercise}\n:label: one-b\nAnd this.\n```\n\nText after it stays."),
        _md("Teach it slowly.", "instructor"),
        _md(  # an author forgot the tag: the block must still go, the prose must stay
            "Before.\n\n::::{solution} one-b\n:class: dropdown\n:::{note}\nnested\n:::\n"
            "still the solution\n::::\n\nAfter."
        ),
    ]
    two = nbformat.v4.new_notebook()
    two.cells = [
        _md("# Two"),
        _md(":::{exercise-start}\n:label: two-a\n:::\nGated.\n:::{exercise-end}\n:::"),
        _md("```{solution-start} two-a\n```\nGated answer.\n```{solution-end}\n```"),
    ]
    nbformat.write(one, book / "one.ipynb")
    nbformat.write(two, book / "two.ipynb")
    return root


def test_export_strips_every_kind_of_solution(mini_book: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    report = export(dest, book_dir=mini_book / "book", toc=mini_book / "_toc.yml")
    one, two = _read(dest / "one.ipynb"), _read(dest / "two.ipynb")
    text = "\n".join(c.source for c in one.cells + two.cells)
    for gone in (
        "It is 42",
        "the solution's code",
        "nested",
        "still the solution",
        "Gated answer",
        "Teach it slowly",
        "{solution",
    ):
        assert gone not in text
    for kept in ("Compute it.", "And this.", "Text after it stays.", "Before.", "After.", "Gated."):
        assert kept in text
    assert all(
        c.outputs == [] and c.execution_count is None for c in one.cells if c.cell_type == "code"
    )
    assert "widgets" not in one.metadata
    counts = {
        nb.dest.name: (nb.exercises, nb.solutions_removed, nb.instructor_removed)
        for nb in report.notebooks
    }
    assert counts == {"one.ipynb": (2, 3, 1), "two.ipynb": (1, 1, 0)}
    assert sorted(map(str, report.copied)) == ["data/inputs.txt", "helper.py"]
    assert (dest / "data" / "inputs.txt").is_file() and not (dest / "unused.txt").exists()
    assert report.lines()[-1].startswith("Copied what they read or import:")


def test_export_warns_when_an_exercise_sits_in_a_solution_cell(
    mini_book: Path, tmp_path: Path
) -> None:
    path = mini_book / "book" / "two.ipynb"
    nb = _read(path)
    nb.cells[1].metadata["tags"] = ["solution"]
    nbformat.write(nb, path)
    report = export(tmp_path / "out", book_dir=mini_book / "book", toc=mini_book / "_toc.yml")
    assert any("warning: 1 exercise prompt of two.ipynb" in ln for ln in report.lines())


def test_export_api_refuses_non_empty_and_files(mini_book: Path, tmp_path: Path) -> None:
    kwargs = {"book_dir": mini_book / "book", "toc": mini_book / "_toc.yml"}
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("", encoding="utf-8")
    with pytest.raises(ExportError, match="not empty"):
        export(tmp_path / "full", **kwargs)
    with pytest.raises(ExportError, match="is a file"):
        export(tmp_path / "full" / "x", **kwargs)
    export(tmp_path / "full", force=True, **kwargs)


def test_strip_solution_blocks_leaves_other_directives_alone() -> None:
    text = ":::{note}\nkeep\n:::\n\n```{solution} a\ngo\n```\n\n```python\nkeep too\n```\n"
    stripped, removed = strip_solution_blocks(text)
    assert removed == 1 and "go" not in stripped and "keep\n" in stripped
    assert "keep too" in stripped


# --------------------------------------------------------------------------------------
# The chapters' exercises (these wait on the chapters: they fail until those are written)
# --------------------------------------------------------------------------------------


def _exercise_labels(nb: nbformat.NotebookNode) -> list[str | None]:
    labels: list[str | None] = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "solution" in cell_tags(cell):
            continue
        for block in _EXERCISE_BLOCK.finditer(cell.source):
            label = re.search(r"^[ \t]*:label:[ \t]*(\S+)", block.group("body"), re.M)
            labels.append(label.group(1) if label else None)
    return labels


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_three_exercises_each_with_a_tagged_solution(chapter: Path) -> None:
    nb = _read(chapter)
    count = count_exercises(nb)
    assert count >= MIN_EXERCISES_PER_CHAPTER, (
        f"{chapter.name} has {count} exercise(s); every chapter needs at least "
        f"{MIN_EXERCISES_PER_CHAPTER} (:::{{exercise}} directives)"
    )
    labels = _exercise_labels(nb)
    assert None not in labels, f"{chapter.name}: an exercise has no :label: for its solution"
    tagged, untagged = set(), []
    for cell in nb.cells:
        for match in _SOLUTION_DIRECTIVE.finditer(cell.source):
            if "solution" in cell_tags(cell):
                tagged.add(match.group(2))
            else:
                untagged.append(match.group(2))
    assert not untagged, f"{chapter.name}: solutions {untagged} are in cells not tagged solution"
    missing = [label for label in labels if label not in tagged]
    assert not missing, f"{chapter.name}: exercises without a solution cell: {missing}"


def test_at_least_twelve_exercises_are_registered() -> None:
    chapters = sorted({e.chapter for e in REGISTRY.values()})
    assert len(REGISTRY) >= MIN_REGISTERED, (
        f"{len(REGISTRY)} self-checking exercises registered (chapters: {chapters or 'none'}); "
        f"the book needs at least {MIN_REGISTERED}"
    )


def test_registered_exercises_belong_to_chapters_that_call_them() -> None:
    stems = {p.stem: p for p in NOTEBOOKS}
    for ex in REGISTRY.values():
        assert ex.chapter in stems, f"{ex.id}: chapter {ex.chapter!r} is not in the ToC"
        assert ex.id.startswith(f"{ex.chapter}-"), f"{ex.id} should be named {ex.chapter}-<k>"
    for path in NOTEBOOKS:
        code = [c.source for c in _read(path).cells if c.cell_type == "code"]
        called = {m for text in code for m in _CHECK_CALL.findall(text)}
        assert called <= set(REGISTRY), (
            f"{path.name} checks unregistered ids {called - set(REGISTRY)}"
        )


# --------------------------------------------------------------------------------------
# Every registered checker: accepts its answer, rejects a wrong one, survives junk
# --------------------------------------------------------------------------------------

_NO_EXERCISES = "no exercises registered yet"
REGISTERED = sorted(REGISTRY) or [_NO_EXERCISES]

# Answers of the wrong form, of many kinds (gathered from every chapter's tests): each
# checker calls them malformed, and no checker raises on any of them.
MALFORMED: list[object] = [
    "forty-two",
    "three",
    "0.3",
    "",
    None,
    True,
    False,
    2.5,
    float("nan"),
    float("inf"),
    1j,
    [],
    [0, 1],
    [0.3],
    [[0, 1], [1, 0]],
    [[0, 1], {"a": 1}],
    {"answer": 1},
    {"p": 0.3},
    [[0, 1, 2]] * 5,
    [[0, 0, 1, 2]] * 5,
    [[0, 1, 2, 9]] * 5,
    np.zeros((2, 3)),
    object(),
]
# Of the right shape for some exercises (a proposal per process, each "none"): not correct,
# and either malformed or wrong.
NOT_CORRECT: list[object] = [[None] * 5, (None, None, None, None, None)]

# Likely confusions, one or more per exercise: each is "wrong", with a hint.
LIKELY_WRONG: list[tuple[str, object]] = [
    ("consensus-1", 7),
    ("consensus-2", 0),
    ("consensus-3", [0, 0, 0, 0, 1]),
    ("flp-1", "undecided"),
    ("flp-2", 1),
    ("flp-3", {"reports": [1, 0, 1], "proposals": [1, 0, 1]}),
    ("model-1", "above"),
    ("model-2", 0.9),
    ("model-3", [0, 0, 0, 0, 0]),
    ("algorithm-1", [0, None, 1, None, 1]),
    ("algorithm-2", "both"),
    ("algorithm-3", [[0, 2, 3, 4], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 4]]),
    ("correctness-1", 2),
    ("correctness-2", "more than it"),
    ("correctness-3", [[1, 2, 3, 4], [0, 1, 2, 3], [2, 3, 4, 0], [3, 4, 0, 1], [4, 0, 1, 2]]),
    ("rounds-3", 0.0),
    ("rounds-3", 0.5),
    ("rounds-4", "quadruples"),  # the answer without crashes
    ("rounds-4", "stays about the same"),
    ("byzantine-1", "no"),
    ("byzantine-2", 10),
    ("byzantine-3", {"adopt_min": 1}),
    ("framing-1", "Ben-Or"),
    ("framing-2", 100),
    ("framing-3", {"decide_twice": 1}),
]


def _exercise(exercise_id: str) -> Exercise:
    if exercise_id == _NO_EXERCISES:
        pytest.fail("no self-checking exercises are registered yet (benor_lib/classroom/ex_*.py)")
    return REGISTRY[exercise_id]


def _correct(ex: Exercise) -> object:
    assert ex.has_example, (
        f"{ex.id}: register it with example=<function returning a correct answer>, "
        "or build it with numeric/exact_int/choice, which know their answer"
    )
    return ex.correct_answer()


def _variants(answer: object, options: tuple[str, ...] = ()) -> Iterator[object]:
    """Answers near ``answer`` that should be wrong: other options, flipped bits, shifts."""
    if isinstance(answer, str):
        yield from (o for o in options if o.strip().lower() != answer.strip().lower())
        yield answer + " (not)"
    elif isinstance(answer, (bool, np.bool_)):
        yield not answer
    elif isinstance(answer, (int, np.integer)):
        for delta in (1, -1, 2, -2, 3, 5, 10, 100):
            yield int(answer) + delta
    elif isinstance(answer, (float, np.floating)):
        x = float(answer)
        for delta in (0.5, -0.5, 0.25, -0.25, 0.1, -0.1, 1, -1, 10, 100):
            yield x + delta
        yield from (0.0, 1.0, x / 2, x * 2)
    elif isinstance(answer, (list, tuple, np.ndarray)):
        values = list(answer)
        if values and all(v in (0, 1) for v in values):
            flips = [
                [1 - v if j == i else v for j, v in enumerate(values)] for i in range(len(values))
            ]
            yield from flips
            yield [1 - v for v in values]
            if len(values) <= 10:
                yield from (list(bits) for bits in product((0, 1), repeat=len(values)))
        else:
            for i, v in enumerate(values):
                for w in _variants(v):
                    yield values[:i] + [w] + values[i + 1 :]
    elif isinstance(answer, dict):
        for key, v in answer.items():
            for w in _variants(v):
                yield {**answer, key: w}


@pytest.mark.parametrize("exercise_id", REGISTERED)
def test_checker_accepts_its_correct_answer(exercise_id: str) -> None:
    ex = _exercise(exercise_id)
    answer = _correct(ex)
    feedback = check(ex.id, answer)
    assert isinstance(feedback, Feedback) and feedback.ok, f"{ex.id}: {answer!r} -> {feedback}"


def _assert_hint_says_what_to_reread(ex: Exercise, feedback: Feedback) -> None:
    assert feedback.hint and "Reread" in feedback.hint, f"{ex.id}: {feedback}"
    if ex.chapter != ROOT.stem:  # the preface's warm-ups send readers to later chapters
        assert ex.section in feedback.hint, f"{ex.id}: the hint names no {ex.section!r}"


@pytest.mark.parametrize("exercise_id", REGISTERED)
def test_checker_rejects_a_wrong_answer_with_a_hint(exercise_id: str) -> None:
    ex = _exercise(exercise_id)
    answer = _correct(ex)
    options = tuple(getattr(ex.checker, "options", ()))
    seen = []
    for wrong in _variants(answer, options):
        feedback = check(ex.id, wrong)
        seen.append(f"{wrong!r}: {feedback.status}")
        if feedback.status == "wrong":
            _assert_hint_says_what_to_reread(ex, feedback)
            return
    pytest.fail(f"{ex.id}: no answer near {answer!r} was called wrong: {seen[:10]}")


@pytest.mark.parametrize(
    "exercise_id, wrong", LIKELY_WRONG, ids=[f"{e}-{i}" for i, (e, _) in enumerate(LIKELY_WRONG)]
)
def test_checker_calls_a_likely_confusion_wrong(exercise_id: str, wrong: object) -> None:
    ex = _exercise(exercise_id)
    feedback = check(ex.id, wrong)
    assert feedback.status == "wrong", f"{ex.id}: {wrong!r} -> {feedback}"
    _assert_hint_says_what_to_reread(ex, feedback)


@pytest.mark.parametrize("exercise_id", REGISTERED)
def test_checker_calls_malformed_answers_malformed(exercise_id: str) -> None:
    ex = _exercise(exercise_id)
    for answer in [*MALFORMED, Ellipsis]:
        feedback = check(ex.id, answer)
        assert isinstance(feedback, Feedback), f"{ex.id}: {answer!r}"
        assert feedback.status == "malformed", f"{ex.id}: {answer!r} -> {feedback}"
        assert feedback.message.strip(), f"{ex.id}: {answer!r} got an empty message"
    for answer in NOT_CORRECT:
        assert check(ex.id, answer).status in ("malformed", "wrong"), f"{ex.id}: {answer!r}"
    for answer in [*MALFORMED, *NOT_CORRECT]:  # the checker itself copes: check() need not
        try:
            feedback = ex.checker(answer)
        except Exception as exc:  # noqa: BLE001 - the point is to name any exception
            pytest.fail(f"{ex.id}: the checker raised {exc!r} on {answer!r}")
        assert isinstance(feedback, Feedback) and not feedback.ok, f"{ex.id}: {answer!r}"


# --------------------------------------------------------------------------------------
# The registry and the factories (core)
# --------------------------------------------------------------------------------------


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Exercise]:
    """An empty registry for the duration of one test."""
    registry: dict[str, Exercise] = {}
    monkeypatch.setattr(core, "REGISTRY", registry)
    return registry


def test_unknown_ids_get_a_friendly_message(scratch_registry: dict[str, Exercise]) -> None:
    for bad in ("nope-1", "", None, 3, ["rounds-1"]):
        feedback = core.check(bad, 0.5)  # type: ignore[arg-type]
        assert feedback.status == "malformed" and "no exercise" in feedback.message.lower()
    register(
        "rounds-2",
        core.exact_int(lambda: 3, section="S", hint="h"),
        chapter="rounds",
        kind="compute",
        section="S",
    )
    register(
        "rounds-3",
        core.exact_int(lambda: 4, section="S", hint="h"),
        chapter="rounds",
        kind="compute",
        section="S",
    )
    assert "'rounds-2'" in core.check("round-2", 3).message  # a near miss: did you mean
    assert "rounds-2, rounds-3" in core.check("rounds-99", 3).message  # same chapter
    assert "rounds" in core.check("zzz", 3).message  # lists the chapters


def test_factories_expose_their_correct_answer(scratch_registry: dict[str, Exercise]) -> None:
    s, h = "Section", "Think again."
    made = {
        "x-1": core.numeric(lambda: 0.3125, tol=1e-3, section=s, hint=h, low=0, high=1),
        "x-2": core.exact_int(lambda: 4, section=s, hint=h),
        "x-3": core.choice(["agree", "disagree"], lambda: "agree", section=s, hint=h),
        "x-4": core.bits(
            3,
            lambda v: sum(v) == 2 or "two ones, please",
            section=s,
            hint=h,
            example=lambda: (0, 1, 1),
        ),
    }
    for exercise_id, checker in made.items():
        register(exercise_id, checker, chapter="x", kind="compute", section=s)
    assert [e.correct_answer() for e in exercises("x")] == [0.3125, 4, "agree", (0, 1, 1)]
    for exercise_id in made:
        ex = scratch_registry[exercise_id]
        assert check(exercise_id, ex.correct_answer()).ok
        wrong = next(
            w
            for w in _variants(ex.correct_answer(), ("agree", "disagree"))
            if check(exercise_id, w).status == "wrong"
        )
        assert check(exercise_id, wrong).hint.endswith("(Reread: Section.)")
        for answer in MALFORMED:
            feedback = ex.checker(answer)
            assert not feedback.ok and feedback.status in ("malformed", "wrong"), answer


def test_register_keeps_its_old_signature_and_takes_an_example(
    scratch_registry: dict[str, Exercise],
) -> None:
    def checker(answer: object) -> Feedback:
        return Feedback(
            "correct" if answer == "yes" else "wrong", "ok", "" if answer == "yes" else "h"
        )

    old = register("y-1", checker, chapter="y", kind="predict", section="S")
    assert not old.has_example
    with pytest.raises(LookupError, match="example="):
        old.correct_answer()
    new = register("y-2", checker, chapter="y", kind="predict", section="S", example=lambda: "yes")
    assert new.has_example and new.correct_answer() == "yes"
    # register's example wins over the checker's own answer
    bits_checker = core.bits(2, lambda v: True, section="S", hint="h", example=lambda: [0, 0])
    third = register(
        "y-3", bits_checker, chapter="y", kind="adversary", section="S", example=lambda: [1, 1]
    )
    assert third.correct_answer() == [1, 1]
    with pytest.raises(ValueError, match="twice"):
        register("y-1", checker, chapter="y", kind="predict", section="S")
    with pytest.raises(ValueError, match="kind"):
        register("y-4", checker, chapter="y", kind="essay", section="S")
    with pytest.raises(TypeError, match="example"):
        register("y-5", checker, chapter="y", kind="predict", section="S", example="yes")  # type: ignore[arg-type]


def test_check_never_raises_even_for_a_broken_checker(
    scratch_registry: dict[str, Exercise],
) -> None:
    def broken(answer: object) -> Feedback:
        raise ZeroDivisionError("oops")

    register("z-1", broken, chapter="z", kind="compute", section="S")
    register("z-2", lambda a: "not feedback", chapter="z", kind="compute", section="S")  # type: ignore[arg-type, return-value]
    assert core.check("z-1", 1).status == "malformed"
    assert core.check("z-2", 1).status == "malformed"
    assert "Replace the ..." in core.check("z-1", ...).message


def test_feedback_renders_for_a_notebook() -> None:
    feedback = Feedback("wrong", "0.5 is not <right>.", "Count the D-messages.")
    assert "&lt;right&gt;" in feedback._repr_html_()
    assert str(feedback) == "0.5 is not <right>. Hint: Count the D-messages."


# --------------------------------------------------------------------------------------
# The instructor's guide
# --------------------------------------------------------------------------------------

GUIDE = BOOK_DIR / "instructors.md"


def test_guide_covers_every_chapter_and_the_readings() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"]({path.stem}.ipynb)" in text, f"the guide has no goals for {path.stem}"
    for key in ("benor1983", "flp1985", "aguilera2012", "aspnes2003", "lynch1989"):
        assert re.search(rf"\]\(#([\w,]*,)?{key}(,[\w,]*)?\)", text), key
    assert "python -m benor_lib.classroom export" in text


def test_guide_code_runs() -> None:
    """The snippets an instructor pastes into a notebook work as printed."""
    snippets = re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.S | re.M)
    assert len(snippets) >= 3
    for number, code in enumerate(snippets, 1):
        exec(compile(code, f"instructors.md, snippet {number}", "exec"), {})  # noqa: S102


# --------------------------------------------------------------------------------------
# The export never touches the book's sources (issue 15)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dest, words",
    [
        ("book", "is the book's source folder"),
        (".", "contains the book's source folder"),
        ("book/students", "lies inside the book's source folder"),
        ("benor_lib", "contains a file of the book's repository"),
        ("tests", "contains a file of the book's repository"),
    ],
)
def test_export_refuses_the_books_sources_even_with_force(dest: str, words: str) -> None:
    before = {p: p.stat().st_mtime_ns for p in NOTEBOOKS}
    refused = _run_cli("export", dest, "--force")
    assert refused.returncode == 2 and words in refused.stderr, refused.stderr
    assert "never the book's own files" in refused.stderr and "Traceback" not in refused.stderr
    assert {p: p.stat().st_mtime_ns for p in NOTEBOOKS} == before
    assert not (REPO / "book" / "students").exists()


def test_export_api_refuses_a_tracked_file_folder(mini_book: Path) -> None:
    tools = mini_book / "tools"
    tools.mkdir()
    (tools / "notes.txt").write_text("tracked\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(mini_book)], check=True)
    subprocess.run(["git", "-C", str(mini_book), "add", "tools/notes.txt"], check=True)
    kwargs = {"book_dir": mini_book / "book", "toc": mini_book / "_toc.yml", "force": True}
    with pytest.raises(ExportError, match=r"contains a file of the book's repository \(notes"):
        export(tools, **kwargs)
    export(tools / "students", **kwargs)  # a new folder beside tracked files is fine


def test_export_explains_unwritable_and_dangling_destinations(tmp_path: Path) -> None:
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    refused = _run_cli("export", str(link))
    assert refused.returncode == 2 and "symbolic link" in refused.stderr, refused.stderr
    refused = _run_cli("export", "/proc/benor-students")
    assert refused.returncode == 2 and "cannot write /proc/benor-students" in refused.stderr
    assert "Errno" not in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    "answer",
    [10**400, -(10**400), 10**5000, [10**5000] * 5, (10**400,)],
    ids=["1e400", "-1e400", "1e5000", "list", "tuple"],
)
def test_huge_whole_numbers_get_a_clear_word(answer: object) -> None:
    for ex in exercises():
        feedback = check(ex.id, answer)
        assert feedback.status == "malformed" and "could not be checked" not in feedback.message
