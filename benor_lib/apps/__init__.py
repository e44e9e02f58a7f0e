"""The book's interactive apps: one package per app, its widget-free model (``model.py``,
tested) beside its ipywidgets view (``view.py``; views need a live kernel).

Widgets call the library; the library never imports widgets. The names below are loaded
on first use, so that importing an app's model (``benor_lib.apps.stepper.model``) does not
import ipywidgets. The model explorer's function is imported from its view,
``from benor_lib.apps.model_explorer.view import model_explorer``, because
``benor_lib.apps.model_explorer`` is its package.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "KERNEL_NOTE": "benor_lib.apps.common",
    "MessageArea": "benor_lib.apps.common",
    "guarded": "benor_lib.apps.common",
    "parse_int": "benor_lib.apps.common",
    "STATIC_NOTE": "benor_lib.apps.notes",
    "WidgetNote": "benor_lib.apps.notes",
    "widget_note": "benor_lib.apps.notes",
    "RoundStepper": "benor_lib.apps.stepper.view",
    "round_stepper": "benor_lib.apps.stepper.view",
    "DistributionExplorer": "benor_lib.apps.explorer.view",
    "distribution_explorer": "benor_lib.apps.explorer.view",
    "ModelExplorer": "benor_lib.apps.model_explorer.view",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'benor_lib.apps' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
