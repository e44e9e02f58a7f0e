"""Self-checking exercises: a registry of checkers and the feedback they give.

A student calls ``check("rounds-2", 0.31)`` and gets a :class:`Feedback`: correct; close
(with the tolerance); wrong, with a hint naming the section to reread; or, for a malformed
answer (wrong type, wrong length, a string where a number belongs), a friendly message.
``check`` never raises for a student's answer. The correct answers are computed by the
library when a checker first runs, never stored as literals.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

STATUSES = ("correct", "close", "wrong", "malformed")


@dataclass(frozen=True)
class Feedback:
    """What a checker says about one answer."""

    status: str  # one of STATUSES
    message: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        """True when the answer is correct."""
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message + (f" Hint: {self.hint}" if self.hint else "")

    def _repr_html_(self) -> str:
        colour = {"correct": "#1b7f3b", "close": "#8a6d00", "wrong": "#b00020"}.get(
            self.status, "#444444"
        )
        label = {"correct": "Correct", "close": "Close", "wrong": "Not yet"}.get(
            self.status, "Check your answer's form"
        )
        hint = f"<br><em>Hint:</em> {html.escape(self.hint)}" if self.hint else ""
        return (
            f'<div role="status" style="border-left:4px solid {colour};padding:0.4em 0.8em;">'
            f"<strong>{label}.</strong> {html.escape(self.message)}{hint}</div>"
        )


Checker = Callable[[object], Feedback]


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: where it lives and how its answers are checked."""

    id: str
    chapter: str  # the chapter's file name without extension, e.g. "rounds"
    kind: str  # "compute", "predict" or "adversary"
    section: str  # the section to reread, named in hints
    checker: Checker = field(repr=False)


REGISTRY: dict[str, Exercise] = {}
KINDS = ("compute", "predict", "adversary")


def register(exercise_id: str, checker: Checker, *, chapter: str, kind: str, section: str) -> None:
    """Add an exercise's checker to the registry."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if exercise_id in REGISTRY:
        raise ValueError(f"exercise {exercise_id!r} is registered twice")
    REGISTRY[exercise_id] = Exercise(exercise_id, chapter, kind, section, checker)


def exercises(chapter: str | None = None) -> list[Exercise]:
    """The registered exercises, optionally of one chapter."""
    return [e for e in REGISTRY.values() if chapter is None or e.chapter == chapter]


def check(exercise_id: str, answer: object) -> Feedback:
    """Check a student's answer to a registered exercise; never raises for bad answers."""
    ex = REGISTRY.get(exercise_id) if isinstance(exercise_id, str) else None
    if ex is None:
        known = ", ".join(sorted(REGISTRY)) or "none yet"
        return Feedback(
            "malformed", f"There is no exercise called {exercise_id!r}. Known: {known}."
        )
    if answer is Ellipsis:
        return Feedback("malformed", "Replace the ... with your answer, then run this cell again.")
    try:
        return ex.checker(answer)
    except Exception as exc:  # a checker must never show a traceback to a student
        return Feedback("malformed", f"That answer could not be checked ({exc}).")


def _as_number(answer: object) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return None
    value = float(answer)
    return value if math.isfinite(value) else None


def _describe(answer: object) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


def numeric(
    correct: Callable[[], float],
    *,
    tol: float,
    close: float | None = None,
    section: str,
    hint: str,
    low: float | None = None,
    high: float | None = None,
) -> Checker:
    """A checker for a number: within ``tol`` is correct, within ``close`` is close."""
    value = cache(correct)
    close = 10 * tol if close is None else close

    def check_number(answer: object) -> Feedback:
        x = _as_number(answer)
        if x is None:
            return Feedback(
                "malformed",
                f"The answer should be a single number (like 0.25), not {_describe(answer)}.",
            )
        if (low is not None and x < low) or (high is not None and x > high):
            return Feedback(
                "malformed", f"The answer should lie between {low} and {high}; got {x}."
            )
        err = abs(x - value())
        if err <= tol:
            return Feedback("correct", f"{x:g} is right (to within {tol:g}).")
        if err <= close:
            return Feedback("close", f"{x:g} is close, but not within the tolerance {tol:g}.", hint)
        return Feedback("wrong", f"{x:g} is not right.", f"{hint} (Reread: {section}.)")

    return check_number


def exact_int(correct: Callable[[], int], *, section: str, hint: str, close: int = 0) -> Checker:
    """A checker for a whole number."""
    value = cache(correct)

    def check_int(answer: object) -> Feedback:
        x = _as_number(answer)
        if x is None or x != int(x):
            return Feedback(
                "malformed", f"The answer should be a whole number, not {_describe(answer)}."
            )
        x = int(x)
        if x == value():
            return Feedback("correct", f"{x} is right.")
        if abs(x - value()) <= close:
            return Feedback("close", f"{x} is close but not exact.", hint)
        return Feedback("wrong", f"{x} is not right.", f"{hint} (Reread: {section}.)")

    return check_int


def choice(
    options: Sequence[str], correct: Callable[[], str], *, section: str, hint: str
) -> Checker:
    """A checker for one of a few named options (case and spaces ignored)."""
    value = cache(correct)
    norm = {o.strip().lower(): o for o in options}

    def check_choice(answer: object) -> Feedback:
        if not isinstance(answer, str) or answer.strip().lower() not in norm:
            allowed = ", ".join(repr(o) for o in options)
            return Feedback("malformed", f"Answer with one of {allowed}; got {_describe(answer)}.")
        picked = norm[answer.strip().lower()]
        if picked == value():
            return Feedback("correct", f"{picked!r} is right.")
        return Feedback("wrong", f"{picked!r} is not right.", f"{hint} (Reread: {section}.)")

    return check_choice


def bits(
    length: int,
    is_correct: Callable[[tuple[int, ...]], bool | str],
    *,
    section: str,
    hint: str,
) -> Checker:
    """A checker for a sequence of ``length`` zeros and ones (an input vector, a schedule of
    coins...). ``is_correct`` returns True, or a string explaining what is wrong."""

    def check_bits(answer: object) -> Feedback:
        if isinstance(answer, (str, bytes)) or not isinstance(answer, (Sequence, np.ndarray)):
            return Feedback(
                "malformed",
                f"The answer should be a list of {length} zeros and ones, like "
                f"{[0, 1] * (length // 2) + [0] * (length % 2)}; got {_describe(answer)}.",
            )
        values = list(answer)
        if len(values) != length:
            return Feedback(
                "malformed", f"The list should have {length} entries; it has {len(values)}."
            )
        if any(isinstance(v, bool) or v not in (0, 1) for v in values):
            return Feedback("malformed", f"Every entry should be 0 or 1; got {_describe(values)}.")
        verdict = is_correct(tuple(int(v) for v in values))
        if verdict is True:
            return Feedback("correct", f"{values} works.")
        why = verdict if isinstance(verdict, str) else f"{values} does not work."
        return Feedback("wrong", why, f"{hint} (Reread: {section}.)")

    return check_bits
