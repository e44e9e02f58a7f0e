"""Exercises of chapter 6, why it is safe and why it ends (``book/correctness.ipynb``).

correctness-1 (predict): in a run where some processes decide in round R and others only
adopt, in which round does an adopter decide?
correctness-2 (predict, with a reason): how the first round after which the split adversary
keeps at most 1% of runs undecided (n = 5, t = 1, exact) compares with the round the
termination bound promises.
correctness-3 (adversary): after a fixed phase 1 of round 1 with t + 1 D-messages, choose
which proposals each process hears so that exactly one process decides in round 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import combinations
from typing import NamedTuple

import numpy as np

from benor_lib.classroom.core import Feedback, choice, exact_int, register
from benor_lib.classroom.ex_algorithm import parse_hearing, round_one_proposals, scripted_round_one
from benor_lib.distributions.exact import exact_rounds
from benor_lib.protocol.events import ADOPT, COIN, DECIDE
from benor_lib.protocol.rules import standard_rules
from benor_lib.simulation.narrate import narrate_event
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run

CHAPTER = "correctness"

#: Section titles of the chapter, named in the hints.
AGREEMENT_SECTION = "Agreement"
TERMINATION_SECTION = "Termination with probability 1"

#: correctness-1: the system and the seeds searched for a run with staggered decisions.
STAGGER_N, STAGGER_T, STAGGER_SEEDS = 5, 1, range(1000)

#: correctness-2: the system, the adversary and the share of undecided runs asked about.
TAIL_N, TAIL_T, TAIL_SCHEDULER, TAIL_SHARE = 5, 1, "split", 0.01

#: correctness-2: the options, comparing the exact round with the bound's round.
TAIL_OPTIONS = ("under a quarter of it", "between a quarter of it and all of it", "more than it")

#: correctness-3: the system, its inputs, the reports each process hears in round 1 (which
#: make exactly t + 1 processes send D(1)), and the process that alone must decide.
ONE_N, ONE_T, ONE_INPUTS = 5, 1, (0, 0, 1, 1, 1)
ONE_REPORTS = ((0, 2, 3, 4), (1, 2, 3, 4), (2, 0, 1, 3), (3, 0, 1, 4), (4, 0, 1, 2))
ONE_TARGET = 4


# --- correctness-1 --------------------------------------------------------------------


class Staggered(NamedTuple):
    """A run in which, in the round of the first decision, some processes only adopt."""

    run: Run
    seed: int
    round: int  # the round of the first decision
    value: int  # the value decided
    decider: int  # a process that decides in that round
    adopter: int  # a process that only adopts in that round


@cache
def staggered_run(n: int = STAGGER_N, t: int = STAGGER_T) -> Staggered:
    """The first seed (uniform scheduler, random inputs) whose first decision comes in round 2
    or later while some other process only adopts in that round."""
    for seed in STAGGER_SEEDS:
        result = run(n, t, "random", seed=seed)
        decides = result.events(DECIDE)
        if not decides:
            continue
        first = min(e.round for e in decides)
        adopts = [e for e in result.events(ADOPT) if e.round == first]
        if first >= 2 and adopts:
            decider = min(e.pid for e in decides if e.round == first)
            return Staggered(result, seed, first, decides[0].value, decider, adopts[0].pid)
    raise RuntimeError(f"no seed in {STAGGER_SEEDS} gives a run with staggered decisions")


def adopter_decision_round() -> int:
    """The round in which correctness-1's adopter decides."""
    s = staggered_run()
    return s.run.decision_rounds[s.adopter]


register(
    "correctness-1",
    exact_int(
        adopter_decision_round,
        section=AGREEMENT_SECTION,
        hint=(
            "The adopter cannot have missed all the D-messages that made the decider decide; "
            "what does every process hold at the start of the next round, and what happens "
            "in a round that starts unanimous?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=AGREEMENT_SECTION,
)


# --- correctness-2 --------------------------------------------------------------------


def undecided_after(r: int, n: int = TAIL_N, t: int = TAIL_T) -> float:
    """P(a run of the split adversary is still undecided after r rounds), exactly."""
    p = exact_rounds(n, t, scheduler=TAIL_SCHEDULER)
    return float(max(0.0, 1.0 - p[:r].sum()))


def rounds_for_share(share: float = TAIL_SHARE, n: int = TAIL_N, t: int = TAIL_T) -> int:
    """The smallest r with P(still undecided after r rounds) <= share."""
    p = exact_rounds(n, t, scheduler=TAIL_SCHEDULER)
    tail = 1.0 - np.cumsum(p)
    return int(np.flatnonzero(tail <= share)[0]) + 1


def bound_rounds_for_share(share: float = TAIL_SHARE, n: int = TAIL_N) -> int:
    """The smallest r with (1 - 2**-n) ** (r - 1) <= share: what the bound alone promises."""
    r = 1
    while (1.0 - 2.0**-n) ** (r - 1) > share:
        r += 1
    return r


def tail_answer() -> str:
    """correctness-2: where the exact round lies relative to the bound's round."""
    exact, bound = rounds_for_share(), bound_rounds_for_share()
    if exact > bound:
        return TAIL_OPTIONS[2]
    return TAIL_OPTIONS[0] if 4 * exact < bound else TAIL_OPTIONS[1]


register(
    "correctness-2",
    choice(
        TAIL_OPTIONS,
        tail_answer,
        section=TERMINATION_SECTION,
        hint=(
            "The bound is a guarantee against every adversary, so it can only be pessimistic. "
            f"It counts a round as a success only when all {TAIL_N} coins agree. Against the "
            f"split adversary, with t = {TAIL_T}, how many equal values among the {TAIL_N} "
            "are already enough for everybody to see a majority?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=TERMINATION_SECTION,
)


# --- correctness-3 --------------------------------------------------------------------


def one_decider_senders() -> list[int]:
    """The processes that send D(1) in round 1 after the fixed reports of correctness-3."""
    result = scripted_round_one(ONE_N, ONE_T, ONE_INPUTS, dict(enumerate(ONE_REPORTS)))
    return sorted(p for p, v in round_one_proposals(result).items() if v is not None)


def one_decider_hearing() -> list[list[int]]:
    """Proposals each process hears so that only ONE_TARGET decides (own proposal first)."""
    rules = standard_rules(ONE_N, ONE_T)
    loud = set(one_decider_senders())
    answer = []
    for p in range(ONE_N):
        options = sorted(combinations(range(ONE_N), rules.quorum), key=lambda c: (p not in c, c))
        want = p == ONE_TARGET
        pick = next(c for c in options if rules.decides(len(loud & set(c))) == want)
        answer.append(list(pick))
    return answer


def step_three(answer: Sequence[Sequence[int]] | dict) -> Run | str:
    """Round 1 with correctness-3's reports and the given proposals (or a form complaint)."""
    rules = standard_rules(ONE_N, ONE_T)
    heard = parse_hearing(answer, ONE_N, rules.quorum)
    if isinstance(heard, str):
        return heard
    return scripted_round_one(ONE_N, ONE_T, ONE_INPUTS, dict(enumerate(ONE_REPORTS)), heard)


def check_one_decider(answer: object) -> Feedback:
    """correctness-3: proposals heard in round 1 so that exactly ONE_TARGET decides."""
    result = step_three(answer)  # type: ignore[arg-type]
    if isinstance(result, str):
        return Feedback("malformed", result)
    rules = result.rules
    ends = [e for e in result.trace if e.kind in (ADOPT, COIN, DECIDE) and e.round == 1]
    deciders = sorted(e.pid for e in ends if e.kind == DECIDE)
    if deciders == [ONE_TARGET]:
        return Feedback(
            "correct",
            f"Only p{ONE_TARGET} decides; every other process adopts 1 and will decide in round 2.",
        )
    target = next(e for e in ends if e.pid == ONE_TARGET)
    others = [e for e in ends if e.kind == DECIDE and e.pid != ONE_TARGET]
    told = ([] if target.kind == DECIDE else [target]) + others
    loud = ", ".join(f"p{p}" for p in one_decider_senders())
    return Feedback(
        "wrong",
        " ".join(narrate_event(e, rules) for e in told),
        f"Only {loud} sent D(1). A process decides when it hears more than t = {ONE_T} of "
        f"them, so p{ONE_TARGET} must hear all of them and every other process must miss one. "
        f"(Reread: {AGREEMENT_SECTION}.)",
    )


register(
    "correctness-3",
    check_one_decider,
    chapter=CHAPTER,
    kind="adversary",
    section=AGREEMENT_SECTION,
    example=one_decider_hearing,
)
