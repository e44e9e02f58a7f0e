"""Progressive work for widgets: slices on the kernel's event loop, and one reused canvas.

:class:`Worker` runs a widget's long work as a generator, one slice per ``next()``, from
the kernel's asyncio event loop with a short pause between slices
(:data:`~benor_lib.apps.budget.PAUSE_S`), so that the kernel handles new control changes in
between. Starting new work cancels the old: the widget answers the last request, not a
queue of stale ones. No threads, so it works the same in ipykernel (6 and 7) and in
Pyodide (JupyterLite), whose event loop is the browser's. Without a running event loop
(a plain script, a test) the work runs to the end at once. The one piece of work that
cannot be cut into slices, the model explorer's worst-case search, runs on a
:class:`Helper` thread where there are threads (not in Pyodide, where it is one slice).

:class:`Canvas` keeps one matplotlib figure and its Agg canvas for a widget's life and
turns it into PNG bytes with one draw (``savefig`` with a tight bounding box draws twice)
and a fast PNG encoder. It records how long drawing took, apart from computing.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from benor_lib.apps.budget import PAUSE_S

__all__ = [
    "ActionTiming",
    "Canvas",
    "Helper",
    "Worker",
    "event_loop",
    "png_bytes",
    "threads_available",
]


def event_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the kernel, or None (then work runs synchronously).

    In ipykernel every message handler (a widget callback) runs inside the loop. In Pyodide
    the browser's loop serves asyncio without "running" in the usual sense.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if sys.platform == "emscripten":  # pragma: no cover - Pyodide only
        return asyncio.get_event_loop()
    return None


class Worker:
    """Runs one generator of work at a time, a slice per step, on the event loop.

    :meth:`start` cancels whatever ran before. ``on_error`` receives an exception the work
    raised (the widget shows it as a message). ``synchronous=True`` runs every piece of
    work to the end at once (tests, scripts; also chosen when no loop runs).
    """

    def __init__(
        self,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        synchronous: bool = False,
        pause: float = PAUSE_S,
    ) -> None:
        self.on_error = on_error
        self.synchronous = synchronous
        self.pause = pause
        self._generation = 0
        self._work: Iterator[Any] | None = None
        self.slices = 0
        """Slices the current (or last) work has run."""
        self.live = False
        """True while the current work runs in slices on the event loop (else all at once)."""
        self.longest_step = 0.0
        """Seconds of the longest slice of the current (or last) work: the longest time the
        kernel could not answer another message because of it."""

    @property
    def busy(self) -> bool:
        """True while work is pending."""
        return self._work is not None

    def cancel(self) -> None:
        """Drop the pending work (it runs no further slice)."""
        self._generation += 1
        if self._work is not None:
            with contextlib.suppress(ValueError):  # cancelled within its own slice
                self._work.close()
            self._work = None

    def start(self, work: Iterator[Any]) -> None:
        """Run ``work`` (a generator: each ``next()`` is one slice) instead of the old work."""
        self.cancel()
        self._work, self.slices, self.longest_step = work, 0, 0.0
        generation = self._generation
        loop = None if self.synchronous else event_loop()
        self.live = loop is not None
        if loop is None:
            while self._step(generation):
                pass
            return
        loop.call_soon(self._tick, loop, generation)

    def _tick(self, loop: asyncio.AbstractEventLoop, generation: int) -> None:
        if self._step(generation):
            loop.call_later(self.pause, self._tick, loop, generation)

    def _step(self, generation: int) -> bool:
        """One slice; True when there is more to do."""
        if generation != self._generation or self._work is None:
            return False
        start = time.perf_counter()
        try:
            next(self._work)
            self.slices += 1
            return True
        except StopIteration:
            pass
        except Exception as exc:  # never a traceback in a widget
            if self.on_error is None:
                raise
            self.on_error(exc)
        finally:
            self.longest_step = max(self.longest_step, time.perf_counter() - start)
        if generation == self._generation:
            self._work = None
        return False

    def drain(self) -> None:
        """Run the pending work to the end now (tests)."""
        while self._step(self._generation):
            pass


def threads_available() -> bool:
    """True where work can run on a helper thread (not in Pyodide, which has none)."""
    return sys.platform != "emscripten"


class Helper:
    """Runs one call on a daemon thread, for work that cannot be cut into slices.

    The kernel's event loop stays free meanwhile (the interpreter switches threads every few
    milliseconds), so a widget can show progress and take newer requests; a caller that no
    longer wants the answer just drops the helper (its thread ends with its own budget).
    :meth:`result` returns the call's value or raises what it raised.
    """

    def __init__(self, call: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._value = call()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    @property
    def finished(self) -> bool:
        """True when the call has returned or raised."""
        return not self._thread.is_alive()

    def result(self) -> Any:
        """The call's value (waits for it), or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


@dataclass
class ActionTiming:
    """How one widget action went, in seconds from the click (``clicked``, a perf_counter).

    ``first_answer``: the first visible change; ``first_picture``: the first figure drawn;
    ``complete``: the final answer. ``compute`` and ``draw`` add up the time spent computing
    and drawing (as the budget counts it); ``slices`` counts the slices of work.
    """

    clicked: float
    first_answer: float | None = None
    first_picture: float | None = None
    complete: float | None = None
    compute: float = 0.0
    draw: float = 0.0
    last_draw: float = 0.0
    slices: int = 0
    runs: int = 0

    def _since(self) -> float:
        return time.perf_counter() - self.clicked

    def answered(self) -> None:
        """Record the first visible answer (once)."""
        if self.first_answer is None:
            self.first_answer = self._since()

    def pictured(self) -> None:
        """Record a picture (the first one counts) and so an answer."""
        self.answered()
        if self.first_picture is None:
            self.first_picture = self._since()

    def completed(self, runs: int = 0) -> None:
        """Record the final answer."""
        self.pictured()
        self.complete, self.runs = self._since(), runs

    @property
    def runs_per_slice(self) -> float:
        """Simulated runs per slice of work (fewer on a slower kernel)."""
        return self.runs / max(1, self.slices)


class Canvas:
    """One figure and its Agg canvas, reused for every picture a widget draws."""

    def __init__(self, dpi: float = 90) -> None:
        self.figure = Figure()
        FigureCanvasAgg(self.figure)
        self.dpi = dpi
        self.draw_seconds = 0.0
        """How long the last :meth:`png` took (drawing and encoding, no computing)."""

    def png(self) -> bytes:
        """The figure as PNG bytes, on a white background."""
        start = time.perf_counter()
        data = png_bytes(self.figure, self.dpi)
        self.draw_seconds = time.perf_counter() - start
        return data


def png_bytes(fig: Figure, dpi: float = 90) -> bytes:
    """A figure as PNG bytes with one draw (``savefig`` with a tight bounding box draws
    twice) and a fast PNG encoder; the figure's own layout engine places the axes."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()
