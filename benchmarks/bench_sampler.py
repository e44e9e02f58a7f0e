"""Speed of the vectorised sampler and the exact computation, against their targets.

Run with ``python benchmarks/bench_sampler.py``. Each figure is the best of a few
repetitions (single process; numpy does not multithread these operations).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from benor_lib.distributions import chain as chain_module
from benor_lib.distributions.exact import exact_rounds
from benor_lib.distributions.sample import sample_rounds


def best_time(action: Callable[[], object], repeat: int = 3) -> float:
    """Shortest wall-clock time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def report(label: str, value: float, target: float, unit: str, higher_is_better: bool = False):
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<"
    print(
        f"{label:<52} {value:>12.4g} {unit:<7} target {sign} {target:g} {unit:<7} "
        f"{'PASS' if ok else 'MISS'}"
    )


def exact_cold(n: int, t: int, scheduler: str) -> np.ndarray:
    chain_module.chain_arrays.cache_clear()  # include building the chain
    return exact_rounds(n, t, scheduler=scheduler)


def event_simulator_rate(runs: int) -> float | None:
    """Runs per second of ``benor_lib.run`` on the canonical experiment, if it exists."""
    try:
        from benor_lib import run
    except ImportError:
        return None
    start = time.perf_counter()
    for seed in range(runs):
        run(5, 1, "random", scheduler="uniform", seed=seed)
    return runs / (time.perf_counter() - start)


def main() -> None:
    sample_rounds(5, 1, 1_000, seed=0)  # warm up imports and caches

    seconds = best_time(lambda: sample_rounds(5, 1, 100_000, seed=1))
    report("sampler: 100,000 canonical runs (n=5, t=1)", seconds, 0.3, "s")
    sampler_rate = 100_000 / seconds
    print(f"{'  = runs per second':<52} {sampler_rate:>12.4g}")

    seconds = best_time(lambda: sample_rounds(5, 1, 10_000, seed=2), repeat=5)
    report("sampler: 10,000 runs of n=5", seconds * 1000, 50, "ms")

    tracemalloc.start()
    start = time.perf_counter()
    sample_rounds(5, 1, 1_000_000, seed=3)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    report("sampler: 1,000,000 runs of n=5, peak memory", peak / 2**20, 1024, "MiB")
    print(f"{'  (time with memory tracing on)':<52} {seconds:>12.4g} s")

    for n, t in ((5, 1), (9, 4)):
        for scheduler in ("uniform", "split"):
            seconds = best_time(lambda n=n, t=t, s=scheduler: exact_cold(n, t, s))
            report(f"exact_rounds: n={n}, t={t}, {scheduler}", seconds, 1.0, "s")

    event_runs = 2_000
    try:
        event_rate = event_simulator_rate(event_runs)
    except Exception as error:  # the event simulator is being written in parallel
        print(f"event simulator: failed ({type(error).__name__}: {error})")
        return
    if event_rate is None:
        print("event simulator: benor_lib.run not available, skipped")
        return
    print(f"{f'event simulator: {event_runs:,} canonical runs':<52} {event_rate:>12.4g} runs/s")
    report("ratio sampler / event simulator", sampler_rate / event_rate, 200, "x", True)


if __name__ == "__main__":
    main()
