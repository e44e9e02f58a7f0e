"""Exercises of chapter 3, FLP (``book/flp.ipynb``).

flp-1 (predict): does the split adversary keep the rule ``coin="zero"`` undecided?
flp-2 (compute, then prove): along the staircase 00000, 00001, ..., 11111 under ``coin="zero"``,
the first input vector from which random schedules reach both decisions; the proof part (the
step before it is 0-valent) is graded by hand.
flp-3 (adversary): a delivery strategy that keeps ``coin="zero"`` undecided for n = 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

import numpy as np

from benor_lib.classroom.core import Feedback, choice, exact_int, register
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import Scripted

CHAPTER = "flp"

#: Section titles of the chapter, named in the hints.
SPLIT_SECTION = "The split adversary against deterministic rules"
BIVALENT_SECTION = "Bivalent configurations in real runs"
PROOF_SECTION = "Keeping it bivalent"

#: flp-1: the run whose outcome the reader predicts.
PREDICT = {
    "n": 5,
    "t": 1,
    "inputs": (0, 0, 1, 1, 1),
    "coin": "zero",
    "max_rounds": 30,
    "seed": 0,
}

#: flp-2: the system, the rule and the random schedules tried from each input vector.
STAIRCASE_N, STAIRCASE_T, STAIRCASE_COIN, STAIRCASE_RUNS = 5, 1, "zero", 200

#: flp-3: the system, its inputs, the rule and the rounds the strategy must last.
STRATEGY_N, STRATEGY_T, STRATEGY_INPUTS = 3, 1, (0, 1, 1)
STRATEGY_COIN, STRATEGY_ROUNDS = "zero", 12


def predicted_run() -> Run:
    """The run of flp-1: the split adversary against ``coin="zero"``."""
    p = PREDICT
    return run(
        p["n"],
        p["t"],
        list(p["inputs"]),
        scheduler="split",
        coin=p["coin"],
        max_rounds=p["max_rounds"],
        seed=p["seed"],
    )


def staircase_inputs(n: int, k: int) -> list[int]:
    """The k-th step of the staircase: n - k zeros followed by k ones."""
    return [0] * (n - k) + [1] * k


def decisions_seen(
    n: int, t: int, inputs: Sequence[int], coin: object, runs: int, *, seed: int = 0
) -> set[int]:
    """The values decided in ``runs`` runs from ``inputs`` under the canonical (uniform)
    scheduler, seeds ``seed``, ``seed + 1``, ...; with a deterministic coin rule only the
    schedule differs between them."""
    seen = set()
    for s in range(seed, seed + runs):
        result = run(n, t, list(inputs), coin=coin, seed=s, max_rounds=200)
        if result.status == "decided":
            seen.add(result.decided_value)
    return seen


def first_bivalent_step(
    n: int = STAIRCASE_N,
    t: int = STAIRCASE_T,
    coin: object = STAIRCASE_COIN,
    runs: int = STAIRCASE_RUNS,
) -> int:
    """The smallest k whose staircase inputs reach both decisions in ``runs`` schedules."""
    for k in range(n + 1):
        if decisions_seen(n, t, staircase_inputs(n, k), coin, runs) == {0, 1}:
            return k
    raise RuntimeError(f"no staircase step reaches both decisions in {runs} schedules")


def strategy_script(
    reports: Sequence[int], proposals: Sequence[int], rounds: int
) -> list[tuple[int, int, int, int]]:
    """The deliveries of a stationary strategy for n processes that each wait for 2 messages.

    In every round each process p first gets its own report and the report of
    ``reports[p]``, then its own proposal and the proposal of ``proposals[p]``. The messages
    it did not get are delivered at the start of the next round, when they are stale, so
    that every message is delivered eventually, as the asynchronous model demands.
    """
    n = len(reports)
    script: list[tuple[int, int, int, int]] = []
    for r in range(1, rounds + 2):
        if r > 1:  # the previous round's delayed messages arrive late, and are ignored
            for phase, heard in ((1, reports), (2, proposals)):
                for p in range(n):
                    script += [(c, p, r - 1, phase) for c in range(n) if c not in (p, heard[p])]
        if r > rounds:
            break
        for phase, heard in ((1, reports), (2, proposals)):
            for p in range(n):
                script += [(p, p, r, phase), (int(heard[p]), p, r, phase)]
    return script


def strategy_run(
    reports: Sequence[int],
    proposals: Sequence[int],
    *,
    inputs: Sequence[int] = STRATEGY_INPUTS,
    coin: object = STRATEGY_COIN,
    rounds: int = STRATEGY_ROUNDS,
) -> Run:
    """Run n = 3, t = 1 (inputs 011, ``coin="zero"``) under the strategy for ``rounds`` rounds.

    ``reports[p]`` and ``proposals[p]`` name the other process whose report and proposal p
    hears in every round (see :func:`strategy_script`).
    """
    return run(
        len(inputs),
        STRATEGY_T,
        list(inputs),
        scheduler=Scripted(strategy_script(reports, proposals, rounds)),
        coin=coin,
        max_rounds=rounds + 1,
    )


def _strategy_problem(answer: object) -> str | None:
    """Why ``answer`` is not a strategy of the expected form, or None if it is one."""
    n = STRATEGY_N
    form = (
        'The answer should be a dict like {"reports": [1, 2, 0], "proposals": [2, 0, 1]}: '
        f"for each of p0..p{n - 1}, the other process whose message it hears"
    )
    if not isinstance(answer, Mapping):
        return f"{form}; got a {type(answer).__name__}."
    if set(answer) != {"reports", "proposals"}:
        keys = ", ".join(repr(k) for k in answer) or "none"
        return f"{form}; the keys should be 'reports' and 'proposals', got {keys}."
    for key in ("reports", "proposals"):
        value = answer[key]
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            return f"{form}; {key!r} should be a list of {n} process numbers."
        if len(value) != n:
            return f"{key!r} should have {n} entries (one per process), it has {len(value)}."
        for p, q in enumerate(value):
            if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 0 <= q < n:
                return f"{key}[{p}] should be a process number 0..{n - 1}, got {q!r}."
            if q == p:
                return (
                    f"{key}[{p}] is p{p} itself: every process hears its own message anyway; "
                    "name the other process it hears."
                )
    return None


def check_strategy(answer: object) -> Feedback:
    """The checker of flp-3: run the strategy and see whether anybody decides."""
    problem = _strategy_problem(answer)
    if problem is not None:
        return Feedback("malformed", problem)
    assert isinstance(answer, Mapping)
    reports = [int(q) for q in answer["reports"]]
    proposals = [int(q) for q in answer["proposals"]]
    result = strategy_run(reports, proposals)
    hint = (
        "Nobody may see two D-messages for the same value, and the value 1 must survive: "
        "somebody must keep hearing a D(1), but not everybody. (Reread: "
        f"{PROOF_SECTION}.)"
    )
    if result.decisions:
        p = min(result.decisions, key=lambda q: (result.decision_rounds[q], q))
        return Feedback(
            "wrong",
            f"p{p} decided {result.decisions[p]} in round {result.decision_rounds[p]}.",
            hint,
        )
    return Feedback(
        "correct",
        f"Nobody decided in {STRATEGY_ROUNDS} rounds, and every message was delivered "
        "(some late). Against a deterministic rule, delaying messages is enough.",
    )


def first_strategy() -> dict[str, list[int]]:
    """A correct answer to flp-3, found by trying every stationary strategy in order."""
    n = STRATEGY_N
    others = [[q for q in range(n) if q != p] for p in range(n)]
    for reports in product(*others):
        for proposals in product(*others):
            answer = {"reports": list(reports), "proposals": list(proposals)}
            if check_strategy(answer).ok:
                return answer
    raise RuntimeError("no stationary strategy keeps the run undecided")


register(
    "flp-1",
    choice(
        ("decided", "undecided"),
        lambda: predicted_run().status,
        section=SPLIT_SECTION,
        hint=(
            "In round 1 the split adversary makes every process send '?', so every process "
            "falls back on the rule. What does the rule 'zero' turn the inputs into?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=SPLIT_SECTION,
)

register(
    "flp-2",
    exact_int(
        first_bivalent_step,
        section=BIVALENT_SECTION,
        hint=(
            f"Run decisions_seen({STAIRCASE_N}, {STAIRCASE_T}, inputs, {STAIRCASE_COIN!r}, "
            f"{STAIRCASE_RUNS}) for the staircase inputs with k = 0, 1, 2, ... ones in turn, "
            "and stop at the first that reaches both 0 and 1."
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=BIVALENT_SECTION,
)

register(
    "flp-3",
    check_strategy,
    chapter=CHAPTER,
    kind="adversary",
    section=PROOF_SECTION,
    example=first_strategy,
)
