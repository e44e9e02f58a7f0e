"""How quickly the distribution explorer answers a change of setting, against its target.

Run with ``python benchmarks/bench_explorer.py``. Each line is one control change of the
widget (10,000 runs requested), timed from the change to the new figure and statistics;
the best of a few repetitions, with the sampling cache cleared each time. The target is
what feels immediate; capped settings must stay within it too.
"""

from __future__ import annotations

import time

from benor_lib.apps import distribution_explorer
from benor_lib.apps.explorer import model as em

TARGET_SECONDS = 0.75

SPLIT = {"scheduler_box": "split"}
MOVES = [
    ("canonical: n=5, t=1, uniform", {}),
    ("n=7, t=3, uniform", {"n_slider": 7, "t_slider": 3}),
    ("n=9, t=4, split adversary (mean 256)", {"n_slider": 9, "t_slider": 4, **SPLIT}),
    ("n=12, t=5, split adversary (capped runs)", {"n_slider": 12, "t_slider": 5, **SPLIT}),
    ("n=21, t=10, split adversary (capped rounds)", {"n_slider": 21, "t_slider": 10, **SPLIT}),
    ("n=25, t=12, uniform (trial estimate, capped)", {"n_slider": 25, "t_slider": 12}),
    ("n=64, t=8, split adversary", {"n_slider": 64, "t_slider": 8, **SPLIT}),
    ("n=5, t=1, one crashed", {"crashed_slider": 1}),
    ("n=9, t=4, split, common coin", {"n_slider": 9, "t_slider": 4, **SPLIT, "coin_box": "common"}),
]


def time_move(controls: dict[str, object], repeat: int = 3) -> tuple[float, em.ExplorerView]:
    """Best time of one refresh after setting ``controls``, and the view it produced."""
    best, view = float("inf"), None
    for _ in range(repeat):
        w = distribution_explorer(n=5, t=1)
        w._quiet = True  # set every control first, then time one refresh: one slider move
        for name, value in controls.items():
            getattr(w, name).value = value
        w._quiet = False
        w.session._cache.clear()
        start = time.perf_counter()
        w._refresh()
        elapsed = time.perf_counter() - start
        assert not w.message.has_error, w.message.text
        if elapsed < best:
            best, view = elapsed, w.session.current
    assert view is not None
    return best, view


def main() -> None:
    distribution_explorer()  # warm up imports, fonts and caches
    print(f"{'setting':<48} {'total':>8} {'runs':>8} {'max_rounds':>11}  {'cap':<11} target")
    for label, controls in MOVES:
        seconds, view = time_move(controls)
        plan = view.plan
        cap = "runs+rounds" if plan.capped_rounds else ("runs" if plan.capped_runs else "-")
        verdict = "PASS" if seconds < TARGET_SECONDS else "MISS"
        print(
            f"{label:<48} {seconds * 1000:>6.0f}ms {plan.runs:>8,} {plan.max_rounds:>11,}  "
            f"{cap:<11} < {TARGET_SECONDS * 1000:.0f} ms {verdict}"
        )


if __name__ == "__main__":
    main()
