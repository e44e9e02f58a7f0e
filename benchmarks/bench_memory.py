"""Peak memory of a long undecided run, with and without its trace (issue 15).

The run: n = 11, t = 5, five processes start with 1, the split adversary and the
deterministic coin rule "keep", so nobody ever sends a D-message and the run stays
undecided for all ``max_rounds`` rounds (FLP's endless run, cut off). Each measurement
runs in a fresh Python process and reports its peak resident memory (``ru_maxrss``)
above the memory it had after importing benor_lib, and the time the run took.

Run: python benchmarks/bench_memory.py [rounds] [--full-rounds R]
(defaults: 10,000 rounds for both; ``--full-rounds 0`` skips the full-trace run, which
needs several hundred MB at 10,000 rounds.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
import benor_lib
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rounds, keep = int(sys.argv[1]), sys.argv[2] == "full"
start = time.perf_counter()
r = benor_lib.run(11, 5, 5, scheduler="split", coin="keep", seed=0, max_rounds=rounds,
                  keep_trace=keep)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"status": r.status, "rounds": r.rounds, "events": r.event_count,
                  "kept": len(r.trace), "seconds": elapsed, "peak_kib": peak - base}))
"""


def measure(rounds: int, mode: str) -> dict:
    """Run one configuration in a fresh interpreter; return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(rounds), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _line(label: str, m: dict) -> str:
    return (
        f"  {label:<24} {m['status']} after {m['rounds']:,} rounds, {m['events']:,} events "
        f"({m['kept']:,} kept), {m['seconds']:.1f} s, peak memory +{m['peak_kib'] / 1024:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=10_000)
    parser.add_argument("--full-rounds", type=int, default=None)
    args = parser.parse_args()
    full_rounds = args.rounds if args.full_rounds is None else args.full_rounds
    print("undecided run, n=11, t=5, split adversary, coin rule 'keep'")
    lean = measure(args.rounds, "lean")
    print(_line("keep_trace=False", lean))
    if full_rounds > 0:
        full = measure(full_rounds, "full")
        print(_line("full trace", full))
        per_round_full = full["peak_kib"] / full["rounds"]
        print(
            f"  full trace: {per_round_full:.1f} KiB per round; without it the peak stays at "
            f"{lean['peak_kib'] / 1024:.1f} MiB for {lean['rounds']:,} rounds"
        )


if __name__ == "__main__":
    main()
