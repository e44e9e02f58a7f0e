"""Which round of a run is worth showing, and its steps in plain sentences: the model
explorer's and the Byzantine chapter's account of a demonstration."""

from __future__ import annotations

from benor_lib.impossibility import Counterexample, Lasso
from benor_lib.protocol.events import (
    ADOPT,
    BYZANTINE_SEND,
    COIN,
    CRASH,
    DECIDE,
    DELIVER,
    HALT,
    PROPOSE,
)
from benor_lib.simulation.checks import check_agreement, check_validity
from benor_lib.simulation.narrate import narrate_event
from benor_lib.simulation.result import Run


def _violation_round(r: Run, kind: str) -> int | None:
    """The round of the decision that completed a violation of ``kind``."""
    byz = set(r.byzantine)
    decisions: dict[int, int] = {}
    for e in r.trace:
        if e.kind == DECIDE and e.pid not in byz:
            decisions[e.pid] = int(e.value)
            bad = check_agreement(decisions) + check_validity(r.inputs, r.correct, decisions)
            if any(v.kind == kind for v in bad):
                return e.round
    return None


def _last_round(r: Run) -> int:
    delivered = [e.round for e in r.trace if e.kind == DELIVER]
    return delivered[-1] if delivered else 1


def key_round(r: Run, kind: str, detail: object = None) -> int:
    """The round of ``r`` worth drawing for a demonstration of ``kind``.

    The first round of the cycle of an endless run; the round in which an agreement or
    validity violation is completed; the last round of a run that blocks, stays undecided
    or reaches a configuration without a decision; the deciding round of a decided run.
    """
    if isinstance(detail, Lasso):
        return len(detail.prefix) + 1
    if isinstance(detail, Counterexample) and detail.kind in ("agreement", "validity"):
        found = _violation_round(r, detail.kind)
        if found is not None:
            return found
    if kind == "decided run" and r.status == "decided":
        return r.rounds
    for v in r.violations:
        if v.kind in ("agreement", "validity"):
            found = _violation_round(r, v.kind)
            if found is not None:
                return found
    return _last_round(r)


def key_sentences(r: Run, rnd: int, *, limit: int | None = 24) -> list[str]:
    """The steps of round ``rnd`` in plain sentences: what the Byzantine processes sent,
    what each correct process proposed and concluded, crashes and halts.

    Deliveries are left out, and so is what a Byzantine process's own copy of the protocol
    would have done: its messages are all that matter.
    """
    byz = set(r.byzantine)
    inner = (PROPOSE, ADOPT, COIN, DECIDE)
    lines = []
    for e in r.trace:
        if e.round != rnd or e.kind not in (BYZANTINE_SEND, CRASH, HALT, *inner):
            continue
        if e.pid in byz and e.kind in inner:
            continue
        lines.append(narrate_event(e, r.rules))
    return lines if limit is None else lines[:limit]
