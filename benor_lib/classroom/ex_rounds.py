"""Exercises of chapter 7, how many rounds (``book/rounds.ipynb``).

rounds-1 (predict, with a reason): is the probability that n = 5, t = 1 decides in round 1
from the inputs 0, 0, 1, 1, 1 (uniform scheduler) more or less than from random inputs?
rounds-2 (adversary): deliveries for two rounds (n = 5, t = 1, inputs 00111, given coins)
after which nobody has decided; the checker replays them with a Scripted scheduler.
(It replaced a prediction of the mean round count of n = 9, t = 2 under the split
adversary, which repeated exercise model-1.)
rounds-3 (compute): in the canonical experiment, the share of runs in which some process
decides one round before the last ones.
rounds-4 (predict): under the split adversary with n = 2t + 1 and all t faulty processes
crashed from the start, what happens to the mean round count when n grows from 9 to 11.
(Without crashes the chapter shows it quadruples; with them it doubles.)

Every answer is computed by the library when a checker first runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import combinations

import numpy as np

from benor_lib.analysis.rounds import decision_split
from benor_lib.classroom.core import Feedback, choice, numeric, register
from benor_lib.classroom.ex_algorithm import parse_hearing
from benor_lib.distributions.exact import exact_rounds
from benor_lib.distributions.sample import sample_rounds
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSAL, REPORT
from benor_lib.simulation.narrate import narrate_event
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import Scripted

CHAPTER = "rounds"

#: Section titles of the chapter, named in the hints.
EARLY_SECTION = "Why most runs end in round 1 or 2"
WORST_SECTION = "The exponential worst case"
GROWTH_SECTION = "How the round count grows with n"

#: rounds-1: the system, its inputs, and the options comparing them with random inputs.
FIRST_N, FIRST_T, FIRST_INPUTS = 5, 1, (0, 0, 1, 1, 1)
FIRST_OPTIONS = ("more", "about the same", "less")

#: The system whose mean round count under the split adversary :func:`split_mean` gives.
SPLIT_N, SPLIT_T = 9, 2

#: rounds-2: the system, its inputs, and the coin each process gets if it flips in round 1
#: and in round 2 (listed p0 first).
HOLD_N, HOLD_T, HOLD_INPUTS = 5, 1, (0, 0, 1, 1, 1)
HOLD_COINS = ((1, 1, 1, 0, 0), (0, 1, 1, 0, 1))
HOLD_ROUNDS = len(HOLD_COINS)

#: rounds-3: the canonical experiment.
CANON_N, CANON_T = 5, 1

#: rounds-4: the two systems compared (n = 2t + 1, split adversary, t processes crashed
#: from the start), the sample that measures them (no exact chain covers crashes) and the
#: options.
GROW_FROM, GROW_TO = 9, 11
GROW_RUNS, GROW_SEED = 20_000, 2026
GROW_OPTIONS = ("stays about the same", "doubles", "quadruples", "grows tenfold")
_GROW_FACTORS = (1.0, 2.0, 4.0, 10.0)


def _describe(answer: object) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


def _mean(p: np.ndarray) -> float:
    return float(np.arange(1, p.size + 1) @ p / p.sum())


def first_round_probability() -> float:
    """rounds-1: P(round count = 1) for n = 5, t = 1, inputs 0, 0, 1, 1, 1 (exact)."""
    return float(exact_rounds(FIRST_N, FIRST_T, inputs=list(FIRST_INPUTS))[0])


def random_first_round_probability() -> float:
    """rounds-1: P(round count = 1) for n = 5, t = 1 from random inputs (exact)."""
    return float(exact_rounds(FIRST_N, FIRST_T)[0])


def first_round_answer() -> str:
    """rounds-1: the fixed inputs' round-1 probability against random inputs' (within 10%
    of each other counts as "about the same")."""
    fixed, rand = first_round_probability(), random_first_round_probability()
    if abs(fixed - rand) <= 0.1 * rand:
        return FIRST_OPTIONS[1]
    return FIRST_OPTIONS[0] if fixed > rand else FIRST_OPTIONS[2]


def split_mean() -> float:
    """rounds-2: the exact mean round count of n = 9, t = 2 under the split adversary."""
    return _mean(exact_rounds(SPLIT_N, SPLIT_T, scheduler="split"))


# --- rounds-2: hold out for two rounds --------------------------------------------------


def hold_coins() -> dict[tuple[int, int], int]:
    """rounds-2's coins as a (pid, round) -> bit mapping, the form ``run(coin=...)`` takes."""
    return {(p, r + 1): c for r, coins in enumerate(HOLD_COINS) for p, c in enumerate(coins)}


def parse_rounds(answer: object) -> list[tuple[dict, dict]] | str:
    """A student's two rounds of deliveries as [(reports, proposals), ...], or what is wrong
    with the answer's form (never raises)."""
    q = HOLD_N - HOLD_T
    one = "{'reports': [[0, 1, 2, 3], ...], 'proposals': [[0, 1, 2, 3], ...]}"
    form = (
        f"The answer should be a list of {HOLD_ROUNDS} rounds, round 1 first, each a dict "
        f"like {one}: for each of p0..p{HOLD_N - 1}, the {q} senders whose report (and "
        "proposal) it hears"
    )
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, (list, tuple)):
        return f"{form}; got {_describe(answer)}."
    if len(answer) != HOLD_ROUNDS:
        return f"{form}; your list has {len(answer)} entries."
    rounds = []
    for r, entry in enumerate(answer, start=1):
        if not isinstance(entry, Mapping) or set(entry) != {"reports", "proposals"}:
            return f"{form}; round {r} is {_describe(entry)}."
        parsed = []
        for key in ("reports", "proposals"):
            heard = parse_hearing(entry[key], HOLD_N, q)
            if isinstance(heard, str):
                return f"Round {r}, {key}: {heard}"
            parsed.append(heard)
        rounds.append((parsed[0], parsed[1]))
    return rounds


def hold_out_run(rounds: Sequence[tuple[Mapping, Mapping]]) -> Run:
    """Replay the given rounds of deliveries (with rounds-2's inputs and coins): in each
    round every process gets the reports it hears (p0 first), then the proposals; the run
    stops when the script ends."""
    script = []
    for r, (reports, proposals) in enumerate(rounds, start=1):
        script += [(s, p, r, REPORT) for p in range(HOLD_N) for s in reports[p]]
        script += [(s, p, r, PROPOSAL) for p in range(HOLD_N) for s in proposals[p]]
    return run(
        HOLD_N,
        HOLD_T,
        list(HOLD_INPUTS),
        scheduler=Scripted(script),
        coin=hold_coins(),
        seed=0,
        max_rounds=len(rounds) + 1,
    )


def _values_after(result: Run, rnd: int) -> str:
    kinds = (ADOPT, COIN, DECIDE)
    ends = {e.pid: e.value for e in result.trace if e.kind in kinds and e.round == rnd}
    return "".join(str(ends[p]) for p in sorted(ends))


def check_hold_out(answer: object) -> Feedback:
    """rounds-2: replay the student's two rounds; correct when nobody has decided."""
    rounds = parse_rounds(answer)
    if isinstance(rounds, str):
        return Feedback("malformed", rounds)
    try:
        result = hold_out_run(rounds)
    except ValueError as exc:  # a delivery the library refuses; say which
        return Feedback("malformed", f"These deliveries cannot be replayed: {exc}.")
    rules = result.rules
    decides = [e for e in result.events(DECIDE) if e.round <= HOLD_ROUNDS]
    if decides:
        first = decides[0]
        where = (
            ""
            if first.round == 1
            else f" After round 1 the values were x = {_values_after(result, 1)} (p0 first)."
        )
        return Feedback(
            "wrong",
            f"In round {first.round}: {narrate_event(first, rules)}{where}",
            "A process decides on more than t = 1 D-message, and sends D(v) when at least 3 "
            "of its 4 reports carry v. Work out each process's value at the start of each "
            "round (who flipped, and which coin it got), then let every process hear a 2-2 "
            f"split. (Reread: {WORST_SECTION}.)",
        )
    return Feedback(
        "correct",
        f"Nobody decided in {HOLD_ROUNDS} rounds: after round 1 the values were "
        f"x = {_values_after(result, 1)} and after round 2 x = {_values_after(result, 2)} "
        "(p0 first). Every message you did not deliver is still in flight, so the run can go "
        "on fairly.",
    )


def balanced_hearing(values: Sequence[int]) -> dict[int, list[int]] | None:
    """For each process, 4 senders (its own first if possible) whose values are two 0s and
    two 1s; None when the values do not allow it."""
    q = HOLD_N - HOLD_T
    out = {}
    for p in range(HOLD_N):
        options = sorted(combinations(range(HOLD_N), q), key=lambda c: (p not in c, c))
        pick = next((c for c in options if 2 * sum(values[s] for s in c) == q), None)
        if pick is None:
            return None
        out[p] = list(pick)
    return out


def hold_out_answer() -> list[dict[str, list[list[int]]]]:
    """A correct answer to rounds-2: the split adversary's move, a 2-2 split, every round."""
    values = list(HOLD_INPUTS)
    answer = []
    for coins in HOLD_COINS:
        heard = balanced_hearing(values)
        if heard is None:
            raise RuntimeError(f"values {values} cannot be split 2-2")
        rows = [heard[p] for p in range(HOLD_N)]
        answer.append({"reports": rows, "proposals": rows})
        values = list(coins)  # nobody sent a D-message, so everybody flipped
    return answer


def lagged_share() -> float:
    """rounds-3: P(some process decides one round before the last), canonical experiment."""
    _, lagged = decision_split(CANON_N, CANON_T, rounds=200)
    return float(lagged.sum())


@cache
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
    choice(
        FIRST_OPTIONS,
        first_round_answer,
        section=EARLY_SECTION,
        hint=(
            "random inputs are often unanimous or split four to one, and then any four "
            "reports hold three equal values; from a three-two split, what must a process "
            "miss to send a D-message, and how many D-messages must reach a process for it "
            "to decide?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=EARLY_SECTION,
)

register(
    "rounds-2",
    check_hold_out,
    chapter=CHAPTER,
    kind="adversary",
    section=WORST_SECTION,
    example=hold_out_answer,
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
