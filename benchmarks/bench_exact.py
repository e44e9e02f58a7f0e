"""Time of the exact round distribution at the library's largest size, against its target.

Run with ``python benchmarks/bench_exact.py``. For n = 64 and t = 31, 8 and 1, under the
uniform scheduler and the split adversary, it times :func:`benor_lib.round_distribution`
from scratch (the one-round Markov chain built anew) and with the chain already cached,
and prints the mean and the 99th percentile it finds. Target (issue 17, item 7; this
machine: 2 shared cores): at most 50 ms per setting. Each figure is the best of
``--repeat`` calls.
"""

from __future__ import annotations

import argparse
import time

from benor_lib import round_distribution
from benor_lib.distributions.chain import chain_arrays

TARGET_S = 0.050


def best_time(call, repeat: int, cold: bool) -> float:
    best = float("inf")
    for _ in range(repeat):
        if cold:
            chain_arrays.cache_clear()
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--coin", default="local", choices=("local", "common"))
    args = parser.parse_args()
    print(f"round_distribution(64, t), coin={args.coin}, best of {args.repeat}")
    print(f"{'scheduler':>9} {'t':>3} {'cold ms':>8} {'cached ms':>9} {'mean':>12} {'p99':>12}")
    worst = 0.0
    for scheduler in ("uniform", "split"):
        for t in (31, 8, 1):

            def call(t=t, scheduler=scheduler):
                return round_distribution(64, t, scheduler=scheduler, coin=args.coin)

            cold = best_time(call, args.repeat, cold=True)
            warm = best_time(call, args.repeat, cold=False)
            dist = call()
            worst = max(worst, cold)
            print(
                f"{scheduler:>9} {t:>3} {cold * 1e3:8.1f} {warm * 1e3:9.1f} "
                f"{dist.mean:12.4g} {float(dist.quantile(0.99)):12.4g}"
            )
    verdict = "within" if worst <= TARGET_S else "OVER"
    print(
        f"slowest from scratch: {worst * 1e3:.1f} ms, {verdict} the {TARGET_S * 1e3:.0f} ms target"
    )


if __name__ == "__main__":
    main()
