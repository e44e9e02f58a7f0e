"""Size and build time of the book, against their targets.

Run with ``python benchmarks/bench_book.py`` from anywhere. It copies the repository (the
working tree as it is, without _build, caches, .git or node_modules) into a temporary
folder and there:

1. times a clean build, every notebook executed and the JupyterLite site made:
   ``jupyter-book build . -W -n --keep-going``;
2. times the same command again with nothing changed (Sphinx's environment is warm: the
   rebuild an author waits for), and once more after touching one chapter;
   the chapters run in MyST-NB's inline mode (``{eval}`` numbers in the prose, issue 12),
   which has no jupyter-cache: a chapter runs whenever Sphinx reads it, so the touched
   chapter runs again and nothing else does. The clean build's log gives each chapter's
   execution time, printed too;
3. prints the size of ``_build/html``, of its JupyterLite site (``lite/``, without source
   maps) and of its largest page, counting the page's HTML and the image files it shows
   (``_static`` is shared by every page, so not counted).

Targets (this machine: 2 shared cores): clean build (JupyterLite site included) < 3
minutes, rebuild < 30 s, JupyterLite site <= 30 MB.
Options: ``--keep`` keeps the temporary copy and prints where it is.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
CLEAN_BUILD_TARGET_S = 180.0
REBUILD_TARGET_S = 30.0
LITE_SITE_TARGET_MB = 30.0
IGNORED = (
    "_build",
    ".git",
    ".venv",
    "venv",
    "node_modules",
    ".browser_fixtures",
    "_screenshots",
    ".jupyter_cache",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "__pycache__",
)


def jupyter_book() -> str:
    beside_python = Path(sys.executable).parent / "jupyter-book"
    found = str(beside_python) if beside_python.exists() else shutil.which("jupyter-book")
    if found is None:
        sys.exit("jupyter-book is not installed: pip install -r requirements.txt")
    return found


def build(folder: Path) -> tuple[float, int, str]:
    """(seconds, exit status, log) of one strict build of ``folder``."""
    command = [jupyter_book(), "build", ".", "-W", "-n", "--keep-going"]
    start = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    return seconds, result.returncode, result.stdout


def tail(log: str, lines: int = 15) -> str:
    return "\n".join(log.splitlines()[-lines:])


_EXECUTED = re.compile(r"book/(\w+)\.ipynb: Executed notebook in ([\d.]+) seconds")


def executed(log: str) -> dict[str, float]:
    """Chapter -> seconds its inline execution took, from a build log."""
    return {name: float(s) for name, s in _EXECUTED.findall(log)}


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "source"):
            for key, value in attrs:
                if key in ("src", "srcset") and value:
                    self.sources += [part.split()[0] for part in value.split(",") if part.strip()]


def page_weight(page: Path, html_dir: Path) -> tuple[int, int, int]:
    """(total, HTML, images) bytes of one page; images are the local files it shows."""
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    images = set()
    for source in parser.sources:
        parts = urlsplit(source)
        if parts.scheme or parts.netloc or source.startswith("data:"):
            continue  # data: images are inside the HTML already; remote ones are not ours
        try:
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_file() and html_dir.resolve() in target.parents:
                images.add(target)
        except OSError:  # not a file name at all (e.g. a src that is raw base64)
            continue
    html_bytes = page.stat().st_size
    image_bytes = sum(path.stat().st_size for path in images)
    return html_bytes + image_bytes, html_bytes, image_bytes


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def megabytes(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def verdict(seconds: float, target: float, status: int) -> str:
    if status != 0:
        return "MISS (build failed)"
    return "PASS" if seconds < target else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_book_"))
    copy = workdir / "book"
    try:
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
        print(f"clean copy of {REPO} in {copy}")

        clean_s, clean_status, clean_log = build(copy)
        result = verdict(clean_s, CLEAN_BUILD_TARGET_S, clean_status)
        print(
            f"{'clean build (every notebook executed)':<44} {clean_s:>8.1f} s   "
            f"target < {CLEAN_BUILD_TARGET_S:g} s   {result}"
        )
        if clean_status != 0:
            print(f"the build exited with {clean_status}; the end of its log:\n{tail(clean_log)}")
        runs = executed(clean_log)
        print(
            f"{'  of which chapters executing (inline)':<44} {sum(runs.values()):>8.1f} s   "
            + ", ".join(f"{name} {sec:.0f}" for name, sec in runs.items())
        )
        rebuild_s, rebuild_status, rebuild_log = build(copy)
        result = verdict(rebuild_s, REBUILD_TARGET_S, rebuild_status)
        print(
            f"{'rebuild, nothing changed':<44} {rebuild_s:>8.1f} s   "
            f"target < {REBUILD_TARGET_S:g} s    {result}"
        )
        if rebuild_status != 0:
            print(f"the rebuild exited with {rebuild_status}; its log ends:\n{tail(rebuild_log)}")
        print(f"{'  chapters executed again':<44} {len(executed(rebuild_log)):>8d}")
        touched = copy / "book" / "preface.ipynb"
        os.utime(touched)
        touch_s, touch_status, touch_log = build(copy)
        print(
            f"{'rebuild, one chapter touched (preface)':<44} {touch_s:>8.1f} s   "
            f"chapters executed again: {', '.join(executed(touch_log)) or 'none'}"
            + ("" if touch_status == 0 else f"   (exit status {touch_status})")
        )
        html_dir = copy / "_build" / "html"
        if not html_dir.is_dir():
            print("no _build/html: nothing to measure")
            return 1
        total = folder_size(html_dir)
        static = folder_size(html_dir / "_static") if (html_dir / "_static").is_dir() else 0
        print(f"{'_build/html, all files':<44} {megabytes(total):>10}")
        print(f"{'  of which _static (theme, shared)':<44} {megabytes(static):>10}")
        lite = html_dir / "lite"
        if lite.is_dir():
            lite_size = folder_size(lite)
            maps = sum(1 for path in lite.rglob("*.map"))
            result = "PASS" if lite_size <= LITE_SITE_TARGET_MB * 1e6 and not maps else "MISS"
            print(
                f"{'  of which lite/ (JupyterLite site)':<44} {megabytes(lite_size):>10}   "
                f"target <= {LITE_SITE_TARGET_MB:g} MB, {maps} source maps   {result}"
            )
        else:
            print(f"{'  lite/ (JupyterLite site)':<44} {'missing':>10}   MISS")
        pages = [
            p
            for p in html_dir.rglob("*.html")
            if not {"_static", "_sources", "lite"} & set(p.parts)
        ]
        weights = sorted(
            ((page_weight(page, html_dir), page) for page in pages), key=lambda x: -x[0][0]
        )
        if weights:
            (size, html_bytes, image_bytes), page = weights[0]
            name = page.relative_to(html_dir).as_posix()
            print(
                f"{'largest page: ' + name:<44} {megabytes(size):>10}   "
                f"(HTML {megabytes(html_bytes)}, images {megabytes(image_bytes)})"
            )
            for (size, _html, _images), page in weights[1:5]:
                name = page.relative_to(html_dir).as_posix()
                print(f"{'  next: ' + name:<44} {megabytes(size):>10}")
        return 0 if clean_status == 0 and rebuild_status == 0 else 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
