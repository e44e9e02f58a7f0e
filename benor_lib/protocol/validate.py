"""Checks for what a caller passes to the public API: one place, one wording.

Every check returns the value in plain Python form (numpy integer and float scalars become
``int`` and ``float``) or raises ``ValueError`` naming the argument and saying what is
allowed. Public functions call these once, at the boundary; the code behind them trusts
its arguments and does not check again.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TypeGuard

import numpy as np

MAX_BUDGET_S = 24 * 3600.0
"""The longest time budget any search accepts, in seconds (a day)."""


def is_int(value: object) -> TypeGuard[int | np.integer]:
    """True for Python and numpy integers (not for bools)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))


def is_number(value: object) -> TypeGuard[int | float | np.integer | np.floating]:
    """True for Python and numpy integers and floats (not for bools)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (int, float, np.integer, np.floating)
    )


def _range_words(low: float | None, high: float | None) -> str:
    lo, hi = (f"{x:g}" if isinstance(x, float) else str(x) for x in (low, high))
    if low is not None and high is not None:
        return f"between {lo} and {hi}"
    if low is not None:
        return f"at least {lo}"
    return f"at most {hi}"


def check_int(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise ValueError naming ``name`` and the allowed range."""
    if not is_int(value):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {_range_words(low, high)}, got {value}")
    return value


def check_whole(name: str, value: object) -> int:
    """Return ``value`` as an int, or raise "``name`` must be a whole number" (the wording
    the widget models use for readers)."""
    if not is_int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def check_number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    positive: bool = False,
) -> float:
    """Return ``value`` as a finite float in [low, high] (> 0 with ``positive``), or raise."""
    if not is_number(value):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and x <= 0:
        more = "" if high is None else f" and at most {high}"
        raise ValueError(f"{name} must be a number greater than 0{more}, got {value!r}")
    if (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"{name} must be a number {_range_words(low, high)}, got {value!r}")
    return x


def check_budget(name: str, value: object, high: float = MAX_BUDGET_S) -> float:
    """A time budget in seconds: a finite number > 0 and at most ``high`` (inf, nan refused)."""
    if not is_number(value):
        raise ValueError(
            f"{name} must be a positive number of seconds, got {value!r} ({type(value).__name__})"
        )
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x) or x <= 0 or x > high:
        raise ValueError(
            f"{name} must be a positive, finite number of seconds, at most {high:g}; got {value!r}"
        )
    return x


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a bool (numpy bools accepted), or raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise ValueError listing them."""
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_keys(name: str, keys: Iterable[object], allowed: Collection[str]) -> None:
    """Raise unless every key is one of ``allowed``; the message lists the allowed keys."""
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        options = ", ".join(sorted(allowed))
        bad = ", ".join(repr(k) for k in unknown)
        raise ValueError(f"{name} got unknown key(s) {bad}; allowed: {options}")


def check_bit(name: str, value: object) -> int:
    """Return ``value`` as 0 or 1 (Python or numpy integers), or raise."""
    if not is_int(value) or int(value) not in (0, 1):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)


def check_sequence(name: str, value: object, what: str) -> list:
    """Return ``value`` as a list if it is a sequence (not a string), or raise naming
    ``what`` it should hold."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be a list of {what}, got {value!r}")
    return list(value)
