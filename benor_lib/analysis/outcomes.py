"""What runs ended with: each process's value round by round in one run, and the outcome
tally of many runs for every number of processes that start with 1."""

from __future__ import annotations

from typing import Any

import numpy as np


def round_values(run: Any, rounds: int | None = None) -> np.ndarray:
    """Each process's value at the start of every round of ``run``.

    Returns an int array of shape (n, rounds): entry ``[p, r - 1]`` is the report p sent in
    round r, which is its x at the start of that round, or -1 when p sent no report in
    round r (it had crashed or halted, or the run ended first). ``rounds`` defaults to the
    run's round count ``run.rounds``.
    """
    from benor_lib.protocol.events import REPORT, SEND

    upto = int(run.rounds if rounds is None else rounds)
    values = np.full((run.n, max(upto, 0)), -1, dtype=np.int64)
    for e in run.trace:
        if e.kind == SEND and e.phase == REPORT and 1 <= e.round <= upto:
            values[e.pid, e.round - 1] = int(e.value)
    return values


def outcomes_by_ones(
    n: int, t: int, runs: int = 200, *, seed: int = 0, **run_options: Any
) -> list[dict[str, Any]]:
    """Tally the outcomes of ``runs`` runs for every number k = 0..n of processes starting with 1.

    The inputs are n - k zeros followed by k ones; run i uses ``seed + i``; ``run_options``
    go to :func:`benor_lib.run`. Each row has ``k``, ``inputs`` (as a string), ``runs``,
    ``decided_0``, ``decided_1``, ``undecided`` (undecided or blocked), ``mean_rounds`` and
    ``longest`` (over the decided runs; nan and 0 when none decided) and ``violations``
    (runs in which the checkers found a broken property).
    """
    from benor_lib.simulation.network import run as run_once

    rows = []
    for k in range(n + 1):
        inputs = [0] * (n - k) + [1] * k
        results = [run_once(n, t, inputs, seed=seed + i, **run_options) for i in range(runs)]
        decided = [r for r in results if r.status == "decided"]
        lengths = [r.rounds for r in decided]
        rows.append(
            {
                "k": k,
                "inputs": "".join(map(str, inputs)),
                "runs": runs,
                "decided_0": sum(1 for r in decided if r.decided_value == 0),
                "decided_1": sum(1 for r in decided if r.decided_value == 1),
                "undecided": runs - len(decided),
                "mean_rounds": float(np.mean(lengths)) if lengths else float("nan"),
                "longest": max(lengths, default=0),
                "violations": sum(1 for r in results if r.violations),
            }
        )
    return rows
