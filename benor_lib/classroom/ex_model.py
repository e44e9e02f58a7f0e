"""Exercises of chapter 4, the model change (``book/model.ipynb``).

model-1 (predict): under the split adversary with n = 9, t = 2 (not the n = 2t + 1 the
chapter shows), is the chance of still being undecided after 10 rounds above or below one
half?
model-2 (prove, then compute): prove that n = 3, t = 1 (inputs 011) is still undecided after r
rounds of the split adversary with probability (3/4)^(r-1); the checker takes r = 4.
model-3 (adversary): five coin outcomes per round that keep the split adversary winning.
"""

from __future__ import annotations

from itertools import product

from benor_lib.classroom.core import bits, choice, numeric, register
from benor_lib.distributions.exact import exact_rounds
from benor_lib.simulation.network import run

CHAPTER = "model"

#: Section titles of the chapter, named in the hints.
GEOMETRIC_SECTION = "Undecided after r rounds: positive, yet shrinking"
KNOWLEDGE_SECTION = "What the adversary may know"

#: model-1: the system and the number of rounds of the prediction.
PREDICT_N, PREDICT_T, PREDICT_ROUNDS = 9, 2, 10

#: model-2: the system, its inputs and the number of rounds.
COMPUTE_N, COMPUTE_T, COMPUTE_INPUTS, COMPUTE_ROUNDS = 3, 1, (0, 1, 1), 4

#: model-3: the system, its inputs, how many rounds the coins must hold out, and the seeds.
COINS_N, COINS_T, COINS_INPUTS, COINS_ROUNDS, COINS_SEEDS = 5, 1, (0, 0, 1, 1, 1), 20, range(3)


def undecided_after(
    n: int, t: int, rounds: int, *, inputs: object = "random", scheduler: str = "split"
) -> float:
    """The exact probability that a run is still undecided after ``rounds`` rounds."""
    p = exact_rounds(n, t, inputs=inputs, scheduler=scheduler, max_rounds=rounds)
    return float(max(0.0, 1.0 - p.sum()))


def predicted_side() -> str:
    """The answer to model-1: "above" or "below" one half."""
    value = undecided_after(PREDICT_N, PREDICT_T, PREDICT_ROUNDS)
    return "above" if value > 0.5 else "below"


def coins_verdict(coins: tuple[int, ...]) -> bool | str:
    """True when handing out ``coins`` in every round keeps the run undecided for
    ``COINS_ROUNDS`` rounds under the split adversary (each seed), else why not."""
    for seed in COINS_SEEDS:
        try:
            result = run(
                COINS_N,
                COINS_T,
                list(COINS_INPUTS),
                scheduler="split",
                coin=list(coins) * COINS_ROUNDS,
                max_rounds=COINS_ROUNDS,
                seed=seed,
            )
        except ValueError as exc:  # the scripted coin ran out
            return f"The coin script did not last: {exc}."
        if result.decisions:
            p = min(result.decisions, key=lambda q: (result.decision_rounds[q], q))
            return (
                f"With coins {list(coins)} in every round, p{p} decided "
                f"{result.decisions[p]} in round {result.decision_rounds[p]}."
            )
    return True


def first_coins() -> tuple[int, ...]:
    """A correct answer to model-3, found by trying every coin vector in order."""
    return next(c for c in product((0, 1), repeat=COINS_N) if coins_verdict(c) is True)


register(
    "model-1",
    choice(
        ("above", "below"),
        predicted_side,
        section=GEOMETRIC_SECTION,
        hint=(
            f"With t = {PREDICT_T} a process waits for n - t = {PREDICT_N - PREDICT_T} of "
            f"the {PREDICT_N} reports, and the split adversary chooses which {PREDICT_T} it "
            "misses. How many equal values can it no longer hide? How likely is that in "
            f"one round, and in none of {PREDICT_ROUNDS} rounds?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=GEOMETRIC_SECTION,
)

register(
    "model-2",
    numeric(
        lambda: undecided_after(COMPUTE_N, COMPUTE_T, COMPUTE_ROUNDS, inputs=list(COMPUTE_INPUTS)),
        tol=0.005,
        close=0.05,
        low=0.0,
        high=1.0,
        section=GEOMETRIC_SECTION,
        hint=(
            "Each round ends undecided unless all coins agree. Multiply the chance of "
            "that failing, round after round, or ask exact_rounds(..., scheduler='split')."
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=GEOMETRIC_SECTION,
)

register(
    "model-3",
    bits(
        COINS_N,
        coins_verdict,
        section=KNOWLEDGE_SECTION,
        hint=(
            "The split adversary wins a round when nobody can see more than n/2 equal "
            "reports. Which numbers of ones among the five new values allow that?"
        ),
        example=first_coins,
    ),
    chapter=CHAPTER,
    kind="adversary",
    section=KNOWLEDGE_SECTION,
)
