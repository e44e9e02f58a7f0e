"""Plain-language narration of a run's events: one sentence per event, saying why."""

from __future__ import annotations

from benor_lib.protocol.events import (
    ADOPT,
    BYZANTINE_SEND,
    COIN,
    CRASH,
    DECIDE,
    DELIVER,
    HALT,
    PROPOSAL,
    PROPOSE,
    REPORT,
    SEND,
    START,
    Delivery,
    Event,
)
from benor_lib.protocol.rules import Rules


def value_name(phase: int, value: int | None) -> str:
    """'1' for a report, 'D(1)' or '?' for a proposal."""
    if phase == REPORT:
        return str(value)
    return "?" if value is None else f"D({value})"


def _count_words(k: int) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return words[k] if 0 <= k < len(words) else str(k)


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _half(x: int) -> str:
    return f"{x // 2}" if x % 2 == 0 else f"{x / 2:g}"


def narrate_event(event: Event, rules: Rules) -> str:
    """One plain sentence saying what ``event`` was and why it happened."""
    if rules.variant == "bracha":
        from benor_lib.simulation.bracha_narrate import narrate_bracha_event

        return narrate_bracha_event(event, rules)
    p = f"p{event.pid}"
    kind = event.kind
    if kind == START:
        return f"{p} starts with input x={event.value}."
    if kind == SEND:
        what = "its report" if event.phase == REPORT else "its proposal"
        val = value_name(event.phase, event.value)
        reach = ""
        if event.cut_short:
            got = ", ".join(f"p{r}" for r in event.receivers)
            reach = f", but crashes after reaching only {got}" if got else ", but crashes first"
        return f"{p} broadcasts {what} {val} for round {event.round}{reach}."
    if kind == BYZANTINE_SEND:
        vals = ", ".join(
            f"{value_name(event.phase, v)} to p{r}"
            for r, v in zip(event.receivers, event.sent, strict=True)
        )
        what = "reports" if event.phase == REPORT else "proposals"
        return f"{p} (Byzantine) sends round {event.round} {what}: {vals}."
    if kind == DELIVER:
        what = "report" if event.phase == REPORT else "proposal"
        val = value_name(event.phase, event.value)
        note = {
            Delivery.COUNTED: "",
            Delivery.BUFFERED: " (kept for later: it is for a later round or phase)",
            Delivery.STALE: " (ignored: that round and phase are over for it)",
            Delivery.DUPLICATE: " (ignored: a second message from the same sender)",
            Delivery.EXTRA: f" (ignored: it already had the first {rules.quorum})",
            Delivery.HALTED: " (ignored: it has halted)",
        }.get(event.delivery or Delivery.COUNTED, "")
        return f"p{event.sender}'s round-{event.round} {what} {val} reaches {p}{note}."
    if kind == PROPOSE:
        ones = sum(1 for v in event.heard if v == 1)
        zeros = len(event.heard) - ones
        heard = ",".join(str(v) for v in event.heard)
        limit = f"more than {_half(rules.d_twice)}"
        if event.value is None:
            why = f"neither value has {limit}, so it sends ?"
        else:
            cnt = ones if event.value == 1 else zeros
            why = f"{_count_words(cnt)} {event.value}s is {limit}, so it sends D({event.value})"
        counts = f"{_plural(ones, 'one')}, {_plural(zeros, 'zero')} of {len(event.heard)}"
        return f"{p} heard {heard} ({counts}): {why}."
    if kind in (ADOPT, DECIDE, COIN):
        heard = ",".join(value_name(PROPOSAL, v) for v in event.heard)
        if kind == COIN:
            ds = sum(1 for v in event.heard if v is not None)
            if ds == 0:
                why = "no D-message"
            elif rules.adopt_max is not None and ds > rules.adopt_max:
                why = (
                    f"{_count_words(ds)} D-messages, more than the {rules.adopt_max} this "
                    "rule adopts on"
                )
            else:
                why = (
                    f"{_count_words(ds)} D-message{'s' if ds != 1 else ''}, fewer than the "
                    f"{rules.adopt_min} needed to adopt"
                )
            return f"{p} heard {heard}: {why}, so it flips a coin and gets x={event.value}."
        cnt = sum(1 for v in event.heard if v == event.value)
        d_words = f"{_count_words(cnt)} D({event.value}){'' if cnt == 1 else 's'}"
        if kind == ADOPT:
            tail = ""
            if not rules.decides(cnt):
                tail = f" but cannot decide (that needs more than {_half(rules.decide_twice)})"
            return (
                f"{p} heard {heard}: {d_words}, at least {rules.adopt_min}, "
                f"so it adopts x={event.value}{tail}."
            )
        return (
            f"{p} heard {heard}: {d_words}, more than {_half(rules.decide_twice)}, "
            f"so it decides {event.value} in round {event.round}."
        )
    if kind == HALT:
        return f"{p} has decided and halts: it sends nothing more."
    if kind == CRASH:
        return f"{p} crashes in round {event.round}."
    return f"{p}: {kind}"
