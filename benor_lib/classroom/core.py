"""Self-checking exercises: a registry of checkers and the feedback they give.

A student calls ``check("rounds-2", 0.31)`` and gets a :class:`Feedback`: correct; close
(with the tolerance); wrong, with a hint naming the section to reread; or, for a malformed
answer (wrong type, wrong length, a string where a number belongs), a friendly message.
``check`` never raises for a student's answer. The correct answers are computed by the
library when a checker first runs, never stored as literals.

How a chapter registers an exercise (in ``benor_lib/classroom/ex_<chapter>.py``)::

    register(
        "rounds-2",
        numeric(
            lambda: float(exact_rounds(5, 1)[0]),
            tol=0.01, section=S, hint="...",
        ),
        chapter="rounds", kind="compute", section=S,
    )
    register(
        "flp-3",
        bits(
            5, inputs_that_stay_bivalent, section=S, hint="...",
            example=lambda: (0, 1, 0, 1, 1),
        ),
        chapter="flp", kind="adversary", section=S,
    )

Every exercise must be able to produce one correct answer, so that the tests can check
that its checker accepts it (:meth:`Exercise.correct_answer`). The factories ``numeric``,
``exact_int`` and ``choice`` know their correct answer and expose it for free (as the
checker's ``correct`` attribute); for ``bits`` and for hand-written checkers, pass
``example=`` (a function of no arguments returning a correct answer), either to ``bits``
or to ``register``. ``register``'s ``example=`` wins when both are given.
"""

from __future__ import annotations

import difflib
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
            f'<div class="benor-feedback benor-feedback-{self.status}" role="status" '
            f'style="border-left:4px solid {colour};padding:0.4em 0.8em;">'
            f"<strong>{label}.</strong> {html.escape(self.message)}{hint}</div>"
        )


Checker = Callable[[object], Feedback]
Example = Callable[[], object]


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: where it lives and how its answers are checked."""

    id: str
    chapter: str  # the chapter's file name without extension, e.g. "rounds"
    kind: str  # "compute", "predict" or "adversary"
    section: str  # the section to reread, named in hints
    checker: Checker = field(repr=False)
    example: Example | None = field(default=None, repr=False, compare=False)

    @property
    def has_example(self) -> bool:
        """True when :meth:`correct_answer` can produce an answer."""
        return self.example is not None or callable(getattr(self.checker, "correct", None))

    def correct_answer(self) -> object:
        """One correct answer, computed by the library (for tests and instructors).

        Raises ``LookupError`` when the exercise was registered without a way to compute
        one (a ``bits`` or hand-written checker without ``example=``).
        """
        produce = self.example or getattr(self.checker, "correct", None)
        if not callable(produce):
            raise LookupError(
                f"exercise {self.id!r} cannot give a correct answer: pass example=<function "
                "returning a correct answer> to register() (or to bits())"
            )
        return produce()


REGISTRY: dict[str, Exercise] = {}
KINDS = ("compute", "predict", "adversary")


def register(
    exercise_id: str,
    checker: Checker,
    *,
    chapter: str,
    kind: str,
    section: str,
    example: Example | None = None,
) -> Exercise:
    """Add an exercise's checker to the registry and return the :class:`Exercise`.

    ``example`` is a function of no arguments that returns one correct answer; it is
    needed only when the checker cannot give one itself (see the module docstring).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if exercise_id in REGISTRY:
        raise ValueError(f"exercise {exercise_id!r} is registered twice")
    if example is not None and not callable(example):
        raise TypeError("example must be a function of no arguments returning a correct answer")
    exercise = Exercise(exercise_id, chapter, kind, section, checker, example)
    REGISTRY[exercise_id] = exercise
    return exercise


def exercises(chapter: str | None = None) -> list[Exercise]:
    """The registered exercises, optionally of one chapter."""
    return [e for e in REGISTRY.values() if chapter is None or e.chapter == chapter]


def check(exercise_id: str, answer: object) -> Feedback:
    """Check a student's answer to a registered exercise; never raises for bad answers."""
    ex = REGISTRY.get(exercise_id) if isinstance(exercise_id, str) else None
    if ex is None:
        return _unknown(exercise_id)
    if answer is Ellipsis:
        return Feedback("malformed", "Replace the ... with your answer, then run this cell again.")
    huge = _huge_int_in(answer)
    if huge is not None:
        return huge
    try:
        feedback = ex.checker(answer)
    except Exception as exc:  # a checker must never show a traceback to a student
        return Feedback("malformed", f"That answer could not be checked ({exc}).")
    if not isinstance(feedback, Feedback):
        return Feedback("malformed", "That answer could not be checked (the checker is broken).")
    return feedback


def _unknown(exercise_id: object) -> Feedback:
    """Feedback for an exercise id that is not registered: suggest the nearest ones."""
    if not REGISTRY:
        return Feedback(
            "malformed",
            f"There is no exercise called {exercise_id!r}: no exercises are registered yet.",
        )
    text = str(exercise_id)
    near = difflib.get_close_matches(text, list(REGISTRY), n=3, cutoff=0.6)
    chapter = text.split("-")[0]
    same_chapter = [e.id for e in REGISTRY.values() if e.chapter == chapter]
    if same_chapter:
        tail = f"The exercises of chapter {chapter!r} are " + ", ".join(same_chapter) + "."
    elif near:
        tail = "Did you mean " + " or ".join(repr(n) for n in near) + "?"
    else:
        chapters = sorted({e.chapter for e in REGISTRY.values()})
        tail = "Ids look like 'rounds-2': chapters with exercises are " + ", ".join(chapters)
        tail += "."
    return Feedback(
        "malformed",
        f"There is no exercise called {exercise_id!r}. {tail}",
        "Copy the id from the exercise's check(...) cell.",
    )


def _as_number(answer: object) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return None
    try:
        value = float(answer)
    except OverflowError:  # an int too large for a float, such as 10**400
        return None
    return value if math.isfinite(value) else None


def _huge_int_in(answer: object, depth: int = 3) -> Feedback | None:
    """Feedback for an answer that is, or holds (in lists, tuples, sets and dict values, a
    few levels deep), a whole number too large to be any answer of this book."""
    found = _too_large(answer)
    if found is not None or depth == 0:
        return found
    if isinstance(answer, dict):
        answer = list(answer.values())
    if isinstance(answer, (list, tuple, set, frozenset)) and len(answer) <= 10_000:
        for item in answer:
            found = _huge_int_in(item, depth - 1)
            if found is not None:
                return found
    return None


def _too_large(answer: object) -> Feedback | None:
    """Feedback for a whole number too large to be any answer of this book (None otherwise)."""
    if isinstance(answer, int) and not isinstance(answer, bool) and abs(answer) > 10**300:
        digits = int(abs(answer).bit_length() * math.log10(2)) + 1
        return Feedback(
            "malformed",
            f"The answer should be a number of ordinary size, not a whole number with about "
            f"{digits} digits.",
        )
    return None


def _describe(answer: object) -> str:
    try:
        text = repr(answer)
    except Exception:  # a huge int (Python limits int-to-text conversion) or a broken repr
        return f"a {type(answer).__name__} that cannot be shown"
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
        huge = _too_large(answer)
        if huge is not None:
            return huge
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

    check_number.correct = value  # type: ignore[attr-defined]
    return check_number


def exact_int(correct: Callable[[], int], *, section: str, hint: str, close: int = 0) -> Checker:
    """A checker for a whole number."""
    value = cache(correct)

    def check_int(answer: object) -> Feedback:
        huge = _too_large(answer)
        if huge is not None:
            return huge
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

    check_int.correct = value  # type: ignore[attr-defined]
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

    check_choice.correct = value  # type: ignore[attr-defined]
    check_choice.options = tuple(options)  # type: ignore[attr-defined]
    return check_choice


def bits(
    length: int,
    is_correct: Callable[[tuple[int, ...]], bool | str],
    *,
    section: str,
    hint: str,
    example: Example | None = None,
) -> Checker:
    """A checker for a sequence of ``length`` zeros and ones (an input vector, a schedule of
    coins...). ``is_correct`` returns True, or a string explaining what is wrong.

    ``example`` returns one correct answer (a tuple or list of ``length`` bits); the tests
    check that ``is_correct`` accepts it. Pass it here or to :func:`register`.
    """

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
        if any(_as_number(v) not in (0.0, 1.0) for v in values):
            return Feedback("malformed", f"Every entry should be 0 or 1; got {_describe(values)}.")
        verdict = is_correct(tuple(int(v) for v in values))
        if verdict is True:
            return Feedback("correct", f"{values} works.")
        why = verdict if isinstance(verdict, str) else f"{values} does not work."
        return Feedback("wrong", why, f"{hint} (Reread: {section}.)")

    if example is not None:
        check_bits.correct = example  # type: ignore[attr-defined]
    check_bits.length = length  # type: ignore[attr-defined]
    return check_bits
