"""The book's interactive widgets (ipywidgets 8; they need a live kernel).

Widgets call the library; the library never imports widgets.
"""

from benor_lib.apps.common import KERNEL_NOTE, MessageArea, guarded, parse_int
from benor_lib.apps.notes import STATIC_NOTE, WidgetNote, widget_note
from benor_lib.apps.stepper.view import RoundStepper, round_stepper

__all__ = [
    "KERNEL_NOTE",
    "STATIC_NOTE",
    "MessageArea",
    "RoundStepper",
    "WidgetNote",
    "guarded",
    "parse_int",
    "round_stepper",
    "widget_note",
]

from benor_lib.apps.explorer.view import DistributionExplorer, distribution_explorer  # noqa: E402

__all__ += ["DistributionExplorer", "distribution_explorer"]

from benor_lib.apps.model_explorer.view import ModelExplorer, model_explorer  # noqa: E402

__all__ += ["ModelExplorer", "model_explorer"]
