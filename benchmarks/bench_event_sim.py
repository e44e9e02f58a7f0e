"""Event-simulator throughput on the canonical experiment (n=5, t=1, uniform scheduler).

Prints delivered messages per second and runs per second. Target: at least 100,000
deliveries per second on one core. Run: python benchmarks/bench_event_sim.py [runs]
"""

from __future__ import annotations

import sys
import time

from benor_lib import run
from benor_lib.protocol.events import DELIVER

TARGET_DELIVERIES_PER_S = 100_000


def measure(runs: int = 3000, n: int = 5, t: int = 1, scheduler: str = "uniform") -> dict:
    """Simulate ``runs`` runs and return the elapsed time, deliveries/s and runs/s."""
    deliveries = 0
    start = time.perf_counter()
    for seed in range(runs):
        r = run(n, t, "random", scheduler=scheduler, seed=seed)
        deliveries += sum(1 for e in r.trace if e.kind == DELIVER)
    elapsed = time.perf_counter() - start
    return {
        "runs": runs,
        "seconds": elapsed,
        "deliveries": deliveries,
        "deliveries_per_s": deliveries / elapsed,
        "runs_per_s": runs / elapsed,
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    m = measure(runs)
    verdict = "PASS" if m["deliveries_per_s"] >= TARGET_DELIVERIES_PER_S else "MISS"
    print(f"event simulator, canonical experiment (n=5, t=1, uniform), {runs} runs, one core")
    print(f"  time:         {m['seconds']:.2f} s")
    rate = m["deliveries_per_s"]
    print(f"  deliveries/s: {rate:,.0f}  (target >= {TARGET_DELIVERIES_PER_S:,}) {verdict}")
    print(f"  runs/s:       {m['runs_per_s']:,.0f}")
    for sched in ("random_order", "fifo", "split"):
        s = measure(max(200, runs // 5), scheduler=sched)
        rate, runs_s = s["deliveries_per_s"], s["runs_per_s"]
        print(f"  {sched:>12}: {rate:,.0f} deliveries/s, {runs_s:,.0f} runs/s")


if __name__ == "__main__":
    main()
