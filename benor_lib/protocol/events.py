"""The event vocabulary of a run: phases, event kinds, delivery statuses and the Event record.

A :class:`~benor_lib.protocol.process.Process` emits protocol events (propose, adopt, coin,
decide, halt); the simulation adds the network's own (start, send, deliver, crash, Byzantine
send). The enums are ``str``/``int`` enums, so ``event.kind == "decide"`` and
``phase == 1`` keep working for callers that compare with plain values.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import NamedTuple


class Phase(IntEnum):
    """The two phases of a round: reports, then proposals (D-messages or ``?``)."""

    REPORT = 1
    PROPOSAL = 2

    __str__ = int.__repr__


class StrEnum(str, Enum):
    """A str enum whose str() and format() give the plain value (like 3.11's StrEnum)."""

    __str__ = str.__str__
    __format__ = str.__format__  # type: ignore[assignment]


class EventKind(StrEnum):
    """What an :class:`Event` is about, in the order the kinds tend to appear in a round."""

    START = "start"  # a process starts with its input
    SEND = "send"  # a process broadcasts a report or a proposal
    DELIVER = "deliver"  # the network hands a message to its receiver
    PROPOSE = "propose"  # after hearing n - t reports: D(v) or ? sent
    ADOPT = "adopt"  # after hearing n - t proposals: at least `adopt_min` D(v), x := v
    COIN = "coin"  # after hearing n - t proposals: too few D-messages, x := coin
    DECIDE = "decide"  # after hearing n - t proposals: more than decide_twice / 2 D(v)
    HALT = "halt"  # a decided process stops taking part
    CRASH = "crash"  # a process crashes (possibly in the middle of a broadcast)
    BYZANTINE_SEND = "byzantine_send"  # a Byzantine process sends (possibly different values)
    # Bracha's variant only (benor_lib.protocol.bracha):
    MAJORITY = "majority"  # after n - t step-1 values: x := their majority
    ACCEPT = "accept"  # reliable broadcast: 2t + 1 readys, the origin's message is accepted
    VALIDATE = "validate"  # an accepted message is justified by messages validated before it


class Delivery(StrEnum):
    """What one delivered message did to its receiver."""

    COUNTED = "counted"  # it counts towards the receiver's current quorum
    BUFFERED = "buffered"  # kept for a later round or phase
    STALE = "stale"  # its round and phase are over for the receiver
    DUPLICATE = "duplicate"  # a second message from the same sender
    EXTRA = "extra"  # the receiver already had its quorum
    HALTED = "halted"  # the receiver has halted


REPORT = Phase.REPORT
PROPOSAL = Phase.PROPOSAL
START = EventKind.START
SEND = EventKind.SEND
DELIVER = EventKind.DELIVER
PROPOSE = EventKind.PROPOSE
ADOPT = EventKind.ADOPT
COIN = EventKind.COIN
DECIDE = EventKind.DECIDE
HALT = EventKind.HALT
CRASH = EventKind.CRASH
BYZANTINE_SEND = EventKind.BYZANTINE_SEND
EVENT_KINDS: tuple[EventKind, ...] = tuple(EventKind)
PROTOCOL_KINDS = (PROPOSE, ADOPT, COIN, DECIDE, HALT)
"""The kinds a Process emits; the others are the network's."""


class Event(NamedTuple):
    """One thing that happened in a run. Each field has one meaning for every kind.

    ``pid``: the process the event is about (the receiver, for a delivery).
    ``value``: the value sent, reported, proposed (None for ``?``), adopted, flipped or decided.
    ``sender``: for a delivery, who sent the message.
    ``heard`` and ``senders``: for propose/adopt/coin/decide, the n - t values the process
    acted on and who sent them.
    ``receivers`` and ``sent``: for a send, the processes reached; for a Byzantine send also
    the value sent to each of them (``sent[i]`` went to ``receivers[i]``).
    ``delivery``: for a delivery, what it did.
    ``cut_short``: for a send, True when its sender crashed part-way through it.
    """

    kind: EventKind
    pid: int
    round: int
    phase: int  # a Phase in Ben-Or's runs (Bracha's runs number their three steps 1..3)
    value: int | None = None
    sender: int | None = None
    heard: tuple[int | None, ...] = ()
    senders: tuple[int, ...] = ()
    receivers: tuple[int, ...] = ()
    sent: tuple[int | None, ...] = ()
    delivery: Delivery | None = None
    cut_short: bool = False
    origin: int | None = None  # Bracha only: whose reliable broadcast a send/delivery relays
    rb: int | None = None  # Bracha only: the reliable-broadcast kind (0 initial, 1 echo, 2 ready)
