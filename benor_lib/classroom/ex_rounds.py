"""Exercises of chapter 7, how many rounds (``book/rounds.ipynb``).

rounds-1 (compute): the probability that n = 5, t = 1 decides in round 1 when the inputs
are 0, 0, 1, 1, 1 (uniform scheduler).
rounds-2 (predict): the mean round count of n = 9, t = 2 under the split adversary (a
setting the chapter does not show; its formula for q(n, t) gives it).
rounds-3 (compute): in the canonical experiment, the share of runs in which some process
decides one round before the last ones.
rounds-4 (predict): under the split adversary with n = 2t + 1 and all t faulty processes
crashed from the start, what happens to the mean round count when n grows from 9 to 11.
(Without crashes the chapter shows it quadruples; with them it doubles.)

Every answer is computed by the library when a checker first runs.
"""

from __future__ import annotations

import numpy as np

from benor_lib.apps.explorer.model import decision_split
from benor_lib.classroom.core import choice, numeric, register
from benor_lib.distributions.exact import exact_rounds
from benor_lib.distributions.sample import sample_rounds

CHAPTER = "rounds"

#: Section titles of the chapter, named in the hints.
EARLY_SECTION = "Why most runs end in round 1 or 2"
WORST_SECTION = "The exponential worst case"
GROWTH_SECTION = "How the round count grows with n"

#: rounds-1: the system and its inputs.
FIRST_N, FIRST_T, FIRST_INPUTS = 5, 1, (0, 0, 1, 1, 1)

#: rounds-2: the system whose mean round count under the split adversary is asked for.
SPLIT_N, SPLIT_T = 9, 2

#: rounds-3: the canonical experiment.
CANON_N, CANON_T = 5, 1

#: rounds-4: the two systems compared (n = 2t + 1, split adversary, t processes crashed
#: from the start), the sample that measures them (no exact chain covers crashes) and the
#: options.
GROW_FROM, GROW_TO = 9, 11
GROW_RUNS, GROW_SEED = 20_000, 2026
GROW_OPTIONS = ("stays about the same", "doubles", "quadruples", "grows tenfold")
_GROW_FACTORS = (1.0, 2.0, 4.0, 10.0)


def _mean(p: np.ndarray) -> float:
    return float(np.arange(1, p.size + 1) @ p / p.sum())


def first_round_probability() -> float:
    """rounds-1: P(round count = 1) for n = 5, t = 1, inputs 0, 0, 1, 1, 1 (exact)."""
    return float(exact_rounds(FIRST_N, FIRST_T, inputs=list(FIRST_INPUTS))[0])


def split_mean() -> float:
    """rounds-2: the exact mean round count of n = 9, t = 2 under the split adversary."""
    return _mean(exact_rounds(SPLIT_N, SPLIT_T, scheduler="split"))


def lagged_share() -> float:
    """rounds-3: P(some process decides one round before the last), canonical experiment."""
    _, lagged = decision_split(CANON_N, CANON_T, rounds=200)
    return float(lagged.sum())


def growth_means() -> tuple[float, float]:
    """rounds-4: the sampled mean round counts of n = 9 and n = 11 (t = (n - 1) / 2, split
    adversary, t processes crashed from the start), GROW_RUNS runs each."""
    means = []
    for n in (GROW_FROM, GROW_TO):
        t = (n - 1) // 2
        sample = sample_rounds(n, t, GROW_RUNS, scheduler="split", faults=t, seed=GROW_SEED)
        means.append(float(sample.mean))
    return means[0], means[1]


def growth_ratio() -> float:
    """rounds-4: mean(n = 11) / mean(n = 9) of :func:`growth_means`."""
    before, after = growth_means()
    return after / before


def growth_answer() -> str:
    """rounds-4: the option whose factor is nearest (on a log scale) to the exact ratio."""
    ratio = growth_ratio()
    gaps = [abs(np.log(ratio / f)) for f in _GROW_FACTORS]
    return GROW_OPTIONS[int(np.argmin(gaps))]


register(
    "rounds-1",
    numeric(
        first_round_probability,
        tol=0.005,
        close=0.03,
        low=0.0,
        high=1.0,
        section=EARLY_SECTION,
        hint=(
            "exact_rounds(5, 1, inputs=[0, 0, 1, 1, 1]) gives the whole distribution; "
            "its first entry is P(1 round). A simulation needs about 100,000 runs to get "
            "within the tolerance"
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=EARLY_SECTION,
)

register(
    "rounds-2",
    numeric(
        split_mean,
        tol=2.0,
        close=10.0,
        low=1.0,
        section=WORST_SECTION,
        hint=(
            "with t = 2 the split adversary can hide only two reports from each process; "
            "how many of the nine values must agree before every process sees a majority "
            "anyway? A round ends the run with that probability q, and a geometric number "
            "of rounds has mean 1/q"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=WORST_SECTION,
)

register(
    "rounds-3",
    numeric(
        lagged_share,
        tol=0.01,
        close=0.05,
        low=0.0,
        high=1.0,
        section=EARLY_SECTION,
        hint=(
            "decision_split(5, 1) splits P(round count = r) into 'all decide in r' and "
            "'some decided in r - 1'; add up the second part over all r"
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=EARLY_SECTION,
)

register(
    "rounds-4",
    choice(
        GROW_OPTIONS,
        growth_answer,
        section=WORST_SECTION,
        hint=(
            "with t processes crashed, the n - t survivors must hear each other's reports, "
            "so the adversary has no choice left. Whose coins must agree for a round to "
            "end the run, and how many more of them are there with two more processes?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=WORST_SECTION,
)
