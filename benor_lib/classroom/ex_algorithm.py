"""Exercises of chapter 5, the algorithm in four steps (``book/algorithm.ipynb``).

algorithm-1 (predict): what each process proposes in round 1 when every process hears its
own report and the next three (n = 5, t = 1, inputs 10101).
algorithm-2 (predict, with a reason): does the essay's "only one" misreading of step 3 break
agreement with n = 5 and t = 1, or t = 2?
algorithm-3 (adversary): which four reports each process hears in round 1, so that nobody
sends a D-message (n = 5, t = 1, inputs 00111).

Helpers shared with chapter 6: :func:`parse_hearing` reads "which senders each process
hears" from a student's answer, and :func:`scripted_round_one` runs round 1 with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import combinations

import numpy as np

from benor_lib.classroom.core import Feedback, choice, register
from benor_lib.impossibility import Counterexample, find_violation
from benor_lib.protocol.events import PROPOSE, REPORT
from benor_lib.protocol.rules import Rules, standard_rules
from benor_lib.simulation.narrate import narrate_event, value_name
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import Scripted

CHAPTER = "algorithm"

#: Section titles of the chapter, named in the hints.
STEP2_SECTION = "Step 2: wait for n − t reports, then propose"
STEP3_SECTION = "Step 3: wait for n − t proposals, then adopt, decide or flip"

#: algorithm-1: the system, its inputs, and how far ahead of itself each process hears.
PREDICT_N, PREDICT_T, PREDICT_INPUTS = 5, 1, (1, 0, 1, 0, 1)

#: The system whose decision threshold :func:`decide_count` gives by default.
DECIDE_N, DECIDE_T = 7, 3

#: algorithm-2: the system, the t compared, the options (indexed by "breaks at t = 1" + 2 *
#: "breaks at t = 2") and how long the break-it search may take.
MISREAD_N, MISREAD_T = 5, (1, 2)
MISREAD_OPTIONS = ("neither", "only with t = 1", "only with t = 2", "both")
MISREAD_BUDGET_S = 20.0

#: algorithm-3: the system and its inputs.
QUIET_N, QUIET_T, QUIET_INPUTS = 5, 1, (0, 0, 1, 1, 1)

_PROPOSAL_WORDS = {"?": None, "d(0)": 0, "d(1)": 1, "d0": 0, "d1": 1}


def _describe(answer: object) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(value: object) -> int | None:
    """``value`` as an int if it is a whole number (not a bool), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value):
        return int(value)
    return None


# --- "which senders each process hears" ------------------------------------------------


def parse_hearing(answer: object, n: int, need: int) -> dict[int, tuple[int, ...]] | str:
    """Read a student's "who hears whom": for each of the n processes, ``need`` distinct senders.

    Accepts a list (or tuple) of n collections of senders, or a dict {process: senders}
    with every process as a key. Returns {process: senders}, or a sentence saying what is
    wrong with the form of the answer (never raises).
    """
    example = [list(range(need)) for _ in range(n)]
    form = (
        f"The answer should list, for each of the {n} processes p0..p{n - 1}, the {need} "
        f"senders it hears, like {example[:2]} and so on ({n} lists in all)"
    )
    if isinstance(answer, Mapping):
        keys = {_whole(k) for k in answer}
        if keys != set(range(n)):
            return (
                f"{form}; as a dict its keys must be exactly 0..{n - 1}, got {_describe(answer)}."
            )
        entries = [answer[k] for k in sorted(answer, key=lambda k: _whole(k))]
    elif isinstance(answer, (list, tuple, np.ndarray)) and not isinstance(answer, str):
        if isinstance(answer, np.ndarray) and answer.ndim != 2:
            return f"{form}; got an array of shape {answer.shape}."
        entries = list(answer)
        if len(entries) != n:
            return f"{form}; your answer has {len(entries)} entries."
    else:
        return f"{form}; got {_describe(answer)}."
    heard: dict[int, tuple[int, ...]] = {}
    for p, entry in enumerate(entries):
        if isinstance(entry, (str, bytes, Mapping)) or not isinstance(
            entry, (list, tuple, set, frozenset, range, np.ndarray)
        ):
            return f"{form}; the entry for p{p} is {_describe(entry)}, not a list of senders."
        senders = [_whole(s) for s in entry]
        if any(s is None or not 0 <= s < n for s in senders):
            return (
                f"The senders p{p} hears must be process numbers 0..{n - 1}; "
                f"got {_describe(entry)}."
            )
        if len(set(senders)) != len(senders):
            return f"p{p} hears each sender at most once; {_describe(entry)} repeats one."
        if len(senders) != need:
            return (
                f"Each process hears exactly n - t = {need} senders; for p{p} you listed "
                f"{len(senders)}."
            )
        heard[p] = tuple(senders)  # type: ignore[arg-type]
    return heard


def scripted_round_one(
    n: int,
    t: int,
    inputs: Sequence[int],
    reports: Mapping[int, Sequence[int]],
    proposals: Mapping[int, Sequence[int]] | None = None,
) -> Run:
    """Round 1 with the given hearing sets: each process p gets the reports of ``reports[p]``
    (and then the proposals of ``proposals[p]``, if given), and the run stops there."""
    script = [(s, p, 1, REPORT) for p in range(n) for s in reports[p]]
    if proposals is not None:
        script += [(s, p, 1, 2) for p in range(n) for s in proposals[p]]
    return run(n, t, list(inputs), scheduler=Scripted(script), seed=0)


def round_one_proposals(result: Run) -> dict[int, int | None]:
    """What each process proposed in round 1: 0 or 1 for D(v), None for ?."""
    return {e.pid: e.value for e in result.events(PROPOSE) if e.round == 1}


# --- algorithm-1 ----------------------------------------------------------------------


def cyclic_reports(n: int = PREDICT_N, t: int = PREDICT_T) -> dict[int, tuple[int, ...]]:
    """Each process hears its own report and those of the next n - t - 1 processes (mod n)."""
    q = standard_rules(n, t).quorum
    return {p: tuple((p + k) % n for k in range(q)) for p in range(n)}


def cyclic_proposals(
    n: int = PREDICT_N, t: int = PREDICT_T, inputs: Sequence[int] = PREDICT_INPUTS
) -> list[int | None]:
    """The round-1 proposals of algorithm-1's run (0/1 for D(v), None for ?)."""
    got = round_one_proposals(scripted_round_one(n, t, inputs, cyclic_reports(n, t)))
    return [got[p] for p in range(n)]


def _proposal(value: object) -> tuple[bool, int | None]:
    """(ok, value): a student's proposal as 0, 1 or None (for ?)."""
    if value is None:
        return True, None
    if isinstance(value, str):
        key = value.strip().lower().replace(" ", "")
        return (key in _PROPOSAL_WORDS), _PROPOSAL_WORDS.get(key)
    v = _whole(value)
    return (v in (0, 1)), v


def check_proposals(answer: object) -> Feedback:
    """algorithm-1: the five round-1 proposals, each 0, 1 (for D(0), D(1)) or None (for ?)."""
    n = PREDICT_N
    form = (
        f"The answer should be a list of {n} proposals, one per process, each 0 (for D(0)), "
        f"1 (for D(1)) or None (for ?), like [None, 1, None, 0, None]"
    )
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(
        answer, (list, tuple, np.ndarray)
    ):
        return Feedback("malformed", f"{form}; got {_describe(answer)}.")
    values = list(answer)
    if len(values) != n:
        return Feedback("malformed", f"{form}; your list has {len(values)} entries.")
    parsed = []
    for p, v in enumerate(values):
        ok, value = _proposal(v)
        if not ok:
            return Feedback("malformed", f"{form}; the entry for p{p} is {_describe(v)}.")
        parsed.append(value)
    truth = cyclic_proposals()
    if parsed == truth:
        return Feedback(
            "correct",
            "Right: "
            + ", ".join(f"p{p} sends {value_name(2, v)}" for p, v in enumerate(truth))
            + ".",
        )
    wrong = [f"p{p}" for p in range(n) if parsed[p] != truth[p]]
    rules = standard_rules(PREDICT_N, PREDICT_T)
    need = rules.d_twice // 2 + 1
    return Feedback(
        "wrong",
        f"Not quite: your proposal for {', '.join(wrong)} is not what the protocol sends.",
        f"List the {rules.quorum} reports each of those processes hears and count each value: "
        f"it sends D(v) only when at least {need} of them (more than n/2 = {n / 2:g}) carry v, "
        f"and ? otherwise. (Reread: {STEP2_SECTION}.)",
    )


register(
    "algorithm-1",
    check_proposals,
    chapter=CHAPTER,
    kind="predict",
    section=STEP2_SECTION,
    example=cyclic_proposals,
)


# --- algorithm-2 ----------------------------------------------------------------------


def decide_count(n: int = DECIDE_N, t: int = DECIDE_T) -> int:
    """The fewest D(v) messages that make a process decide v: more than t of them."""
    rules = standard_rules(n, t)
    return rules.decide_twice // 2 + 1


def misread_rules(n: int = MISREAD_N, t: int = MISREAD_T[-1]) -> Rules:
    """The essay's misreading of step 3: adopt v on exactly one D(v), not on at least one."""
    return standard_rules(n, t).with_changes(adopt_max=1)


def step_three_action(rules: Rules, count: int) -> str:
    """What a process does on ``count`` D(v) among its proposals: decide, adopt or flip."""
    if rules.decides(count):
        return "decide"
    return "adopt" if rules.adopts(count) else "flip"


def misread_differs(n: int, t: int) -> bool:
    """True when the misread rule acts differently from the published one on some count of
    D-messages a process can hear (0 to n - t)."""
    std, bad = standard_rules(n, t), misread_rules(n, t)
    return any(
        step_three_action(std, c) != step_three_action(bad, c) for c in range(std.quorum + 1)
    )


@cache
def misread_counterexample(n: int = MISREAD_N, t: int = MISREAD_T[-1]) -> Counterexample | None:
    """The agreement violation the break-it search finds for the misread rule, or None.

    When the misread rule acts exactly like the published one (as for t = 1), there is
    nothing to search: Ben-Or's theorem covers it, and the answer is None.
    """
    if not misread_differs(n, t):
        return None
    found = find_violation(
        n, t, rules=misread_rules(n, t), kind="agreement", seed=0, budget_s=MISREAD_BUDGET_S
    )
    return found if found else None


def misread_answer() -> str:
    """algorithm-2: for which of the t in MISREAD_T the misread rule breaks agreement."""
    broken = [t for t in MISREAD_T if misread_counterexample(MISREAD_N, t) is not None]
    return MISREAD_OPTIONS[(1 in broken) + 2 * (2 in broken)]


register(
    "algorithm-2",
    choice(
        MISREAD_OPTIONS,
        misread_answer,
        section=STEP3_SECTION,
        hint=(
            "Compare the two rules count by count: on how many D(v) does a process decide, "
            "and which counts are left between 'exactly one' and 'more than t'? What does a "
            "process do with such a count under the misread rule, and what can its coin do "
            "after somebody else decided?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=STEP3_SECTION,
)


# --- algorithm-3 ----------------------------------------------------------------------


def quiet_hearing(
    n: int = QUIET_N, t: int = QUIET_T, inputs: Sequence[int] = QUIET_INPUTS
) -> list[list[int]] | None:
    """For each process, n - t senders (its own report first, if possible) whose reports give
    no value more than n/2: a round 1 without D-messages. None if there is no such choice."""
    rules = standard_rules(n, t)
    answer = []
    for p in range(n):
        options = sorted(combinations(range(n), rules.quorum), key=lambda c: (p not in c, c))
        for senders in options:
            ones = sum(inputs[s] for s in senders)
            if not rules.sends_d(ones) and not rules.sends_d(len(senders) - ones):
                answer.append(list(senders))
                break
        else:
            return None
    return answer


def check_quiet(answer: object) -> Feedback:
    """algorithm-3: hearing sets of round 1 after which nobody sends a D-message."""
    rules = standard_rules(QUIET_N, QUIET_T)
    heard = parse_hearing(answer, QUIET_N, rules.quorum)
    if isinstance(heard, str):
        return Feedback("malformed", heard)
    result = scripted_round_one(QUIET_N, QUIET_T, QUIET_INPUTS, heard)
    loud = [e for e in result.events(PROPOSE) if e.round == 1 and e.value is not None]
    if not loud:
        return Feedback(
            "correct",
            "Nobody sends a D-message: every process heard two 0s and two 1s and sends ?.",
        )
    need = rules.d_twice // 2 + 1
    return Feedback(
        "wrong",
        " ".join(narrate_event(e, rules) for e in loud),
        f"A process sends D(v) when at least {need} of the {rules.quorum} reports it hears "
        f"carry v. With inputs {''.join(map(str, QUIET_INPUTS))}, which reports must every "
        f"process hear for that to fail for both values? (Reread: {STEP2_SECTION}.)",
    )


register(
    "algorithm-3",
    check_quiet,
    chapter=CHAPTER,
    kind="adversary",
    section=STEP2_SECTION,
    example=quiet_hearing,
)
