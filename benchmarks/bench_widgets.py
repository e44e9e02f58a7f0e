"""Time to first answer, compute and draw per widget action, against the time budgets.

Run with ``python benchmarks/bench_widgets.py [repeat]`` (``BENOR_SLOWDOWN=4`` for the
slow-kernel mode). The widgets run inside an asyncio event loop, as in a kernel, so
progressive work runs in slices exactly as it does in Jupyter; no browser is involved (the
browser test, ``tests/book/test_responsiveness.py``, measures actions from the click).
Every action of the stepper, the distribution explorer and the model explorer is repeated
over a fixed list of settings, including the slow ones of issue 18; each cell gives the
median and the maximum over the repetitions (ms) of

* **first**: from the control change to the first visible change of the widget (the
  handler of the change, which shows the first answer);
* **complete**: to the final answer (progressive beyond the 500 ms budget);
* **compute** and **draw**: the time spent computing and drawing (as the budget counts
  it: in the slow-kernel mode, times the slowdown);
* **block**: the longest time the kernel could not answer another message (the handler,
  the longest slice of work, or a drawing), which a reader feels as a frozen widget;
* **first cpu**, **block cpu**: the same two in CPU time of the kernel's thread.

Wall-clock times depend on what else the machine runs: on a machine shared with other
work the process gets a fraction of a core, and every wall time grows by that factor. CPU
time does not (much), so each row has two verdicts: **wall** (the budgets as a reader on
this machine, now, feels them) and **cpu** (the budgets on this machine when it is not
shared). A row passes when the first answer is within 150 ms and nothing blocks for more
than 500 ms; "progressive" says that the answer took longer than 500 ms and came in
slices. The load average is printed with the tables.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from benor_lib.analysis.rounds import clear_exact_cache
from benor_lib.apps import budget, distribution_explorer, round_stepper
from benor_lib.apps.model_explorer.model import PRESETS
from benor_lib.apps.model_explorer.view import model_explorer

SPLIT = {"scheduler_box": "split"}
EXPLORER_MOVES = [
    ("canonical: n=5, t=1, uniform", {"n_slider": 5}),
    ("n=7, t=3, uniform", {"n_slider": 7, "t_slider": 3}),
    ("n=9, t=4, split adversary", {"n_slider": 9, "t_slider": 4, **SPLIT}),
    ("n=12, t=5, split adversary", {"n_slider": 12, "t_slider": 5, **SPLIT}),
    ("n=21, t=10, split adversary", {"n_slider": 21, "t_slider": 10, **SPLIT}),
    ("n=25, t=12, uniform (trial estimate)", {"n_slider": 25, "t_slider": 12}),
    ("n=64, t=8, split adversary", {"n_slider": 64, "t_slider": 8, **SPLIT}),
    ("n=5, t=1, one crashed", {"crashes_slider": 1}),
    ("n=9, t=4, split, common coin", {"n_slider": 9, "t_slider": 4, **SPLIT, "coin_box": "common"}),
]
STEPPER_ACTIONS = [
    ("1 delivery", "delivery_button"),
    ("1 step", "step_button"),
    ("1 round", "round_button"),
    ("to decision", "decision_button"),
    ("back", "back_button"),
]
STEPPER_SETTINGS = [
    ("n=5, t=1, uniform", {}),
    ("n=9, t=4, split", {"n": 9, "t": 4, "scheduler": "split"}),
]
STEPPER_CHANGES = [
    ("new seed, n=5, t=1 (a run of 2 rounds)", {}, {"seed_box": "2"}),
    (
        "n=9, t=4, split, to seed 2 (a run of 277 rounds)",
        {"n": 9, "t": 4, "scheduler": "split"},
        {"seed_box": "2"},
    ),
    ("to the split adversary at n=9, t=4", {"n": 9, "t": 4}, {"scheduler_box": "split"}),
]
MODEL_SETTINGS = [
    ("preset FLP (an endless run)", dict(PRESETS["FLP"])),
    ("preset Ben-Or (a decided run)", dict(PRESETS["Ben-Or"])),
    ("preset bound broken (a violation)", dict(PRESETS["bound broken"])),
    ("n=7, t=3, crash, uniform scheduler", dict(n=7, t=3, scheduler="uniform")),
    (
        "n=7, t=1, 2 Byzantine, worst case (a long search)",
        dict(coin="local", variant="byzantine", n=7, t=1, faults=2, scheduler="adversary"),
    ),
]
KEYS = ["first", "complete", "compute", "draw", "block", "first cpu", "block cpu"]


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{1000 * x:,.0f}"


class Row:
    """Figures of one action over several repetitions."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.samples: dict[str, list[float]] = {}

    def add(self, **figures: float | None) -> None:
        for key, value in figures.items():
            if value is not None:
                self.samples.setdefault(key.replace("_", " "), []).append(value)

    def cell(self, key: str) -> str:
        values = self.samples.get(key)
        if not values:
            return "—"
        return f"{_ms(statistics.median(values))} / {_ms(max(values))}"

    def _ok(self, first: str, block: str) -> bool:
        worst_first = max(self.samples.get(first, [0.0]))
        worst_block = max(self.samples.get(block, [0.0]))
        return worst_first <= budget.FIRST_ANSWER_S and worst_block <= budget.COMPLETE_S

    def verdict(self) -> str:
        wall = "PASS" if self._ok("first", "block") else "MISS"
        cpu = "PASS" if self._ok("first cpu", "block cpu") else "MISS"
        progressive = max(self.samples.get("complete", [0.0])) > budget.COMPLETE_S
        return f"wall {wall}, cpu {cpu}" + (" (progressive)" if progressive else "")


def print_table(title: str, rows: list[Row], keys: list[str]) -> None:
    print(f"\n{title}  (ms, median / max)")
    header = f"{'action':<62}" + "".join(f"{k:>15}" for k in keys) + "  verdict"
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = "".join(f"{row.cell(k):>15}" for k in keys)
        print(f"{row.label:<62}{cells}  {row.verdict()}")


async def _settle(widget: Any, timeout: float = 120.0) -> None:
    start = time.perf_counter()
    while widget.worker.busy and time.perf_counter() - start < timeout:
        await asyncio.sleep(0.005)


def _watch(worker: Any) -> list[float]:
    """Record the longest slice of ``worker`` in wall and CPU time of the kernel's thread:
    [wall, cpu], updated as slices run."""
    longest = [0.0, 0.0]
    step = worker._step

    def timed(generation: int) -> bool:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return step(generation)
        finally:
            longest[0] = max(longest[0], time.perf_counter() - start)
            longest[1] = max(longest[1], time.thread_time() - cpu)

    worker._step = timed
    return longest


async def _measure(row: Row, widget: Any, act: Callable[[], None]) -> None:
    """Do ``act`` (a control change or a click) and record the action's figures."""
    before = len(widget.timings)
    await asyncio.sleep(0.01)
    longest = _watch(widget.worker)
    start, cpu = time.perf_counter(), time.thread_time()
    act()
    handler, handler_cpu = time.perf_counter() - start, time.thread_time() - cpu
    await _settle(widget)
    assert not widget.message.has_error, widget.message.text
    timing = widget.timings[-1] if len(widget.timings) > before else None
    row.add(
        first=handler,
        first_cpu=handler_cpu,
        complete=handler if timing is None else timing.complete,
        compute=None if timing is None else timing.compute,
        draw=None if timing is None else timing.draw,
        block=max(handler, longest[0]),
        block_cpu=max(handler_cpu, longest[1]),
    )


async def bench_explorer(repeat: int) -> list[Row]:
    rows = []
    for label, controls in EXPLORER_MOVES:
        row = Row(f"explorer {label}")
        for _ in range(repeat):
            w = distribution_explorer(n=5, t=1)
            w._quiet = True  # set every control but the last quietly: one slider move
            items = list(controls.items())
            for name, value in items[:-1]:
                getattr(w, name).value = value
            name, value = items[-1]
            control = getattr(w, name)
            if control.value == value:  # the canonical setting: move away first
                control.value = value + 1
            w._quiet = False
            w.session._cache.clear()
            await _measure(row, w, lambda c=control, v=value: setattr(c, "value", v))
        rows.append(row)
    return rows


async def bench_stepper(repeat: int) -> list[Row]:
    rows = []
    for label, settings in STEPPER_SETTINGS:
        for action, button in STEPPER_ACTIONS:
            row = Row(f"stepper {label}: {action}")
            for _ in range(repeat):
                w = round_stepper(**settings)
                if action == "back":
                    w.round_button.click()
                    await _settle(w)
                await _measure(row, w, getattr(w, button).click)
            rows.append(row)
    for label, settings, controls in STEPPER_CHANGES:
        row = Row(f"stepper settings: {label}")
        for _ in range(repeat):
            w = round_stepper(**settings)
            (name, value), *_ = controls.items()
            control = getattr(w, name)
            await _measure(row, w, lambda c=control, v=value: setattr(c, "value", v))
        rows.append(row)
    return rows


async def bench_model_explorer(repeat: int) -> list[Row]:
    rows = []
    for label, controls in MODEL_SETTINGS:
        row = Row(f"model explorer: {label}")
        for _ in range(repeat):
            w = model_explorer(n=4, t=1)
            w.session._cache.clear()
            await _measure(row, w, lambda w=w, c=controls: w.set(**c))
        rows.append(row)
    return rows


async def main(repeat: int, only: str) -> None:
    print(
        f"budgets: first answer {_ms(budget.FIRST_ANSWER_S)} ms, complete "
        f"{_ms(budget.COMPLETE_S)} ms (or progressive, no block longer); slice "
        f"{_ms(budget.SLICE_S)} ms; slowdown x{budget.slowdown():g}; {repeat} repetitions"
    )
    distribution_explorer()  # warm up imports, fonts and caches
    benches = {
        "stepper": ("round stepper", bench_stepper),
        "explorer": ("distribution explorer", bench_explorer),
        "model": ("model explorer", bench_model_explorer),
    }
    for key, (title, bench) in benches.items():
        if only in ("all", key):
            rows = await bench(repeat)
            print_table(title, rows, KEYS)
            print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def run(argv: list[str]) -> None:
    repeat = int(argv[1]) if len(argv) > 1 else 3
    only = argv[2] if len(argv) > 2 else "all"
    clear_exact_cache()
    asyncio.run(main(repeat, only))


if __name__ == "__main__":
    run(sys.argv)
