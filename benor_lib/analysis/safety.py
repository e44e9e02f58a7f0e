"""What the safety lemmas and the termination argument are about, read from traces: the
D-values of each round, what followed the first decision, whether the reports were all
sent before the first coin, and a sweep that tallies them over many simulated runs."""

from __future__ import annotations

from typing import Any

import numpy as np


def d_values_by_round(run: Any) -> dict[int, set[int]]:
    """The values carried by the D-messages of each round of ``run`` (rounds without any are
    left out). In the crash variant every set has one element: that is a lemma."""
    from benor_lib.protocol.events import PROPOSE

    out: dict[int, set[int]] = {}
    for e in run.trace:
        if e.kind == PROPOSE and e.value is not None:
            out.setdefault(e.round, set()).add(int(e.value))
    return out


def first_decision_pull(run: Any) -> dict[str, Any] | None:
    """What followed the first decision of ``run``, or None if nobody decided.

    Keys: ``round`` and ``value`` of the first decision; ``all_hold`` (every process that
    completed that round ended it with x = value, and none flipped a coin); ``adopters``
    (how many only adopted in that round); ``next_round`` (every correct process decided
    by the following round; None when the run did not end decided).
    """
    from benor_lib.protocol.events import ADOPT, COIN, DECIDE

    decides = [e for e in run.trace if e.kind == DECIDE]
    if not decides:
        return None
    first = min(e.round for e in decides)
    value = next(int(e.value) for e in decides if e.round == first)
    ends = [e for e in run.trace if e.kind in (ADOPT, COIN, DECIDE) and e.round == first]
    return {
        "round": first,
        "value": value,
        "all_hold": all(e.kind != COIN and e.value == value for e in ends),
        "adopters": sum(e.kind == ADOPT for e in ends),
        "next_round": (run.rounds <= first + 1) if run.status == "decided" else None,
    }


def reports_before_coins(run: Any) -> tuple[int, int]:
    """(rounds of ``run`` with a coin flip, and how many of them had every report of the
    round already sent, by every process not crashed by then, when the first coin fell)."""
    from benor_lib.protocol.events import COIN, CRASH, REPORT, SEND

    sent: dict[int, set[int]] = {}
    crashed: set[int] = set()
    flipped: set[int] = set()
    settled = 0
    for e in run.trace:
        if e.kind == SEND and e.phase == REPORT:
            sent.setdefault(e.round, set()).add(e.pid)
        elif e.kind == CRASH:
            crashed.add(e.pid)
        elif e.kind == COIN and e.round not in flipped:
            flipped.add(e.round)
            live = set(range(run.n)) - crashed
            settled += live <= sent.get(e.round, set())
    return len(flipped), settled


def safety_sweep(
    runs: int = 2000,
    *,
    systems: Any = ((3, 1), (5, 1), (5, 2), (7, 2), (7, 3)),
    schedulers: Any = ("uniform", "split", "random_order", "fifo"),
    unanimous: bool = False,
    seed: int = 0,
    max_rounds: int = 40,
) -> list[dict[str, Any]]:
    """Simulate ``runs`` runs of the crash variant and tally, per scheduler, what the safety
    lemmas and the termination argument are about.

    Run i uses system ``systems[i % len(systems)]`` and scheduler ``schedulers[(i //
    len(systems)) % len(schedulers)]``, seed ``seed + i``, inputs that are random (or all
    equal to one random value, with ``unanimous``) and up to t crashes at random points.
    Each row: ``scheduler``, ``runs``, ``rounds`` (rounds that reached step 2), ``d_rounds``
    (rounds with a D-message), ``both`` (rounds with D(0) and D(1)), ``decided_runs`` (runs
    with a decision), ``pulled`` (of those, runs whose first decision left every process that
    finished the round holding its value, and every correct process decided a round later
    at the latest), ``coin_rounds``, ``settled`` (rounds with a coin whose reports were all
    sent before the first coin), ``first_round`` (runs decided in round 1), ``coins`` (coin
    flips in all) and ``violations`` (runs with a broken property).
    """
    from benor_lib.protocol.events import COIN, PROPOSE
    from benor_lib.simulation.faults import Crash
    from benor_lib.simulation.network import run as simulate

    systems = [tuple(s) for s in systems]
    schedulers = list(schedulers)
    rng = np.random.default_rng(seed)
    rows = {
        s: dict.fromkeys(
            (
                "runs",
                "rounds",
                "d_rounds",
                "both",
                "decided_runs",
                "pulled",
                "coin_rounds",
                "settled",
                "first_round",
                "coins",
                "violations",
            ),
            0,
        )
        for s in schedulers
    }
    for i in range(int(runs)):
        n, t = systems[i % len(systems)]
        sched = schedulers[(i // len(systems)) % len(schedulers)]
        crashes = int(rng.integers(0, t + 1))
        faults = [
            Crash(
                int(p),
                round=int(rng.integers(1, 4)),
                phase=int(rng.integers(1, 3)),
                after=int(rng.integers(0, n + 1)),
            )
            for p in rng.choice(n, size=crashes, replace=False)
        ]
        inputs: Any = [int(rng.integers(0, 2))] * n if unanimous else "random"
        r = simulate(
            n, t, inputs, scheduler=sched, faults=faults, seed=seed + i, max_rounds=max_rounds
        )
        row = rows[sched]
        row["runs"] += 1
        row["rounds"] += max((e.round for e in r.trace if e.kind == PROPOSE), default=0)
        dvals = d_values_by_round(r)
        row["d_rounds"] += len(dvals)
        row["both"] += sum(len(v) > 1 for v in dvals.values())
        pull = first_decision_pull(r)
        if pull is not None:
            row["decided_runs"] += 1
            row["pulled"] += pull["all_hold"] and pull["next_round"] is not False
        with_coin, settled = reports_before_coins(r)
        row["coin_rounds"] += with_coin
        row["settled"] += settled
        row["first_round"] += r.status == "decided" and r.rounds == 1
        row["coins"] += sum(e.kind == COIN for e in r.trace)
        row["violations"] += bool(r.violations)
    return [{"scheduler": s, **rows[s]} for s in schedulers]
