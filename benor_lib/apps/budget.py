"""How fast every widget action must answer: the book's time budgets, in one place.

The rules (issue 18):

* a widget action shows its **first visible answer** within :data:`FIRST_ANSWER_S`;
* it is **complete** within :data:`COMPLETE_S`, or else it answers progressively: its
  work runs in slices of at most :data:`SLICE_S` of compute, with a pause of
  :data:`PAUSE_S` between slices in which the kernel handles new events (a newer
  request cancels the pending work), and the picture is redrawn at most every
  :data:`REDRAW_S` while the work goes on.

Theory of operation. The budgets are times, not amounts of work: a :class:`Slice`
watches the clock while work runs, so a slow kernel (a laptop, Pyodide in a browser)
gets through less work in each slice and is never frozen for longer than a slice. The
*amount* of work an answer needs is fixed by its settings (so a seed always gives the
same picture); the budgets only decide how that work is cut up and delivered.

A slow-kernel mode makes the budgets act as if the machine were :func:`slowdown` times
slower: set the environment variable ``BENOR_SLOWDOWN`` (for example ``4``). Each slice
then counts its compute time that many times over, so it does a quarter of the work,
and it waits out the difference, so the wall-clock time a slice takes is what it would
be on the slower machine.

The pause between slices: on ipykernel 7 a kernel whose event loop always has the next
slice ready answers a new request only after several slices (each message needs a few
loop turns); a pause of a few milliseconds lets it answer within one slice.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "COMPLETE_S",
    "FIRST_ANSWER_S",
    "FIRST_SLICE_S",
    "PAUSE_S",
    "REDRAW_S",
    "SLICE_S",
    "SLOWDOWN_ENV",
    "Slice",
    "clock",
    "sleep",
    "slowdown",
    "slowdown_note",
]

FIRST_ANSWER_S = 0.150
"""Seconds from a control change to the widget's first visible answer."""

COMPLETE_S = 0.500
"""Seconds within which an action completes; beyond it, the answer is progressive."""

SLICE_S = 0.040
"""Compute seconds of one slice of progressive work (then the kernel handles events)."""

FIRST_SLICE_S = 0.030
"""Compute seconds of the slice before the first picture (drawing it takes the rest)."""

PAUSE_S = 0.005
"""Seconds between two slices, in which the kernel handles new messages."""

REDRAW_S = 0.300
"""Least seconds between two redraws while progressive work goes on."""

SLOWDOWN_ENV = "BENOR_SLOWDOWN"
"""The environment variable of the slow-kernel mode: a factor of 1 or more."""


def clock() -> float:
    """The clock slices read (seconds)."""
    return time.perf_counter()


def sleep(seconds: float) -> None:
    """How a slice waits in the slow-kernel mode."""
    time.sleep(seconds)


def slowdown() -> float:
    """The slow-kernel factor from ``BENOR_SLOWDOWN`` (1 when unset).

    A bad value raises ``ValueError`` saying what is allowed.
    """
    raw = os.environ.get(SLOWDOWN_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        factor = float(raw)
    except ValueError:
        raise ValueError(
            f"{SLOWDOWN_ENV} must be a number of 1 or more (such as 4), got {raw!r}"
        ) from None
    if not math.isfinite(factor) or factor < 1:
        raise ValueError(f"{SLOWDOWN_ENV} must be a number of 1 or more (such as 4), got {raw!r}")
    return factor


def slowdown_note() -> str:
    """A sentence for the screen in the slow-kernel mode ("" otherwise)."""
    factor = slowdown()
    if factor == 1:
        return ""
    return (
        f"Slow-kernel mode ({SLOWDOWN_ENV}={factor:g}): the time budgets act as if this "
        f"machine were {factor:g} times slower, so each slice of work is smaller."
    )


@dataclass
class Slice:
    """One slice of work of at most ``seconds`` (as the budget counts time).

    Call :meth:`over` between small pieces of work; it is true once the slice is used up.
    :meth:`end` waits out the slow-kernel difference. ``clock`` and ``sleep`` can be
    replaced (tests use a fake clock).
    """

    seconds: float = SLICE_S
    factor: float | None = None
    clock: Callable[[], float] | None = None
    sleep: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seconds, bool) or not self.seconds > 0:
            raise ValueError(f"seconds must be a positive number, got {self.seconds!r}")
        if self.factor is None:
            self.factor = slowdown()
        self.clock = self.clock or clock
        self.sleep = self.sleep or sleep
        self.start = self.clock()
        self.steps = 0

    def used(self) -> float:
        """Seconds used so far, as the budget counts them (wall clock x slowdown)."""
        assert self.factor is not None and self.clock is not None
        return (self.clock() - self.start) * self.factor

    def over(self) -> bool:
        """True when the slice is used up (each call counts one step of work)."""
        self.steps += 1
        return self.used() >= self.seconds

    def end(self) -> float:
        """Finish the slice: in the slow-kernel mode, wait as long as the slower machine
        would still be busy. Returns the seconds used as the budget counts them."""
        assert self.factor is not None and self.clock is not None and self.sleep is not None
        real = self.clock() - self.start
        if self.factor > 1:
            self.sleep((self.factor - 1) * real)
        return real * self.factor
