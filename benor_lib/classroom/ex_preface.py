"""Warm-up exercises of the preface (``book/preface.ipynb``): predictions a reader makes
before the chapters answer them.

preface-1 (predict): can n=5, t=2 decide 1 from inputs 0,0,0,0,1?
preface-2 (compute): the largest t the crash variant tolerates with n = 9.
preface-3 (predict): the most common round count of the canonical experiment.
"""

from __future__ import annotations

import numpy as np

from benor_lib.classroom.core import choice, exact_int, register
from benor_lib.distributions.exact import exact_rounds
from benor_lib.protocol.rules import bound_holds
from benor_lib.simulation.network import run

CHAPTER = "preface"
SECTION = "What you will be able to do"

#: preface-1: the system and inputs, and how many seeds the library tries.
MINORITY_N, MINORITY_T, MINORITY_INPUTS, MINORITY_SEEDS = 5, 2, (0, 0, 0, 0, 1), 400
#: preface-2: the number of processes.
BOUND_N = 9
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
    exact_int(
        largest_t,
        section="The consensus problem, 'Why fewer than half may crash'",
        hint="The crash variant needs n > 2t: more than half of the processes must be correct.",
    ),
    chapter=CHAPTER,
    kind="compute",
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
