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

4. A reference a reader can use. The fields of a named tuple are not documented one by one
   (Python gives each the docstring "Alias for field number N"; the class signature lists
   them with their types, and the class docstring says what they mean). A constant whose
   value does not fit on a line is shown with its type only (``BOOK_RC: dict[str, Any]``),
   not as a dump of its value. A class whose signature says nothing (a ``Protocol``'s
   ``(*args, **kwargs)``) is shown without one. On the API pages, a module's dotted name in
   a heading or in the contents list wraps after a dot, not inside a word.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext.autodoc import AttributeDocumenter, DataDocumenter
from sphinx.util.inspect import object_description

PACKAGE = "benor_lib"
MISSING = object()  # what lookup() returns for a name that refers to nothing
_ATTRIBUTE_KINDS = ("attribute", "data", "property")
_NAPOLEON_PRIORITY = 500  # napoleon's autodoc-process-docstring handler runs at the default

_saved_docstrings: dict[str, list[str]] = {}

VALUE_MAX_CHARS = 60  # a constant's value is shown only if its repr is at most this long
_FIELD_ALIAS = re.compile(r"Alias for field number \d+")
_EMPTY_SIGNATURE = "(*args, **kwargs)"


def lookup(dotted: str) -> Any:
    """The object a dotted name refers to, or ``MISSING`` (also used by the API tests)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, MISSING)
            if obj is MISSING:
                return MISSING
        return obj
    return MISSING


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
        obj = lookup(name)
        if obj is MISSING:
            matches = same_last if len(same_last) == 1 else []
        elif obj is None or isinstance(obj, (bool, int, float, str)):
            continue  # small immutables are shared by many names: identity proves nothing
        else:
            matches = [o for o in same_last if lookup(o) is obj]
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


def _skip_named_tuple_fields(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Skip the fields of a named tuple: their only docstring is "Alias for field number N"."""
    if what == "class" and _FIELD_ALIAS.fullmatch((getattr(obj, "__doc__", None) or "").strip()):
        return True
    return None


def _drop_empty_class_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    """A class signature of ``(*args, **kwargs)`` (a ``Protocol``) says nothing: drop it."""
    if what == "class" and signature == _EMPTY_SIGNATURE:
        return "", return_annotation
    return None


def _value_too_long(value: Any) -> bool:
    try:
        text = object_description(value)
    except ValueError:
        return False
    return len(text) > VALUE_MAX_CHARS or "\n" in text


class ShortDataDocumenter(DataDocumenter):
    """Module constants: the value only when it fits on a line, else just the type."""

    def should_suppress_value_header(self) -> bool:
        return super().should_suppress_value_header() or _value_too_long(self.object)


class ShortAttributeDocumenter(AttributeDocumenter):
    """Class attributes: the value only when it fits on a line, else just the type."""

    def should_suppress_value_header(self) -> bool:
        return super().should_suppress_value_header() or _value_too_long(self.object)


_DOTTED_NAME = re.compile(r'(<span class="pre">)(benor_lib(?:\.\w+)+)(</span>)')
_HEADING = re.compile(r"<h2>.*?</h2>", re.S)


def _break_at_dots(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace(".", ".<wbr>") + match.group(3)


def _module_names_wrap_at_dots(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A module's dotted name in a heading and in the contents list may wrap after a dot
    (``benor_lib.simulation.`` / ``network``), never inside a word; copied text is unchanged."""
    if doctree is None or not pagename.rsplit("/", 1)[-1].startswith("api"):
        return
    if isinstance(context.get("toc"), str):
        context["toc"] = _DOTTED_NAME.sub(_break_at_dots, context["toc"])
    if isinstance(context.get("body"), str):
        context["body"] = _HEADING.sub(
            lambda h: _DOTTED_NAME.sub(_break_at_dots, h.group(0)), context["body"]
        )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handlers."""
    app.setup_extension("sphinx.ext.autodoc")
    app.add_autodocumenter(ShortDataDocumenter, override=True)
    app.add_autodocumenter(ShortAttributeDocumenter, override=True)
    app.connect("autodoc-skip-member", _skip_named_tuple_fields)
    app.connect("autodoc-process-signature", _drop_empty_class_signature)
    app.connect("html-page-context", _module_names_wrap_at_dots)
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
