"""Exercises that check themselves, and student notebooks for a class.

``check(exercise_id, answer)`` gives feedback on an answer; the chapters' checkers are
registered by the ``ex_*`` modules of this package, one per chapter.
"""

from importlib import import_module
from pkgutil import iter_modules

from benor_lib.classroom.core import REGISTRY, Exercise, Feedback, check, exercises, register

for _mod in iter_modules(__path__):
    if _mod.name.startswith("ex_"):
        import_module(f"{__name__}.{_mod.name}")

__all__ = ["REGISTRY", "Exercise", "Feedback", "check", "exercises", "register"]
