"""Helpers for tests/book/test_lite.py: the book's JupyterLite site in Chromium, offline.

Nothing here is a test. The kernel of the lite site loads Pyodide from its CDN
(``https://cdn.jsdelivr.net/pyodide/v<version>/full/``). This machine has no internet, so
:class:`PyodideRoutes` answers those requests from

- npm's ``pyodide`` package (Pyodide's core: the runtime, the standard library and
  ``pyodide-lock.json``; installed into tests/.browser_fixtures by
  ``browser_support.ensure_npm_fixtures``), at the version the kernel expects; and
- the pure-Python wheels the kernel loads through the lock file while it starts
  (micropip, IPython and their dependencies), fetched from PyPI at the lock's versions by
  :func:`ensure_startup_wheels`. Pyodide repacks its wheels, so PyPI's differ byte-wise;
  the lock file served to the browser carries the digests of the files served.

npm's package has no numpy, matplotlib or other compiled packages, and no registry this
machine reaches has them built for WebAssembly: the chapters themselves cannot run here.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import browser_support as bs

PYODIDE_CDN = re.compile(
    r"^https://cdn\.jsdelivr\.net/pyodide/v(?P<version>[^/]+)/full/(?P<file>[^?#]+)"
)
#: What the kernel's worker loads from the lock file at start-up (the rest of what it
#: installs, ipykernel, comm and pyodide-kernel, comes from the site's own piplite wheels).
KERNEL_STARTUP = ("micropip", "ipython", "jedi")
_CONTENT_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
}


def kernel_pyodide_version() -> str:
    """The Pyodide version the installed jupyterlite-pyodide-kernel loads from the CDN."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    return PYODIDE_VERSION


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def startup_packages(lock: dict) -> list[dict]:
    """The lock entries of :data:`KERNEL_STARTUP` and everything they depend on."""
    packages = {_key(name): entry for name, entry in lock["packages"].items()}
    found: dict[str, dict] = {}
    todo = [_key(name) for name in KERNEL_STARTUP]
    while todo:
        key = todo.pop()
        if key in found:
            continue
        entry = packages[key]
        found[key] = entry
        todo += [_key(dep) for dep in entry.get("depends", [])]
    return [found[key] for key in sorted(found)]


def ensure_startup_wheels(pyodide: Path, dest: Path) -> Path:
    """Download (once) the start-up wheels named by ``pyodide``'s lock file into ``dest``."""
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))
    entries = startup_packages(lock)
    missing = [entry for entry in entries if not (dest / entry["file_name"]).is_file()]
    if not missing:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    python = ".".join(lock["info"]["python"].split(".")[:2])
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--python-version", python, "--disable-pip-version-check", "--quiet",
        "--dest", str(dest), *[f"{e['name']}=={e['version']}" for e in missing],
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    still = [e["file_name"] for e in entries if not (dest / e["file_name"]).is_file()]
    if result.returncode != 0 or still:
        raise RuntimeError(
            f"could not download Pyodide's start-up wheels {still} from PyPI "
            f"(`{' '.join(command)}`):\n{result.stderr[-2000:]}"
        )
    return dest


@dataclass
class PyodideRoutes:
    """A Playwright route handler: loopback passes, Pyodide's CDN is answered locally.

    Every other request is blocked and recorded in ``blocked``; ``served`` lists the CDN
    files answered, ``missing`` the CDN files asked for that the test does not have.
    """

    pyodide: Path  # npm's pyodide package folder
    wheels: Path  # the start-up wheels
    version: str  # the Pyodide version the kernel asks for
    served: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    _lock: bytes = b""

    def __post_init__(self) -> None:
        lock = json.loads((self.pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))
        for entry in lock["packages"].values():
            wheel = self.wheels / entry["file_name"]
            if wheel.is_file():
                entry["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
        self._lock = json.dumps(lock).encode()

    def file_for(self, name: str) -> bytes | None:
        if name == "pyodide-lock.json":
            return self._lock
        for folder in (self.pyodide, self.wheels):
            path = (folder / name).resolve()
            if path.is_relative_to(folder.resolve()) and path.is_file():
                return path.read_bytes()
        return None

    def handle(self, route, request) -> None:  # playwright Route, Request
        url = request.url
        if bs.is_local(url):
            route.continue_()
            return
        match = PYODIDE_CDN.match(url)
        if match and match["version"] == self.version:
            body = self.file_for(match["file"])
            if body is not None:
                self.served.append(match["file"])
                suffix = Path(match["file"]).suffix
                route.fulfill(
                    status=200,
                    body=body,
                    headers={
                        "Content-Type": _CONTENT_TYPES.get(suffix, "application/octet-stream"),
                        "Access-Control-Allow-Origin": "*",
                    },
                )
                return
            self.missing.append(match["file"])
        self.blocked.append(url)
        route.abort("blockedbyclient")


def expose_app(route, request) -> None:  # playwright Route, Request
    """Serve the site's jupyter-lite.json with ``exposeAppInBrowser`` on, for the tests.

    JupyterLab then sets ``window.jupyterapp``, through which the tests read the open
    notebook and talk to its kernel. The site itself is unchanged.
    """
    response = route.fetch()
    data = json.loads(response.text())
    data.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = True
    route.fulfill(response=response, body=json.dumps(data))


#: The glob of the site's own jupyter-lite.json (``context.route(EXPOSE_APP, expose_app)``,
#: registered after the general handler, so that it takes precedence).
EXPOSE_APP = "**/lite/jupyter-lite.json"

# JavaScript run in the lite site's page: the JupyterLab app is window.jupyterapp.
LAB_READY = "() => !!(window.jupyterapp && window.jupyterapp.shell)"
# The open notebook: its path, its cell count, and its markdown as jupyterlab-myst rendered
# it (in .myst elements; JupyterLab's own renderer would not make them).
NOTEBOOK_STATE = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.context) { return null; }
  const model = panel.content.model;
  return {
    path: panel.context.path,
    cells: model ? model.cells.length : 0,
    rendered: Array.from(panel.node.querySelectorAll(".jp-MarkdownCell .myst"))
      .map((el) => el.textContent).join("\\n"),
    headings: Array.from(panel.node.querySelectorAll(".jp-MarkdownCell .myst h1"))
      .map((el) => el.textContent.replace(/[¶#]\\s*$/, "").trim()),
  };
}
"""
# Waits for the open notebook's kernel, runs ``code`` there, returns its outputs and status.
RUN_IN_KERNEL = """
async ([code, timeoutMs]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const context = panel.sessionContext;
  await context.ready;
  const deadline = Date.now() + timeoutMs;
  while (!(context.session && context.session.kernel) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const kernel = context.session.kernel;
  const outputs = [];
  const future = kernel.requestExecute({code, stop_on_error: true});
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (["stream", "execute_result", "display_data", "error"].includes(type)) {
      outputs.push({type, content: msg.content});
    }
  };
  const reply = await future.done;
  return {status: reply.content.status, outputs};
}
"""


def output_text(outputs: list[dict]) -> str:
    """The text of a kernel's outputs (streams, results, errors), for assertions."""
    parts = []
    for output in outputs:
        content = output["content"]
        if output["type"] == "stream":
            parts.append(content["text"])
        elif output["type"] == "error":
            parts.append(f"{content['ename']}: {content['evalue']}")
        else:
            parts.append(str(content.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def assemble_pyodide(pyodide: Path, wheels: Path, dest: Path) -> Path:
    """A Pyodide folder in ``dest``: npm's core files, the start-up wheels, a matching lock.

    What a classroom would copy into its site (``lite_pyodide``), in miniature: the full
    distribution also holds numpy, matplotlib and the rest.
    """
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for path in pyodide.iterdir():
        if path.is_file() and path.suffix not in (".map", ".ts", ".md", ".html"):
            shutil.copyfile(path, dest / path.name)
    for wheel in wheels.glob("*.whl"):
        shutil.copyfile(wheel, dest / wheel.name)
    routes = PyodideRoutes(pyodide, wheels, version="")
    (dest / "pyodide-lock.json").write_bytes(routes.file_for("pyodide-lock.json") or b"")
    return dest
