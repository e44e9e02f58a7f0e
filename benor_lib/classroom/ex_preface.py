"""Warm-up exercises of the preface (``book/preface.ipynb``): predictions a reader makes
before the chapters answer them.

preface-1 (predict): can n=5, t=2 decide 1 from inputs 0,0,0,0,1?
preface-2 (predict, with a reason): with n = 9, how the canonical experiment's mean round
count changes when t goes from 1 to the largest t the crash variant tolerates.
preface-3 (predict): the most common round count of the canonical experiment.
"""

from __future__ import annotations

import numpy as np

from benor_lib.classroom.core import choice, register
from benor_lib.distributions.exact import exact_rounds
from benor_lib.protocol.rules import bound_holds
from benor_lib.simulation.network import run

CHAPTER = "preface"
SECTION = "What you will be able to do"

#: preface-1: the system and inputs, and how many seeds the library tries.
MINORITY_N, MINORITY_T, MINORITY_INPUTS, MINORITY_SEEDS = 5, 2, (0, 0, 0, 0, 1), 400
#: preface-2: the number of processes, the small t, the options and when "about the same"
#: applies (the two means within this factor of each other).
BOUND_N, SMALL_T = 9, 1
GROWTH_OPTIONS = ("fewer rounds", "about the same", "more rounds")
SAME_FACTOR = 1.25
#: preface-3: the round counts offered.
ROUND_OPTIONS = ("1", "2", "3 or more")


def minority_can_win() -> str:
    """'yes' when some run of the canonical scheduler decides 1 from 0,0,0,0,1 (n=5, t=2)."""
    for seed in range(MINORITY_SEEDS):
        r = run(MINORITY_N, MINORITY_T, list(MINORITY_INPUTS), seed=seed)
        if r.decided_value == 1:
            return "yes"
    return "no"


def largest_t(n: int = BOUND_N) -> int:
    """The largest t with n > 2t."""
    return max(t for t in range(n) if bound_holds(n, t, "crash"))


def mean_rounds(n: int, t: int) -> float:
    """The exact mean round count of the canonical scheduler, random inputs, no crashes."""
    p = exact_rounds(n, t)
    return float(np.arange(1, p.size + 1) @ p / p.sum())


def growth_means(n: int = BOUND_N) -> tuple[float, float]:
    """preface-2: the mean round counts for t = SMALL_T and for the largest t."""
    return mean_rounds(n, SMALL_T), mean_rounds(n, largest_t(n))


def growth_answer() -> str:
    """preface-2: how the mean changes from t = SMALL_T to the largest t, as an option."""
    small, large = growth_means()
    if max(small, large) <= SAME_FACTOR * min(small, large):
        return GROWTH_OPTIONS[1]
    return GROWTH_OPTIONS[2] if large > small else GROWTH_OPTIONS[0]


def most_common_round() -> str:
    """The most likely round count of the canonical experiment, as one of ROUND_OPTIONS."""
    p = exact_rounds(5, 1)
    masses = [p[0], p[1], float(p[2:].sum())]
    return ROUND_OPTIONS[int(np.argmax(masses))]


register(
    "preface-1",
    choice(
        ("yes", "no"),
        minority_can_win,
        section="The consensus problem, 'Validity is not the majority wins'",
        hint="Validity only forbids values nobody proposed. Did anyone propose 1?",
    ),
    chapter=CHAPTER,
    kind="predict",
    section=SECTION,
)
register(
    "preface-2",
    choice(
        GROWTH_OPTIONS,
        growth_answer,
        section="The algorithm in four steps, 'Step 2' and 'Step 3'",
        hint=(
            "The largest t has n > 2t. With it, how many of the nine reports does a process "
            "wait for, and how many of those must agree for a D-message (more than n/2)? How "
            "likely is that from random inputs?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=SECTION,
)
register(
    "preface-3",
    choice(
        ROUND_OPTIONS,
        most_common_round,
        section="How many rounds?, 'The canonical experiment'",
        hint="With n=5 and t=1 a process hears four of five reports; how often is that a clear "
        "majority in the first round?",
    ),
    chapter=CHAPTER,
    kind="predict",
    section=SECTION,
)
