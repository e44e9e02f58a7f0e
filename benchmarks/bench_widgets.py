"""Time to first answer, compute and draw per widget action, against the time budgets.

Run with ``python benchmarks/bench_widgets.py`` (``BENOR_SLOWDOWN=4`` for the slow-kernel
mode). The widgets run inside an asyncio event loop, as in a kernel, so progressive work
runs in slices exactly as it does in Jupyter; no browser is involved (the browser test,
``tests/book/test_responsiveness.py``, measures the same actions from the click). Each action
is repeated; the table gives the median and the maximum over the repetitions of

* **first**: from the control change to the first visible change of the widget;
* **picture**: to the first figure drawn for the new setting;
* **complete**: to the final answer (progressive beyond the 500 ms budget);
* **compute** and **draw**: the time spent computing and drawing (as the budget counts
  it: in the slow-kernel mode, times the slowdown);
* **block**: the longest time the kernel could not answer another message (the click's
  own handler, the longest slice, or a drawing), which a reader feels as a frozen widget.

The budgets are those of :mod:`benor_lib.apps.budget`: first answer within 150 ms; complete
within 500 ms, or progressive with no block longer than that.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
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
MODEL_SETTINGS = [
    ("preset FLP (an endless run)", dict(PRESETS["FLP"])),
    ("preset Ben-Or (a decided run)", dict(PRESETS["Ben-Or"])),
    ("preset bound broken (a violation)", dict(PRESETS["bound broken"])),
    ("n=7, t=3, crash, uniform scheduler", dict(n=7, t=3, scheduler="uniform")),
]


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{1000 * x:,.0f}"


class Row:
    """Figures of one action over several repetitions."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.samples: dict[str, list[float]] = {}
        self.notes: set[str] = set()

    def add(self, **figures: float | None) -> None:
        for key, value in figures.items():
            if value is not None:
                self.samples.setdefault(key, []).append(value)

    def cell(self, key: str) -> str:
        values = self.samples.get(key)
        if not values:
            return "—"
        return f"{_ms(statistics.median(values))} / {_ms(max(values))}"

    def verdict(self) -> str:
        first = max(self.samples.get("first", [0.0]))
        block = max(self.samples.get("block", [0.0]))
        complete = max(self.samples.get("complete", [0.0]))
        ok = first <= budget.FIRST_ANSWER_S and block <= budget.COMPLETE_S
        progressive = complete > budget.COMPLETE_S
        return ("PASS" if ok else "MISS") + (" (progressive)" if progressive else "")


def print_table(title: str, rows: list[Row], keys: list[str]) -> None:
    print(f"\n{title}  (ms, median / max)")
    header = f"{'action':<40}" + "".join(f"{k:>16}" for k in keys) + "  verdict"
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = "".join(f"{row.cell(k):>16}" for k in keys)
        print(f"{row.label:<40}{cells}  {row.verdict()}")


async def _settle(widget: Any, timeout: float = 60.0) -> None:
    start = time.perf_counter()
    while widget.worker.busy and time.perf_counter() - start < timeout:
        await asyncio.sleep(0.005)


async def bench_explorer(repeat: int) -> list[Row]:
    rows = []
    for label, controls in EXPLORER_MOVES:
        row = Row(label)
        for _ in range(repeat):
            w = distribution_explorer(n=5, t=1)
            w._quiet = True  # set every control but the last quietly: one slider move
            items = list(controls.items())
            for name, value in items[:-1]:
                getattr(w, name).value = value
            w._quiet = False
            w.session._cache.clear()
            await asyncio.sleep(0.01)
            name, value = items[-1]
            control = getattr(w, name)
            if control.value == value:  # the canonical setting: move away and back quietly
                w._quiet = True
                control.value = value + 1
                w._quiet = False
            getattr(w, name).value = value
            await _settle(w)
            assert not w.message.has_error, w.message.text
            timing = w.timings[-1]
            row.add(
                first=timing.first_answer,
                picture=timing.first_picture,
                complete=timing.complete,
                compute=timing.compute,
                draw=timing.draw,
                block=max(timing.first_answer or 0.0, w.worker.longest_step),
            )
            row.samples.setdefault("runs/slice", []).append(timing.runs_per_slice / 1000)
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
                await asyncio.sleep(0.01)
                getattr(w, button).click()
                await _settle(w)
                assert not w.message.has_error, w.message.text
                timing = w.timings[-1]
                row.add(
                    first=timing.first_answer,
                    picture=timing.first_picture,
                    complete=timing.complete,
                    compute=timing.compute,
                    draw=timing.draw,
                    block=max(timing.first_answer or 0.0, w.worker.longest_step),
                )
            rows.append(row)
    return rows


async def bench_model_explorer(repeat: int) -> list[Row]:
    rows = []
    for label, controls in MODEL_SETTINGS:
        row = Row(f"model explorer: {label}")
        for _ in range(repeat):
            w = model_explorer(n=4, t=1)
            w.session._cache.clear()
            await asyncio.sleep(0.01)
            w.set(**controls)
            await _settle(w)
            assert not w.message.has_error, w.message.text
            timing = w.timings[-1]
            row.add(
                first=timing.first_answer,
                picture=timing.first_picture,
                complete=timing.complete,
                compute=timing.compute,
                draw=timing.draw,
                block=max(timing.first_answer or 0.0, w.worker.longest_step),
            )
        rows.append(row)
    return rows


async def main(repeat: int) -> None:
    print(
        f"budgets: first answer {_ms(budget.FIRST_ANSWER_S)} ms, complete "
        f"{_ms(budget.COMPLETE_S)} ms (or progressive, no block longer); slice "
        f"{_ms(budget.SLICE_S)} ms; slowdown x{budget.slowdown():g}"
    )
    distribution_explorer()  # warm up imports, fonts and caches
    keys = ["first", "picture", "complete", "compute", "draw", "block"]
    print_table("distribution explorer", await bench_explorer(repeat), [*keys, "runs/slice"])
    print("(runs/slice in thousands)")
    print_table("round stepper", await bench_stepper(repeat), keys)
    print_table("model explorer", await bench_model_explorer(max(1, repeat // 2)), keys)


def run(argv: list[str]) -> None:
    repeat = int(argv[1]) if len(argv) > 1 else 3
    clear_exact_cache()
    asyncio.run(main(repeat))


if __name__ == "__main__":
    run(sys.argv)
