"""Every widget action answers within its time budget, in a real JupyterLab (issue 18).

Playwright drives the three widgets in Chromium against a JupyterLab server with a live
kernel (the server and the settings come from ``jupyterlab_support``). Each action is a
click; the page itself times it, from the click to the first change of the widget's
answer (its notes, tables and figure, not the control that was clicked), to the first
new picture, and to the last change (the widget is then quiet for a while). The first
answer must come within a generous multiple of :data:`benor_lib.apps.budget.FIRST_ANSWER_S`,
so that a loaded machine does not make the test flaky; the real figures are printed
(run with ``-s``). The same actions run again in the slow-kernel mode
(``BENOR_SLOWDOWN=4``), where the explorer must still answer at once, show its progress
and say that it runs in that mode.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path

import jupyterlab_support as jl
import nbformat
import pytest
from browser_support import CHROMIUM_ARGS

from benor_lib.apps.budget import FIRST_ANSWER_S, SLOWDOWN_ENV

pytestmark = pytest.mark.browser

GENEROUS = 6
"""The test allows this multiple of the budget (the benchmark holds the real line)."""

# explorers start on the uniform scheduler; the action is the click on "split adversary"
SLOW_SETTINGS = [(9, 4), (12, 5), (21, 10), (64, 8)]

CELLS = [
    "import os\n"
    "from benor_lib.apps import distribution_explorer, round_stepper\n"
    "from benor_lib.apps.model_explorer.view import model_explorer",
    *[f"distribution_explorer(n={n}, t={t}, runs=1_000)" for n, t in SLOW_SETTINGS],
    "round_stepper(n=9, t=4, scheduler='split')",
    "model_explorer(n=4, t=1)",
]
SLOW_CELLS = [
    f"import os\nos.environ[{SLOWDOWN_ENV!r}] = '4'\n"
    "from benor_lib.apps import distribution_explorer, round_stepper",
    "distribution_explorer(n=9, t=4, runs=1_000)",
    "round_stepper()",
]

# Times one click in the page: from the click to the first change of the widget's answer
# (changes inside controls are the click's own echo, not an answer), to the first new
# image, and to the last change before the widget stays quiet for `quiet` ms (longer than
# any one drawing on a loaded machine, or the answer would seem complete too early).
TIME_CLICK = """([root, button, quiet, limit]) => new Promise(resolve => {
  const controls = '.widget-toggle-buttons, .widget-button, button, .widget-slider, '
    + '.widget-dropdown, .widget-text, .widget-checkbox, .widget-inline-hbox.widget-play';
  const inControl = n => {
    const el = n.nodeType === 1 ? n : n.parentElement;
    return !!el && !!el.closest(controls);
  };
  const isImage = n => n.nodeName === 'IMG' || (!!n.querySelector && !!n.querySelector('img'));
  const hasImage = r => r.target.nodeName === 'IMG' || [...r.addedNodes].some(isImage);
  let first = null, picture = null, last = null, progress = false;
  const t0 = performance.now();
  const obs = new MutationObserver(records => {
    const now = performance.now() - t0;
    for (const r of records) {
      if (inControl(r.target)) continue;
      if (first === null) first = now;
      if (picture === null && hasImage(r)) picture = now;
      last = now;
    }
    progress = progress || root.textContent.includes('Sampling:');
  });
  obs.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  button.click();
  const timer = setInterval(() => {
    const now = performance.now() - t0;
    if ((last !== null && now - last > quiet) || now > limit) {
      clearInterval(timer);
      obs.disconnect();
      resolve({first, picture, complete: last, progress, text: root.innerText.slice(0, 3000)});
    }
  }, 25);
})"""


def _notebook(path: Path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("responsive-root")
    _notebook(root / "responsive.ipynb", CELLS)
    _notebook(root / "slow.ipynb", SLOW_CELLS)
    jl.LAB_SHOTS.mkdir(parents=True, exist_ok=True)
    with jl.lab_server(root, tmp_path_factory.mktemp("responsive-work")) as url:
        yield url, root


@pytest.fixture(scope="module")
def page(lab: tuple[str, Path], chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 1000})
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def _widget(page, title: str, index: int = 0):
    return (
        page.locator(".jp-CodeCell .jp-OutputArea-output")
        .filter(has=page.locator("b", has_text=title))
        .nth(index)
    )


def _click(page, widget, label: str, *, quiet: int = 3000, limit: int = 60_000) -> dict:
    widget.scroll_into_view_if_needed()
    button = widget.locator("button", has_text=label).first
    button.wait_for(state="visible")
    page.wait_for_timeout(300)  # the kernel is idle, the page settled
    got = page.evaluate(
        TIME_CLICK, [widget.element_handle(), button.element_handle(), quiet, limit]
    )
    assert got["first"] is not None, f"{label!r}: the widget never answered"
    return got


def _report(rows: dict[str, list[dict]]) -> list[str]:
    """Print the figures; return the actions whose first answer missed the allowance."""
    allowed = GENEROUS * FIRST_ANSWER_S * 1000
    print(f"\nfirst answer allowed: {allowed:.0f} ms ({GENEROUS} x the budget)")
    print(f"{'action':<44}{'first':>14}{'picture':>16}{'complete':>18}   (ms, median / max)")
    misses = []
    for action, runs in rows.items():

        def cell(key: str, runs: list[dict] = runs) -> str:
            values = [r[key] for r in runs if r[key] is not None]
            if not values:
                return "—"
            return f"{statistics.median(values):,.0f} / {max(values):,.0f}"

        print(f"{action:<44}{cell('first'):>14}{cell('picture'):>16}{cell('complete'):>18}")
        if max(r["first"] for r in runs) > allowed:
            misses.append(action)
    return misses


def test_every_action_answers_within_its_budget(lab, page) -> None:
    url, _ = lab
    jl.open_notebook(page, url, "responsive.ipynb")
    try:
        jl.run_all(page, [0] * len(CELLS))
        rows: dict[str, list[dict]] = {}
        for i, (n, t) in enumerate(SLOW_SETTINGS):
            explorer = _widget(page, "Distribution explorer", i)
            for label, action in (("split adversary", "split"), ("uniform", "uniform again")):
                got = _click(page, explorer, label)
                rows.setdefault(f"explorer n={n}, t={t}: {action}", []).append(got)
            assert "Sampling:" not in got["text"], "the explorer never finished"
        stepper = _widget(page, "Ben-Or round stepper")
        # once each (the benchmark repeats them): a click waits `quiet` ms after its answer
        for label in ("1 delivery", "1 step", "1 round", "to decision", "back", "reset"):
            got = _click(page, stepper, label)
            rows.setdefault(f"stepper n=9, t=4, split: {label}", []).append(got)
        model = _widget(page, "Model explorer")
        for label in ("FLP", "Ben-Or", "bound broken"):
            got = _click(page, model, label)
            rows.setdefault(f"model explorer: {label}", []).append(got)
            assert "looking for a demonstration" not in got["text"]
        page.screenshot(path=str(jl.LAB_SHOTS / "responsive.png"))
        misses = _report(rows)
        assert not misses, f"first answer slower than {GENEROUS} x the budget: {misses}"
    finally:
        jl.shut_down_kernels(url)


def test_the_slow_kernel_mode_still_answers_at_once_and_says_so(lab, page) -> None:
    url, _ = lab
    jl.open_notebook(page, url, "slow.ipynb")
    try:
        jl.run_all(page, [0] * len(SLOW_CELLS))
        explorer = _widget(page, "Distribution explorer")
        # four times slower, a drawing can take seconds: wait longer for the widget to settle
        got = _click(page, explorer, "split adversary", quiet=8000)
        assert "Slow-kernel mode" in got["text"] and "4 times slower" in got["text"]
        assert got["progress"], "no progress was shown while the sample grew"
        rows = {"slow kernel x4: explorer n=9, t=4 split": [got]}
        # the stepper is timed on an idle kernel: wait until the explorer's sample is in
        # (four times slower, its drawings block the kernel for seconds, as they would)
        for _ in range(240):
            if "Sampling:" not in explorer.inner_text():
                break
            page.wait_for_timeout(500)
        stepper = _widget(page, "Ben-Or round stepper")
        for label in ("1 round", "to decision"):
            rows[f"slow kernel x4: stepper {label}"] = [_click(page, stepper, label, quiet=8000)]
        assert "Slow-kernel mode" in rows["slow kernel x4: stepper 1 round"][0]["text"]
        explorer.screenshot(path=str(jl.LAB_SHOTS / "responsive-slow-explorer.png"))
        misses = _report(rows)
        assert not misses, f"first answer slower than {GENEROUS} x the budget: {misses}"
    finally:
        jl.shut_down_kernels(url)
