"""The classroom command line: ``python -m benor_lib.classroom export DEST`` and ``list``.

Bad arguments end with a one-line error and the usage (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benor_lib.classroom.core import Exercise, exercises
from benor_lib.classroom.export import ExportError, export, toc_notebooks

PROG = "python -m benor_lib.classroom"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The argument parser and its sub-parsers, by command name."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Student notebooks and self-checking exercises of the Ben-Or book.",
        epilog=f"Run '{PROG} COMMAND --help' for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    exp = commands.add_parser(
        "export",
        help="write the chapters as student notebooks (no solutions, no outputs)",
        description=(
            "Write the notebooks listed in the table of contents to DEST with every cell "
            "tagged 'solution' or 'instructor' removed and all outputs cleared, ready to "
            "hand out or upload to a learning platform. Run it from the book's repository."
        ),
    )
    exp.add_argument("dest", metavar="DEST", type=Path, help="folder to write (created if missing)")
    exp.add_argument(
        "--force",
        action="store_true",
        help="write into DEST even if it is not empty (same-named files are overwritten)",
    )
    exp.add_argument(
        "--book-dir",
        type=Path,
        default=Path("book"),
        metavar="DIR",
        help="folder of the chapters; notebooks keep their paths relative to it (default: book)",
    )
    exp.add_argument(
        "--toc",
        type=Path,
        default=Path("_toc.yml"),
        metavar="FILE",
        help="the book's table of contents (default: _toc.yml)",
    )
    lst = commands.add_parser(
        "list",
        help="list the registered self-checking exercises, chapter by chapter",
        description="List the self-checking exercises that check() knows, chapter by chapter.",
    )
    lst.add_argument("--chapter", metavar="NAME", help="only this chapter (e.g. rounds)")
    lst.add_argument(
        "--answers",
        action="store_true",
        help="also show one correct answer per exercise (for instructors; computed, may take "
        "a few seconds)",
    )
    lst.add_argument(
        "--toc",
        type=Path,
        default=Path("_toc.yml"),
        metavar="FILE",
        help="table of contents used to order the chapters, if present (default: _toc.yml)",
    )
    return parser, {"export": exp, "list": lst}


def run_export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The ``export`` command."""
    try:
        report = export(args.dest, book_dir=args.book_dir, toc=args.toc, force=args.force)
    except ExportError as exc:
        parser.error(str(exc))  # prints the usage and the message, exits with status 2
    except OSError as exc:
        print(f"{PROG} export: error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


def _chapter_order(toc: Path) -> list[str]:
    try:
        return [p.stem for p in toc_notebooks(toc)]
    except ExportError:
        return []


def _answer(ex: Exercise) -> str:
    try:
        return repr(ex.correct_answer())
    except Exception as exc:  # an instructor's listing must not stop at one broken exercise
        return f"(cannot compute: {exc})"


def run_list(args: argparse.Namespace) -> int:
    """The ``list`` command."""
    chosen = exercises(args.chapter)
    if not chosen:
        where = f" for chapter {args.chapter!r}" if args.chapter else ""
        print(
            f"No exercises are registered{where} yet. Each chapter registers its own in "
            "benor_lib/classroom/ex_<chapter>.py."
        )
        return 0
    order = _chapter_order(args.toc)
    chapters = sorted(
        {e.chapter for e in chosen},
        key=lambda c: (order.index(c) if c in order else len(order), c),
    )
    id_width = max(len(e.id) for e in chosen)
    kind_width = max(len(e.kind) for e in chosen)
    for chapter in chapters:
        mine = [e for e in chosen if e.chapter == chapter]
        print(f"{chapter} ({len(mine)} exercise{'' if len(mine) == 1 else 's'})")
        for e in mine:
            line = f"  {e.id:<{id_width}}  {e.kind:<{kind_width}}  {e.section}"
            if args.answers:
                line += f"  ->  {_answer(e)}"
            print(line)
    print(f"{len(chosen)} exercises in {len(chapters)} chapter{'' if len(chapters) == 1 else 's'}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser, subparsers = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export":
        return run_export(args, subparsers["export"])
    if args.command == "list":
        return run_list(args)
    parser.error("choose a command: export or list")
    return 2  # not reached: parser.error exits


if __name__ == "__main__":
    sys.exit(main())
