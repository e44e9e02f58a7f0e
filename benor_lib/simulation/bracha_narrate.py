"""Plain-language narration of the events of a Bracha run: one sentence per event, saying why."""

from __future__ import annotations

from collections.abc import Collection

from benor_lib.protocol.bracha import STEP_NAMES, Step
from benor_lib.protocol.events import (
    ADOPT,
    BYZANTINE_SEND,
    COIN,
    CRASH,
    DECIDE,
    DELIVER,
    PROPOSE,
    SEND,
    START,
    Delivery,
    Event,
    EventKind,
)
from benor_lib.protocol.reliable_broadcast import RBKind, rb_thresholds
from benor_lib.protocol.rules import Rules


def bracha_value_name(step: int, value: int | None) -> str:
    """'1' for a step-1 or step-2 value, 'D(1)' or '?' for a step-3 proposal."""
    if step != Step.PROPOSAL:
        return str(value)
    return "?" if value is None else f"D({value})"


def _step(step: int) -> str:
    return f"step-{int(step)} {STEP_NAMES.get(Step(step), '')}" if step in (1, 2, 3) else "?"


def _whose(event: Event) -> str:
    return f"p{event.origin}'s round-{event.round} {_step(event.phase)} broadcast"


def _count(heard, v) -> int:
    return sum(1 for h in heard if h == v)


_OWN_COPY = (EventKind.MAJORITY, PROPOSE, ADOPT, COIN, DECIDE)


def is_detail(event: Event, byzantine: Collection[int] = ()) -> bool:
    """True for the events a narration leaves out unless deliveries are asked for: sends,
    deliveries, acceptances, validations, a Byzantine process's echoes and readys, and the
    steps of the copy of the protocol a Byzantine process (in ``byzantine``) runs only to
    pace its lies (it decides nothing)."""
    if event.kind in (DELIVER, SEND, EventKind.ACCEPT, EventKind.VALIDATE):
        return True
    if event.kind in _OWN_COPY:
        return event.pid in byzantine
    return event.kind == BYZANTINE_SEND and event.rb not in (None, RBKind.INITIAL)


def narrate_bracha_event(event: Event, rules: Rules) -> str:
    """One plain sentence saying what ``event`` of a Bracha run was and why it happened."""
    p = f"p{event.pid}"
    kind = event.kind
    val = bracha_value_name(event.phase, event.value)
    th = rb_thresholds(rules.n, rules.t)
    if kind == START:
        return f"{p} starts with input x={event.value}."
    if kind == SEND:
        rb = RBKind(event.rb) if event.rb is not None else RBKind.INITIAL
        cut = ""
        if event.cut_short:
            got = ", ".join(f"p{r}" for r in event.receivers)
            cut = f", but crashes after reaching only {got}" if got else ", but crashes first"
        if rb == RBKind.INITIAL:
            return (
                f"{p} reliably broadcasts its round-{event.round} {_step(event.phase)} value "
                f"{val}: it sends initial({val}) to all{cut}."
            )
        why = (
            "on the origin's initial message"
            if rb == RBKind.ECHO
            else f"on more than {th.ready_echo_twice / 2:g} echoes or {th.ready_amplify} readys"
        )
        return f"{p} sends {rb}({val}) for {_whose(event)} to all, {why}{cut}."
    if kind == BYZANTINE_SEND:
        rb = RBKind(event.rb) if event.rb is not None else RBKind.INITIAL
        vals = ", ".join(
            f"{bracha_value_name(event.phase, v)} to p{r}"
            for r, v in zip(event.receivers, event.sent, strict=True)
        )
        if rb == RBKind.INITIAL and event.origin == event.pid:
            return (
                f"{p} (Byzantine) starts its round-{event.round} {_step(event.phase)} "
                f"broadcast with these initial messages: {vals}."
            )
        return f"{p} (Byzantine) sends {rb} messages for {_whose(event)}: {vals}."
    if kind == DELIVER:
        rb = RBKind(event.rb) if event.rb is not None else RBKind.INITIAL
        note = "" if event.delivery == Delivery.COUNTED else " (ignored: a second one)"
        return f"p{event.sender}'s {rb}({val}) for {_whose(event)} reaches {p}{note}."
    if kind == EventKind.ACCEPT:
        return (
            f"{p} has {th.accept} ready({val}) for {_whose(event)}: it accepts {val} "
            "(every correct process will)."
        )
    if kind == EventKind.VALIDATE:
        return (
            f"{p} validates the value {val} of {_whose(event)}: some n - t values it "
            "validated before lead to it."
        )
    heard = ",".join(bracha_value_name(event.phase, v) for v in event.heard)
    if kind == EventKind.MAJORITY:
        ones = _count(event.heard, 1)
        return (
            f"{p} validated {heard} in round {event.round} step 1 ({ones} of "
            f"{len(event.heard)} are 1): the majority is {event.value}, so x={event.value}."
        )
    if kind == PROPOSE:
        if event.value is None:
            why = f"no value has more than {rules.d_twice / 2:g}, so its proposal is ?"
        else:
            why = (
                f"{_count(event.heard, event.value)} are {event.value}, more than "
                f"{rules.d_twice / 2:g}, so its proposal is D({event.value})"
            )
        return f"{p} validated reports {heard} in round {event.round}: {why}."
    if kind in (ADOPT, DECIDE, COIN):
        if kind == COIN:
            return (
                f"{p} validated proposals {heard}: fewer than {rules.adopt_min} D-messages "
                f"for either value, so it flips a coin and gets x={event.value}."
            )
        cnt = _count(event.heard, event.value)
        if kind == ADOPT:
            return (
                f"{p} validated proposals {heard}: {cnt} D({event.value}), at least "
                f"{rules.adopt_min}, so it adopts x={event.value}."
            )
        return (
            f"{p} validated proposals {heard}: {cnt} D({event.value}), more than "
            f"{rules.decide_twice // 2}, so it decides {event.value} in round {event.round}."
        )
    if kind == CRASH:
        return f"{p} crashes in round {event.round}."
    return f"{p}: {kind}"
