"""The properties a consensus run must have: agreement, validity, termination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benor_lib.simulation.trace import Violation


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
