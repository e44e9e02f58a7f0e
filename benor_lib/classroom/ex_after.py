"""Exercises of chapter 10, after Ben-Or (``book/after.ipynb``).

after-1 (compute, with a proof): prove that two sets of more than (n + t)/2 processes share a
correct one when at most t lie; then the smallest such quorum for n = 7, t = 2.
after-2 (adversary): with n = 6 and t = 3 (n = 2t), two sets of n - t processes that share
nobody: the two halves a partition leaves, each of which could decide alone.
after-3 (predict, with a reason): flexible quorums; with n = 5 and phase-2 quorums of 2, the
smallest phase-1 quorum that keeps every phase-1 quorum meeting every phase-2 quorum.
"""

from __future__ import annotations

from collections.abc import Sequence

from benor_lib.analysis.after import enumerated_overlap, smallest_overlap
from benor_lib.classroom.core import Feedback, exact_int, register

CHAPTER = "after"

#: Section titles of the chapter, named in the hints.
QUORUM_SECTION = "Quorum intersection"
PAXOS_SECTION = "Timeouts for liveness, quorums for safety"

#: after-1: the Byzantine system whose smallest intersecting quorum the reader computes.
PROOF_N, PROOF_T = 7, 2

#: after-2: a system with n = 2t, and the quorum size n - t.
SPLIT_N, SPLIT_T = 6, 3

#: after-3: the system and its phase-2 quorum size.
FLEX_N, FLEX_Q2 = 5, 2


def byzantine_quorum(n: int = PROOF_N, t: int = PROOF_T) -> int:
    """The answer to after-1: the fewest processes ``q`` such that any two sets of ``q`` of
    ``n`` processes share more than ``t``, found by enumeration where it is feasible."""
    overlap = enumerated_overlap if n <= 11 else smallest_overlap
    return next(q for q in range(n + 1) if overlap(n, q) > t)


def phase_one_quorum(n: int = FLEX_N, q2: int = FLEX_Q2) -> int:
    """The answer to after-3: the smallest phase-1 quorum that meets every phase-2 quorum of
    size ``q2`` (every pair of a ``q1``-set and a ``q2``-set of ``n`` shares a process)."""
    return next(q1 for q1 in range(n + 1) if q1 + q2 - n >= 1)


def disjoint_quorums(n: int = SPLIT_N, t: int = SPLIT_T) -> tuple[list[int], list[int]]:
    """One correct answer to after-2: the first n - t processes and the last n - t."""
    return list(range(n - t)), list(range(t, n))


def _pids(part: object, n: int) -> list[int] | str:
    """The process ids in ``part``, or a sentence saying what is wrong with it."""
    if isinstance(part, (str, bytes, dict)) or not isinstance(part, (Sequence, set, frozenset)):
        return f"each quorum should be a list of process ids such as [0, 1, 2]; got {part!r:.40}"
    ids = []
    for pid in part:
        if isinstance(pid, bool) or not isinstance(pid, int) or not 0 <= pid < n:
            return f"process ids are whole numbers from 0 to {n - 1}; got {pid!r:.40}"
        ids.append(pid)
    if len(set(ids)) != len(ids):
        return f"a quorum names each process once; {sorted(ids)} repeats one"
    return ids


def check_disjoint(answer: object) -> Feedback:
    """after-2: two lists of n - t process ids that share nobody."""
    n, t = SPLIT_N, SPLIT_T
    size = n - t
    if (
        isinstance(answer, (str, bytes, dict))
        or not isinstance(answer, (Sequence, set, frozenset))
        or len(answer) != 2
    ):
        return Feedback(
            "malformed",
            f"Answer with two quorums, as a pair of lists of {size} process ids each, like "
            f"([0, 1, 2], [3, 4, 5]).",
        )
    first, second = (_pids(part, n) for part in answer)
    for got in (first, second):
        if isinstance(got, str):
            return Feedback("malformed", got[:1].upper() + got[1:] + ".")
    assert isinstance(first, list) and isinstance(second, list)
    if len(first) != size or len(second) != size:
        return Feedback(
            "malformed",
            f"A process waits for n - t = {size} messages, so each quorum has {size} "
            f"processes; these have {len(first)} and {len(second)}.",
        )
    shared = sorted(set(first) & set(second))
    if shared:
        return Feedback(
            "wrong",
            f"These quorums share {', '.join(f'p{p}' for p in shared)}: that process would "
            "tell both halves what the other did.",
            f"Two sets of {size} out of {n} need not overlap: 2 x {size} - {n} = "
            f"{2 * size - n}. (Reread: {QUORUM_SECTION}.)",
        )
    return Feedback(
        "correct",
        f"{sorted(first)} and {sorted(second)} share nobody: each half can hear only itself, "
        f"and with n = 2t it must act on what it heard.",
    )


register(
    "after-1",
    exact_int(
        byzantine_quorum,
        section=QUORUM_SECTION,
        hint=(
            f"Two sets of q out of n = {PROOF_N} processes share at least 2q - n of them; "
            f"at most t = {PROOF_T} of the shared ones may lie, so 2q - n must exceed t."
        ),
        close=1,
    ),
    chapter=CHAPTER,
    kind="compute",
    section=QUORUM_SECTION,
)

register(
    "after-2",
    check_disjoint,
    chapter=CHAPTER,
    kind="adversary",
    section=QUORUM_SECTION,
    example=disjoint_quorums,
)

register(
    "after-3",
    exact_int(
        phase_one_quorum,
        section=PAXOS_SECTION,
        hint=(
            "Only quorums of different phases must meet: a new leader's phase-1 quorum must "
            "include somebody from every phase-2 quorum that may have accepted a value. A "
            f"set of q1 and a set of {FLEX_Q2} out of {FLEX_N} share at least q1 + {FLEX_Q2} - "
            f"{FLEX_N}."
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=PAXOS_SECTION,
)
