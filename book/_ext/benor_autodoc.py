"""Sphinx extension: three adjustments that keep the API reference clean under ``-n``.

1. Public aliases. ``benor_lib`` re-exports its public names (``benor_lib.run`` is defined
   in ``benor_lib.simulation.network``). The API reference documents each object once, in the module
   that defines it, so a reference such as ``:func:`benor_lib.run``` (or ``:func:`run```
   inside the package docstring) has no target of its own. When Sphinx cannot resolve a
   Python reference into ``benor_lib``, this extension imports the object it names and, if
   the same object is documented under another name, links there. A name that cannot be
   imported (yet) links to the one documented ``benor_lib`` object of that name, if unique.

2. Attribute docstrings. Napoleon reads the first line of an attribute's or a property's
   docstring as ``type: description``, so prose such as ``"(sender, receiver, round,
   phase): unique among ..."`` becomes a bogus type. The library documents types with
   annotations, never that way, so napoleon is kept away from attributes and properties
   (it still handles Google and NumPy sections in functions and classes).

3. Source pages. sphinx.ext.viewcode makes source pages for benor_lib's modules only, not
   for the modules that documented type aliases point into (``builtins``).
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

PACKAGE = "benor_lib"
_MISSING = object()
_ATTRIBUTE_KINDS = ("attribute", "data", "property")
_NAPOLEON_PRIORITY = 500  # napoleon's autodoc-process-docstring handler runs at the default

_saved_docstrings: dict[str, list[str]] = {}


def _lookup(dotted: str) -> Any:
    """The object a dotted name refers to, or ``_MISSING``."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def _resolve_alias(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve a missing ``benor_lib`` reference to the documented name of the same object."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    module = node.get("py:module")
    candidates = [f"{module}.{target}"] if module else []
    candidates.append(target)
    domain = env.get_domain("py")
    documented = domain.objects  # type: ignore[attr-defined]
    for name in candidates:
        if not name.startswith(PACKAGE + "."):
            continue
        last = "." + name.rsplit(".", 1)[-1]
        same_last = [o for o in documented if o != name and o.endswith(last)]
        same_last = [o for o in same_last if o.startswith(PACKAGE + ".")]
        obj = _lookup(name)
        if obj is _MISSING:
            matches = same_last if len(same_last) == 1 else []
        elif obj is None or isinstance(obj, (bool, int, float, str)):
            continue  # small immutables are shared by many names: identity proves nothing
        else:
            matches = [o for o in same_last if _lookup(o) is obj]
        if matches:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], matches[0], node, contnode
            )
    return None


def _save_attribute_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    if what in _ATTRIBUTE_KINDS:
        _saved_docstrings[name] = list(lines)


def _restore_attribute_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    saved = _saved_docstrings.pop(name, None)
    if what in _ATTRIBUTE_KINDS and saved is not None:
        lines[:] = saved


def _own_source_pages_only(app: Sphinx) -> list[Any]:
    """Keep sphinx.ext.viewcode to benor_lib's modules.

    viewcode follows a documented type alias to the module of its value: ``Key =
    tuple[int, ...]`` leads to ``builtins``, which has no source page, yet the module index
    would link to one; ``CoinRule`` leads to Python's own ``collections.abc``.
    """
    modules = getattr(app.env, "_viewcode_modules", None)
    if modules:
        for name in [m for m in modules if m != PACKAGE and not m.startswith(PACKAGE + ".")]:
            del modules[name]
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handlers."""
    # before viewcode's own html-collect-pages handler (default priority 500)
    app.connect("html-collect-pages", _own_source_pages_only, priority=100)
    app.connect("missing-reference", _resolve_alias)
    app.connect(
        "autodoc-process-docstring", _save_attribute_docstring, priority=_NAPOLEON_PRIORITY - 1
    )
    app.connect(
        "autodoc-process-docstring", _restore_attribute_docstring, priority=_NAPOLEON_PRIORITY + 1
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
