"""The break-it search on every configuration of the "Impossibility made visible" issue.

For each broken configuration: time to find a violation, its kind, its length in deliveries
and the runs tried (target: under 2 s each, 10 s at most). For each correct configuration:
the runs tried within the budget, with nothing found. Also the valence explorer and the
endless-run finder for n = 3..5. Run: python benchmarks/bench_break_it.py [max_runs] [seed]
"""

from __future__ import annotations

import sys
import time

from benor_lib import standard_rules
from benor_lib.impossibility import explore_valence, find_endless_run, find_violation

TARGET_S = 2.0

BROKEN = [
    ("(a) crash, n = 2t (n=4, t=2)", dict(n=4, t=2)),
    (
        "(b) decide on a single D (n=5, t=1)",
        dict(n=5, t=1, rules=standard_rules(5, 1).with_changes(decide_twice=1)),
    ),
    (
        "(b') decide on a single D, one crash",
        dict(n=5, t=1, crashes=1, rules=standard_rules(5, 1).with_changes(decide_twice=1)),
    ),
    (
        "(c) wait for n-t-1 messages (n=5, t=1)",
        dict(n=5, t=1, rules=standard_rules(5, 1).with_changes(quorum=3)),
    ),
    (
        "(d) D on a majority of n-t (n=5, t=2)",
        dict(n=5, t=2, rules=standard_rules(5, 2).with_changes(d_twice=3)),
    ),
    ("(e) halt at once, one crash (n=5, t=1)", dict(n=5, t=1, crashes=1, decided_policy="halt")),
    ("(f) Byzantine n=6, t=1, two Byzantine", dict(n=6, t=1, variant="byzantine", byzantine=2)),
]

CORRECT = [
    ("crash n=5, t=1", dict(n=5, t=1)),
    ("crash n=5, t=1, one crash", dict(n=5, t=1, crashes=1)),
    ("crash n=3, t=1", dict(n=3, t=1)),
    ("Byzantine n=6, t=1, one Byzantine", dict(n=6, t=1, variant="byzantine", byzantine=1)),
]


def main() -> None:
    max_runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(f"break-it search, seed {seed}")
    header = (
        f"  {'configuration':42s} {'search':10s} {'time':>7s} {'kind':12s} {'len':>5s} "
        f"{'tried':>6s}"
    )
    print("broken configurations (length = deliveries in the returned run)")
    print(header)
    worst = 0.0
    for name, kwargs in BROKEN:
        for search in ("auto", "random"):
            if search == "random" and name.startswith("(a)"):
                continue  # only the exhaustive search can prove that no decision is possible
            start = time.perf_counter()
            found = find_violation(budget_s=10.0, seed=seed, search=search, **kwargs)
            elapsed = time.perf_counter() - start
            if search == "auto":
                worst = max(worst, elapsed)
            if found:
                ok = "" if found.reproduces() else "  REPLAY FAILED"
                print(
                    f"  {name:42s} {search:10s} {elapsed:6.2f}s {found.kind:12s} "
                    f"{found.deliveries:5d} {found.tried:6d}{ok}"
                )
            else:
                print(
                    f"  {name:42s} {search:10s} {elapsed:6.2f}s {'NOT FOUND':12s} {'':5s} "
                    f"{found.tried:6d}"
                )
    verdict = "PASS" if worst < TARGET_S else "MISS"
    print(f"  slowest (search='auto'): {worst:.2f} s, target < {TARGET_S:.0f} s: {verdict}")

    print(f"correct configurations (budget: {max_runs} random runs, after the exhaustive search)")
    print(f"  {'configuration':42s} {'time':>7s} {'result':12s} {'tried':>6s} {'configs':>8s}")
    for name, kwargs in CORRECT:
        start = time.perf_counter()
        result = find_violation(budget_s=120.0, seed=seed, max_runs=max_runs, **kwargs)
        elapsed = time.perf_counter() - start
        what = "none found" if not result else f"FOUND {result.kind}"
        print(f"  {name:42s} {elapsed:6.2f}s {what:12s} {result.tried:6d} {result.explored:8d}")

    print("valence explorer and endless runs (crash variant, no crashes)")
    for n, t in ((3, 1), (4, 1), (5, 1), (5, 2)):
        for coin in ("keep", "zero", "pid_parity"):
            start = time.perf_counter()
            report = explore_valence(n, t, coin)
            lasso = find_endless_run(n, t, coin=coin)
            r = lasso.replay(cycles=2)
            elapsed = time.perf_counter() - start
            inputs = "".join(map(str, lasso.inputs))
            print(
                f"  n={n}, t={t}, {coin:10s} {elapsed:5.2f}s bivalent initial: "
                f"{len(report.bivalent_initial):2d}/{2**n:2d}, lasso {inputs}"
                f" prefix {len(lasso.prefix)} cycle {len(lasso.cycle)}"
                f"{' (bivalent)' if lasso.bivalent else ''}, replay {r.status}, "
                f"decisions {r.decisions or 'none'}"
            )


if __name__ == "__main__":
    main()
