"""Student notebooks: the book's chapters without their solutions, ready to hand out.

:func:`export` reads the notebooks that ``_toc.yml`` lists, removes every cell tagged
``solution`` or ``instructor`` (and any ``{solution}`` block an author left in an untagged
cell), clears all outputs and writes the result to a folder. It also copies the local
files the notebooks read or import (figures, data, helper modules next to the chapters),
so that the folder runs on any machine where ``benor_lib`` is installed.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

#: Cells with one of these tags are removed from student notebooks.
REMOVED_TAGS = ("solution", "instructor")

# An opening fence of an exercise or solution directive: ":::{exercise}", "```{solution} x",
# and sphinx-exercise's gated forms "{exercise-start}" / "{solution-start}".
_FENCE = r"^[ \t]{0,3}(?P<fence>:{3,}|`{3,})\{%s\}"
_EXERCISE_OPEN = re.compile(_FENCE % r"exercise(?:-start)?", re.MULTILINE)
_SOLUTION_OPEN = re.compile(_FENCE % r"solution(?P<gated>-start)?")
_SOLUTION_END = re.compile(_FENCE % r"solution-end")

# Files in the book folder that are the book's own machinery, never a chapter's input.
_NOT_INPUTS = {".ipynb", ".md", ".bib", ".yml", ".yaml"}
_SKIPPED_DIRS = {"_build", "_ext", ".ipynb_checkpoints", "__pycache__", ".jupyter_cache"}


class ExportError(Exception):
    """An export that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class ExportedNotebook:
    """What happened to one chapter."""

    source: Path
    dest: Path
    exercises: int  # exercise prompts kept
    solutions_removed: int  # solution cells (and stray solution blocks) removed
    instructor_removed: int  # cells tagged "instructor" removed
    exercises_lost: int = 0  # exercise prompts that sat inside removed cells (an author's slip)


@dataclass
class ExportReport:
    """Everything :func:`export` wrote."""

    dest: Path
    notebooks: list[ExportedNotebook] = field(default_factory=list)
    copied: list[Path] = field(default_factory=list)  # relative to dest
    imports: set[str] = field(default_factory=set)  # top-level modules the notebooks import

    @property
    def exercises(self) -> int:
        """Exercise prompts kept, in all notebooks."""
        return sum(nb.exercises for nb in self.notebooks)

    @property
    def solutions_removed(self) -> int:
        """Solutions removed, in all notebooks."""
        return sum(nb.solutions_removed for nb in self.notebooks)

    def lines(self) -> list[str]:
        """A plain-language account of the export, one line per notebook and a total."""
        width = max((len(str(nb.dest.relative_to(self.dest))) for nb in self.notebooks), default=0)
        out = []
        for nb in self.notebooks:
            name = str(nb.dest.relative_to(self.dest))
            line = (
                f"  {name:<{width}}  {_plural(nb.exercises, 'exercise')} kept, "
                f"{_plural(nb.solutions_removed, 'solution')} removed"
            )
            if nb.instructor_removed:
                line += f", {_plural(nb.instructor_removed, 'instructor cell')} removed"
            out.append(line)
            if nb.exercises_lost:
                out.append(
                    f"  warning: {_plural(nb.exercises_lost, 'exercise prompt')} of "
                    f"{nb.source.name} sat in a cell tagged solution/instructor and went with it"
                )
        out.append(
            f"Wrote {_plural(len(self.notebooks), 'notebook')} to {self.dest}: "
            f"{_plural(self.exercises, 'exercise')} kept, "
            f"{_plural(self.solutions_removed, 'solution')} removed, all outputs cleared."
        )
        if self.copied:
            out.append("Copied what they read or import: " + ", ".join(map(str, self.copied)))
        else:
            modules = sorted(self.imports - set(sys.stdlib_module_names)) or ["benor_lib"]
            out.append(
                "Nothing else to copy: the notebooks import only installed packages ("
                + ", ".join(modules)
                + "). Students need the book's environment: `pip install -r requirements.txt` "
                "in a clone of the book's repository, or Binder."
            )
        return out


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def toc_notebooks(toc: Path) -> list[Path]:
    """The notebooks (``.ipynb``) that ``toc`` lists, in reading order.

    Entries are resolved relative to the folder of ``toc``, as Jupyter Book does; entries
    that are other kinds of page (``.md``) are left out.
    """
    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(
            f"cannot read the table of contents {toc} ({exc.strerror}): run this from the "
            "book's repository, or pass --toc and --book-dir"
        ) from None
    except yaml.YAMLError as exc:
        raise ExportError(f"{toc} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "root" not in data:
        raise ExportError(f"{toc} is not a Jupyter Book table of contents (no 'root:' key)")
    root = toc.parent
    entries: list[str] = [str(data["root"])]

    def walk(items: object) -> None:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                if "file" in item:
                    entries.append(str(item["file"]))
                for key in ("parts", "chapters", "sections"):
                    walk(item.get(key))

    walk([data])
    notebooks: list[Path] = []
    for entry in entries:
        path = root / entry
        if path.suffix == ".ipynb" or (not path.suffix and path.with_suffix(".ipynb").exists()):
            path = path.with_suffix(".ipynb")
            if not path.exists():
                raise ExportError(f"{toc} lists {entry}, but {path} does not exist")
            notebooks.append(path)
    return notebooks


def count_exercises(nb: nbformat.NotebookNode) -> int:
    """The number of exercise directives in a notebook's markdown cells."""
    markdown = (cell.source for cell in nb.cells if cell.cell_type == "markdown")
    return sum(len(_EXERCISE_OPEN.findall(text)) for text in markdown)


def cell_tags(cell: nbformat.NotebookNode) -> set[str]:
    """The tags of a cell (an empty set when it has none)."""
    tags = cell.get("metadata", {}).get("tags", [])
    return {str(t) for t in tags} if isinstance(tags, list) else set()


def strip_solution_blocks(text: str) -> tuple[str, int]:
    """Remove every ``{solution}`` directive (and gated solution) from markdown text.

    Returns the text and the number of blocks removed. A block ends at the first line that
    is only fence characters, at least as many as it opened with, as in MyST.
    """
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    removed = 0
    i = 0
    while i < len(lines):
        match = _SOLUTION_OPEN.match(lines[i])
        if not match:
            kept.append(lines[i])
            i += 1
            continue
        removed += 1
        fence = match.group("fence")
        j = _block_end(lines, i, fence)
        if match.group("gated"):  # {solution-start} ... {solution-end}: drop through the end
            k = j
            while k < len(lines) and not _SOLUTION_END.match(lines[k]):
                k += 1
            if k < len(lines):
                j = _block_end(lines, k, _SOLUTION_END.match(lines[k]).group("fence"))
        i = j
    if not removed:
        return text, 0
    return "".join(kept).strip("\n") + ("\n" if text.endswith("\n") else ""), removed


def _block_end(lines: list[str], start: int, fence: str) -> int:
    """The index just after the fence that closes the directive opened at ``start``."""
    closing = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for j in range(start + 1, len(lines)):
        if closing.match(lines[j].rstrip("\n")):
            return j + 1
    return len(lines)  # unclosed: the directive runs to the end of the cell


def student_version(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """A copy of ``nb`` without solutions or instructor cells, and with outputs cleared."""
    out = nbformat.from_dict(nb)
    counts = {"solutions": 0, "instructor": 0, "exercises_lost": 0}
    cells = []
    for cell in out.cells:
        tags = cell_tags(cell)
        if tags & set(REMOVED_TAGS):
            counts["solutions" if "solution" in tags else "instructor"] += 1
            if cell.cell_type == "markdown":
                counts["exercises_lost"] += len(_EXERCISE_OPEN.findall(cell.source))
            continue
        if cell.cell_type == "markdown":
            cell.source, stray = strip_solution_blocks(cell.source)
            counts["solutions"] += stray
            if stray and not cell.source.strip():
                continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)  # saved widget state belongs to a run, not to a handout
    return out, counts


def imported_modules(nb: nbformat.NotebookNode) -> set[str]:
    """The top-level names of the modules a notebook's code cells import."""
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell escapes are not Python: blank them out before parsing
        lines = cell.source.splitlines()
        code = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _local_inputs(book_dir: Path, texts: list[str], imports: set[str]) -> list[Path]:
    """The files of ``book_dir`` that the notebooks name or import (relative paths)."""
    found: list[Path] = []
    for path in sorted(book_dir.rglob("*")):
        rel = path.relative_to(book_dir)
        if not path.is_file() or _SKIPPED_DIRS & set(rel.parts) or path.suffix in _NOT_INPUTS:
            continue
        named = any(rel.as_posix() in text for text in texts)
        imported = path.suffix == ".py" and rel.parts[0].removesuffix(".py") in imports
        if named or imported:
            found.append(rel)
    return found


def tracked_files(folder: Path) -> list[Path]:
    """The files git tracks in the repository that holds ``folder`` (absolute paths; empty
    when ``folder`` is not in a git repository or git is not installed)."""
    try:
        top = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if top.returncode != 0:
            return []
        root = Path(top.stdout.strip())
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if listed.returncode != 0:
        return []
    return [(root / name).resolve() for name in listed.stdout.split("\0") if name]


def check_not_sources(dest: Path, book_dir: Path, toc: Path) -> None:
    """Raise :class:`ExportError` when writing to ``dest`` could touch the book's sources.

    ``dest`` may not be, contain or lie inside the book folder, nor be or contain the
    table of contents or any file the repository tracks. ``--force`` does not change this:
    it replaces an earlier export, never the sources.
    """
    target = dest.resolve()
    book = book_dir.resolve()
    advice = (
        "choose a folder outside the book's sources (for example ../students); --force "
        "only replaces an earlier export, never the book's own files"
    )
    where = ""
    if target == book:
        where = "is"
    elif target.is_relative_to(book):
        where = "lies inside"
    elif book.is_relative_to(target):
        where = "contains"
    if where:
        raise ExportError(f"{dest} {where} the book's source folder {book_dir}: {advice}")
    toc_path = toc.resolve()
    for path in [toc_path, *tracked_files(toc_path.parent), *tracked_files(book)]:
        if path == target or path.is_relative_to(target):
            what = "is" if path == target else "contains"
            name = path.name if path == target else path.relative_to(target).as_posix()
            raise ExportError(f"{dest} {what} a file of the book's repository ({name}): {advice}")


def check_destination(dest: Path, *, force: bool) -> None:
    """Raise :class:`ExportError` unless ``dest`` may be written to."""
    if dest.is_symlink() and not dest.exists():
        raise ExportError(
            f"{dest} is a symbolic link to {dest.readlink()}, which does not exist: "
            "choose a real folder, or create the one it points to"
        )
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file, not a folder: choose a folder for the notebooks")
    try:
        not_empty = dest.is_dir() and any(dest.iterdir())
    except OSError as exc:
        raise ExportError(
            f"cannot read the folder {dest} ({exc.strerror}): choose a folder you can write to"
        ) from None
    if not_empty and not force:
        raise ExportError(
            f"{dest} is not empty: choose a new folder, or pass --force to write into it "
            "(files of the same name are overwritten, others are left alone)"
        )


def export(
    dest: Path | str,
    *,
    book_dir: Path | str = "book",
    toc: Path | str = "_toc.yml",
    force: bool = False,
) -> ExportReport:
    """Write student versions of the notebooks ``toc`` lists into ``dest``.

    Notebooks keep their paths relative to ``book_dir`` (``book/rounds.ipynb`` becomes
    ``dest/rounds.ipynb``). Raises :class:`ExportError` when ``dest`` is a file, or a
    non-empty folder and ``force`` is false, or is, contains or lies inside the book's
    sources (whatever ``force`` says), when it cannot be written, or when the ToC or a
    notebook cannot be read.
    """
    dest, book_dir, toc = Path(dest), Path(book_dir), Path(toc)
    check_destination(dest, force=force)
    if not book_dir.is_dir():
        raise ExportError(
            f"the book folder {book_dir} does not exist: run this from the book's "
            "repository, or pass --book-dir and --toc"
        )
    check_not_sources(dest, book_dir, toc)
    sources = toc_notebooks(toc)
    if not sources:
        raise ExportError(f"{toc} lists no notebooks: nothing to export")

    report = ExportReport(dest)
    texts: list[str] = []
    staged: list[tuple[Path, nbformat.NotebookNode]] = []
    for source in sources:  # read everything first: a bad notebook must not half-write dest
        try:
            nb = nbformat.read(source, as_version=4)
        except (OSError, ValueError) as exc:  # nbformat's read errors are ValueErrors
            raise ExportError(f"cannot read {source}: {exc}") from None
        student, counts = student_version(nb)
        try:
            rel = source.resolve().relative_to(book_dir.resolve())
        except ValueError:  # a notebook outside the book folder keeps just its name
            rel = Path(source.name)
        target = dest / rel
        staged.append((target, student))
        texts.extend(cell.source for cell in student.cells)
        report.imports |= imported_modules(student)
        report.notebooks.append(
            ExportedNotebook(
                source,
                target,
                count_exercises(student),
                counts["solutions"],
                counts["instructor"],
                counts["exercises_lost"],
            )
        )

    try:
        for target, student in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(student, target)
        for rel in _local_inputs(book_dir, texts, report.imports):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(book_dir / rel, dest / rel)
            report.copied.append(rel)
    except OSError as exc:
        where = exc.filename or dest
        raise ExportError(
            f"cannot write {where} ({exc.strerror or exc}): choose a folder you can write to"
        ) from None
    return report
