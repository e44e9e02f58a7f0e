"""Exercises of chapter 2, the consensus problem (``book/consensus.ipynb``).

consensus-1 (predict): how many of 200 runs from inputs 00001 decide 1 when t = 1.
consensus-2 (prove, then compute): two quorums of n - t share at least n - 2t, and no more can be
promised; with liars they share a correct process iff n > 3t. The checker takes n = 9, t = 3.
consensus-3 (adversary): inputs from which the split adversary prevents a round-1 decision.
"""

from __future__ import annotations

from itertools import product

from benor_lib.classroom.core import bits, exact_int, register
from benor_lib.protocol.rules import standard_rules
from benor_lib.simulation.network import run

CHAPTER = "consensus"

#: Section titles of the chapter, named in the hints.
RUNS_SECTION = "Many runs at a glance"
MAJORITY_SECTION = "Why fewer than half may crash"
ASYNC_SECTION = "The asynchronous model with crash faults"

#: consensus-1: the system, the inputs and the runs of the prediction.
PREDICT_N, PREDICT_T, PREDICT_INPUTS, PREDICT_RUNS = 5, 1, (0, 0, 0, 0, 1), 200

#: consensus-2: the system whose quorums are compared.
OVERLAP_N, OVERLAP_T = 9, 3

#: consensus-3: the system, and the seeds the answer must work for.
ADVERSARY_N, ADVERSARY_T, ADVERSARY_SEEDS = 5, 1, range(5)


def ones_won(
    n: int = PREDICT_N,
    t: int = PREDICT_T,
    inputs: tuple[int, ...] = PREDICT_INPUTS,
    runs: int = PREDICT_RUNS,
) -> int:
    """How many of ``runs`` runs (seeds 0, 1, ...) of the canonical scheduler decide 1."""
    return sum(run(n, t, list(inputs), seed=s).decided_value == 1 for s in range(runs))


def quorum_overlap(n: int = OVERLAP_N, t: int = OVERLAP_T) -> int:
    """The fewest processes two sets of n - t processes (out of n) always have in common."""
    rules = standard_rules(n, t)
    return max(0, 2 * rules.quorum - rules.n)


def round_one_verdict(inputs: tuple[int, ...]) -> bool | str:
    """True when, from ``inputs``, the split adversary keeps every process from deciding in
    round 1 (for each of the seeds); otherwise a sentence saying who decided."""
    for seed in ADVERSARY_SEEDS:
        result = run(ADVERSARY_N, ADVERSARY_T, list(inputs), scheduler="split", seed=seed)
        early = sorted(p for p, r in result.decision_rounds.items() if r == 1)
        if early:
            who = ", ".join(f"p{p}" for p in early)
            value = result.decisions[early[0]]
            return (
                f"From inputs {list(inputs)} the split adversary cannot stop them: {who} "
                f"decided {value} in round 1."
            )
    return True


def first_round_one_answer() -> tuple[int, ...]:
    """A correct answer to consensus-3, found by trying every input vector in order."""
    return next(v for v in product((0, 1), repeat=ADVERSARY_N) if round_one_verdict(v) is True)


register(
    "consensus-1",
    exact_int(
        ones_won,
        section=RUNS_SECTION,
        hint=(
            f"With t = {PREDICT_T} every process acts on n - t = {PREDICT_N - PREDICT_T} of the "
            f"{PREDICT_N} reports. How many of any {PREDICT_N - PREDICT_T} reports of "
            f"{''.join(map(str, PREDICT_INPUTS))} are 0s, and is that more than n/2?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=RUNS_SECTION,
)

register(
    "consensus-2",
    exact_int(
        quorum_overlap,
        section=MAJORITY_SECTION,
        hint=(
            "Put two sets of n - t processes side by side: together they name 2(n - t) "
            "processes, but only n exist."
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=MAJORITY_SECTION,
)

register(
    "consensus-3",
    bits(
        ADVERSARY_N,
        round_one_verdict,
        section=ASYNC_SECTION,
        hint=(
            f"The split adversary shows each process the most balanced {ADVERSARY_N - ADVERSARY_T}"
            f" of the {ADVERSARY_N} reports. A D-message needs more than n/2 = "
            f"{ADVERSARY_N / 2:g} equal reports among them."
        ),
        example=first_round_one_answer,
    ),
    chapter=CHAPTER,
    kind="adversary",
    section=ASYNC_SECTION,
)
