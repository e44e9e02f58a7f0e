"""The properties a consensus run must have: agreement, validity, termination."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol

from benor_lib.protocol.events import ADOPT, COIN, DECIDE, REPORT, SEND, START, Event
from benor_lib.simulation.result import Violation


def check_agreement(decisions: Mapping[int, int]) -> list[Violation]:
    """No two processes decide differently (crashed processes' decisions included)."""
    values = sorted(set(decisions.values()))
    if len(values) <= 1:
        return []
    by_value = {
        v: ", ".join(f"p{p}" for p in sorted(decisions) if decisions[p] == v) for v in values
    }
    text = " while ".join(f"{by_value[v]} decided {v}" for v in values)
    return [Violation("agreement", text)]


def check_validity(
    inputs: Sequence[int], correct: Sequence[int], decisions: Mapping[int, int]
) -> list[Violation]:
    """Validity over the processes in ``correct``: if all of them start with v, every
    decision is v.

    :func:`benor_lib.run` passes every process that is not Byzantine, crashed ones included:
    that is Ben-Or's validity ("if for all P, x_P = v, the decision must be v"), under which a
    crashed process's input counts. Passing only the processes that never fail checks a
    stronger property, which the crash protocol does not promise.
    """
    start = {int(inputs[p]) for p in correct}
    if len(start) != 1:
        return []
    v = start.pop()
    wrong = sorted(p for p, d in decisions.items() if d != v)
    if not wrong:
        return []
    who = ", ".join(f"p{p}" for p in wrong)
    return [
        Violation("validity", f"every correct process started with {v} but {who} decided {1 - v}")
    ]


def check_termination(status: str, reason: str) -> list[Violation]:
    """A run that is blocked (a correct process waits forever) violates termination.

    A run cut off at max_rounds is not a violation: with probability 1 it would go on to
    decide. The break-it search proves termination violations by other means.
    """
    if status == "blocked":
        return [Violation("termination", reason)]
    return []


def check_run(
    inputs: Sequence[int],
    honest: Sequence[int],
    decisions: Mapping[int, int],
    status: str,
    reason: str,
) -> tuple[Violation, ...]:
    """All three checks on one run's outcome (``honest``: the processes that are not Byzantine)."""
    return tuple(
        check_agreement(decisions)
        + check_validity(inputs, honest, decisions)
        + check_termination(status, reason)
    )


# --- the safety invariant ---------------------------------------------------------------


class HeldState(Protocol):
    """What :func:`check_invariant` reads of a process: a Process or a ProcessState will do."""

    @property
    def pid(self) -> int: ...
    @property
    def round(self) -> int: ...
    @property
    def x(self) -> int: ...
    @property
    def decision(self) -> int | None: ...
    @property
    def decision_round(self) -> int | None: ...


def check_invariant(states: Iterable[HeldState]) -> list[Violation]:
    """The safety invariant, on one state of a run: once a process has decided v in round r,
    every process that has entered a round later than r holds x = v.

    ``states`` are the processes to check, each with its current round (the round it is in
    or is about to enter), value, decision and decision round. Pass the processes that follow
    the protocol: for the crash variant every process (a crashed one keeps the state it
    crashed in), for the Byzantine variant only the correct ones.
    """
    states = list(states)
    found: list[Violation] = []
    for d in states:
        if d.decision is None or d.decision_round is None:
            continue
        v, r = d.decision, d.decision_round
        off = sorted(s.pid for s in states if s.round > r and s.x != v)
        if off:
            who = ", ".join(f"p{p}" for p in off)
            found.append(
                Violation(
                    "invariant",
                    f"p{d.pid} decided {v} in round {r}, but {who} entered a later round "
                    f"holding {1 - v}",
                )
            )
    return found


def invariant_holds(states: Iterable[HeldState]) -> bool:
    """Whether :func:`check_invariant` finds nothing in this state."""
    return not check_invariant(states)


class _Held(NamedTuple):
    pid: int
    round: int
    x: int
    decision: int | None
    decision_round: int | None


def states_along_trace(
    trace: Iterable[Event], n: int, skip: Collection[int] = ()
) -> Iterator[tuple[_Held, ...]]:
    """Every state a run passes through, as far as the invariant is concerned: one tuple of
    process states (pid, round, x, decision, decision_round) after each event that changes
    one of them. Processes in ``skip`` (e.g. Byzantine ones) are left out.

    The trace says it all: a START gives the input, a report broadcast of round r' says
    that its sender has entered round r' holding that value, and an adopt, coin or decide
    of round r moves its process to round r + 1 with the value it names.
    """
    held: dict[int, _Held] = {}
    for e in trace:
        p = e.pid
        if p in skip or not 0 <= p < n:
            continue
        s = held.get(p)
        if e.kind == START:
            s = _Held(p, 1, int(e.value or 0), None, None)  # (an input is 0 or 1)
        elif s is None:
            continue
        elif e.kind == SEND and e.phase == REPORT and e.value is not None:
            if e.round < s.round:
                continue  # logged after its process had already moved on (buffered messages)
            s = s._replace(round=e.round, x=int(e.value))
        elif e.kind == DECIDE:
            v = int(e.value or 0)  # (a decision is 0 or 1)
            s = _Held(p, e.round + 1, v, v, e.round)
        elif e.kind in (ADOPT, COIN):
            x = int(e.value or 0) if s.decision is None else s.decision
            s = s._replace(round=e.round + 1, x=x)
        else:
            continue
        if held.get(p) != s:
            held[p] = s
            yield tuple(held.values())


def check_invariant_along_trace(
    trace: Iterable[Event], n: int, skip: Collection[int] = ()
) -> list[Violation]:
    """:func:`check_invariant` on every state of :func:`states_along_trace`; the first
    violation found, if any (a broken invariant stays broken, so one report is enough)."""
    for state in states_along_trace(trace, n, skip):
        found = check_invariant(state)
        if found:
            return found[:1]
    return []
