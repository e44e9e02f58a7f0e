"""Helpers for tests/book/test_jupyterlab.py: the chapters in a real JupyterLab (Playwright).

Nothing here is a test. The pieces:

- :func:`lab_server`: a JupyterLab server on a loopback port, no token, serving a scratch
  folder, with settings that keep every cell in the DOM (``windowingMode: none``) and the
  news pop-up off;
- :func:`open_notebook`, :func:`run_all`: open a notebook, Run All, wait for the kernel;
- :data:`NOTEBOOK_PROBE`: JavaScript that reads what JupyterLab shows (rendered markdown,
  outputs, widgets, prompts);
- :func:`raw_syntax_in`: the MyST source syntax that should never reach a reader.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
LAB_SHOTS = TESTS / "_screenshots" / "jupyterlab"

# JupyterLab settings (one file per plugin): every cell stays rendered, so the probe sees
# all of them; no news pop-up over the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_lab_settings(settings_dir: Path) -> None:
    """Write :data:`LAB_SETTINGS` into a JupyterLab user-settings folder."""
    for name, value in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


@contextmanager
def lab_server(root_dir: Path, work_dir: Path, *, timeout: float = 90) -> Iterator[str]:
    """Run ``jupyter lab`` on 127.0.0.1 without a token, serving ``root_dir``; yield its URL.

    ``work_dir`` holds its settings, runtime files and log (``lab.log``).
    """
    settings = work_dir / "lab-settings"
    write_lab_settings(settings)
    for sub in ("runtime", "config", "data-unused"):
        (work_dir / sub).mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(work_dir / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(work_dir / "runtime"),
        JUPYTER_CONFIG_DIR=str(work_dir / "config"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.news_url=",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: commands and models
    ]
    log = open(work_dir / "lab.log", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited; see {work_dir / 'lab.log'}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start in {timeout} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def shut_down_kernels(url: str) -> None:
    """Stop every running kernel of the server (one chapter at a time on two cores)."""
    with urllib.request.urlopen(f"{url}/api/kernels", timeout=10) as r:
        kernels = json.load(r)
    for k in kernels:
        req = urllib.request.Request(f"{url}/api/kernels/{k['id']}", method="DELETE")
        urllib.request.urlopen(req, timeout=20).close()


NOTEBOOK_READY = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return 'not open';
  if (document.querySelector('.jp-Dialog')) return 'dialog';
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle' ? 'ready' : 'kernel ' + (k ? k.status : 'none');
}"""


def open_notebook(page, url: str, path: str, *, timeout_s: float = 120) -> None:
    """Open ``path`` (relative to the server's root) in a fresh workspace; wait for its kernel.

    A fresh server may ask which kernel to start: the dialog's default is the notebook's own.
    """
    page.goto(f"{url}/lab/tree/{path}?reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    state = ""
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_READY, path)
        if state == "ready":
            return
        if state == "dialog":
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        page.wait_for_timeout(500)
    raise AssertionError(f"{path} did not open with an idle kernel in {timeout_s:.0f} s: {state}")


MODEL_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    const item = {type: c.type, count: null, expressions: null, outputs: []};
    if (c.type === 'code') {
      item.count = c.executionCount;
      item.outputs = c.outputs.toJSON().map(o => ({
        type: o.output_type, name: o.name || '', ename: o.ename || '', evalue: o.evalue || '',
        text: typeof o.text === 'string' ? o.text : (o.text || []).join(''),
      }));
    } else if (c.type === 'markdown') {
      const ue = c.getMetadata('user_expressions');
      item.expressions = ue ? ue.map(e => ({expression: e.expression,
                                          status: e.result ? e.result.status : 'missing'})) : null;
    }
    out.push(item);
  }
  return {busy: panel.sessionContext.session.kernel.status !== 'idle', cells: out};
}"""


def model_state(page) -> dict:
    """The open notebook's cells as JupyterLab's model holds them (counts, outputs, evals)."""
    return page.evaluate(MODEL_STATE)


def run_all(page, expected_evals: list[int], *, timeout_s: float = 300) -> dict:
    """Run All Cells, then wait until every code cell has run and every markdown cell has the
    values of its ``expected_evals[i]`` inline expressions (jupyterlab-myst stores them in the
    cell's ``user_expressions`` metadata), and the kernel is idle. Returns :func:`model_state`.

    Raises AssertionError with the first cell that did not run (and any error output).
    """
    start = time.monotonic()
    deadline = start + timeout_s
    started = False
    while True:
        if not started and time.monotonic() >= start:  # (re)issue Run All until it starts
            page.locator(".jp-NotebookPanel .jp-Cell").first.click()
            page.keyboard.press("Escape")  # command mode, not editing the first cell
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            start = time.monotonic() + 20
        page.wait_for_timeout(1000)
        state = model_state(page)
        cells = state["cells"]
        started = started or state["busy"] or any(c["count"] for c in cells)
        pending = [i for i, c in enumerate(cells) if c["type"] == "code" and c["count"] is None]
        waiting = [
            i
            for i, c in enumerate(cells)
            if c["type"] == "markdown"
            and expected_evals[i]
            and len(c["expressions"] or []) != expected_evals[i]
        ]
        if not pending and not waiting and not state["busy"]:
            page.wait_for_timeout(1000)  # widget views and re-rendered markdown settle
            return model_state(page)
        if time.monotonic() > deadline:
            errors = [o for c in cells for o in c["outputs"] if o["type"] == "error"]
            raise AssertionError(
                f"Run All did not finish in {timeout_s:.0f} s: code cells not run {pending[:5]}, "
                f"markdown cells without values {waiting[:5]}, errors {errors[:2]}"
            )


def save(page) -> None:
    """Save the open notebook (its outputs and evaluated expressions go to disk)."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(500)


NOTEBOOK_PROBE = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  nb.querySelectorAll('details').forEach(d => { d.open = true; });  // solutions, dropdowns
  const md = [...nb.querySelectorAll('.jp-MarkdownCell')].map(c => {
    const out = c.querySelector('.jp-InputArea > .myst, .jp-MarkdownOutput');
    const exprs = out ? [...out.querySelectorAll('.myst-RenderedExpression, span')] : [];
    return {
      text: out ? out.innerText : '',
      rendered: !!out && !c.classList.contains('jp-mod-editMode') && out.offsetParent !== null,
      titles: [...c.querySelectorAll('[title]')].map(e => e.getAttribute('title')),
      // jupyterlab-myst shows an inline expression as `name` (code) until it has a value
      code: out ? [...out.querySelectorAll('code')].map(e => e.textContent) : [],
      expressionErrors: exprs.map(e => e.textContent)
        .filter(t => /^[A-Z]\\w*(Error|Exception): /.test(t)),
    };
  });
  const code = [...nb.querySelectorAll('.jp-CodeCell')].map(c => {
    const outs = [...c.querySelectorAll('.jp-OutputArea-output')];
    return {
      widgetViews: c.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length,
      widgetErrors: outs.map(e => e.textContent).filter(t => WIDGET_FAILED.test(t)),
      text: outs.map(e => e.innerText).join('\\n'),
    };
  });
  return {md, code};
}""".replace("WIDGET_FAILED", r"/Error displaying widget|Loading widget\.\.\./")

# MyST source that a reader must never see: roles, directive fences, label lines, glue.
RAW_SYNTAX = [
    (re.compile(r"\{glue"), "{glue"),
    (re.compile(r"\{(doc|numref|ref|eq|prf:ref|download|term|eval)\}"), "role"),
    (re.compile(r"\{cite(:[a-z]+)?\}"), "{cite}"),
    (re.compile(r"(:::|```)\s*\{"), "directive fence"),
    (re.compile(r"(^|\n)\s*\([A-Za-z0-9_-]+\)=\s*($|\n)"), "(label)= line"),
    (re.compile(r"^:(label|class|name|alt|format|caption|nonumber):", re.M), "directive option"),
]


def raw_syntax_in(text: str) -> list[str]:
    """What MyST source syntax shows in ``text`` (rendered markdown), as short excerpts."""
    found = []
    for pattern, what in RAW_SYNTAX:
        for m in pattern.finditer(text):
            start = max(0, m.start() - 30)
            found.append(f"{what}: ...{text[start : m.end() + 30]!r}...")
    return found
