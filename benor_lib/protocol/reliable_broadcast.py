"""Bracha's reliable broadcast (Bracha, 1987) as a sans-IO state machine.

Rules of this module: it knows one process's view of reliable broadcasts and nothing of
networks, schedulers, rounds or plots. Its thresholds are data (:class:`RBThresholds`).

Theory of operation. To reliably broadcast a value, the origin sends ``initial(v)`` to every
process. A correct process:

1. sends ``echo(v)`` to all on the origin's first ``initial`` (only the origin's own counts);
2. sends ``ready(v)`` to all once it has more than (n + t) / 2 ``echo(v)`` or t + 1
   ``ready(v)`` (at most one ``ready`` per broadcast);
3. accepts v once it has 2t + 1 ``ready(v)``.

Bracha's own broadcast also lets a process echo on more than (n + t) / 2 echoes or t + 1
readys; this module uses the common simplified form (echo only on the initial message),
which keeps the properties below for n > 3t.

Only the first ``echo`` and the first ``ready`` of each sender count. With n > 3t this gives
the properties Bracha proves: if a correct origin broadcasts v every correct process accepts
v; if one correct process accepts v, every correct process accepts v (totality); no two
correct processes accept different values for the same broadcast (consistency), because two
sets of more than (n + t) / 2 echoers share a correct process, and the t + 1 ``ready``
amplification lets the last correct processes catch up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from benor_lib.protocol.validate import check_int


class RBKind(IntEnum):
    """The three message types of reliable broadcast, in the order they are sent."""

    INITIAL = 0
    ECHO = 1
    READY = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class RBThresholds:
    """When a correct process echoes, becomes ready and accepts (all compared in integers).

    ``ready_echo_twice``: send ready(v) when ``2 * echoes(v) > ready_echo_twice`` (n + t).
    ``ready_amplify``: send ready(v) when ``readys(v) >= ready_amplify`` (t + 1).
    ``accept``: accept v when ``readys(v) >= accept`` (2t + 1).
    An echo is sent on the origin's initial message: that rule has no number.
    """

    n: int
    t: int
    ready_echo_twice: int
    ready_amplify: int
    accept: int

    def ready_on_echoes(self, count: int) -> bool:
        """True when ``count`` equal echoes make a process send ready."""
        return 2 * count > self.ready_echo_twice

    def ready_on_readys(self, count: int) -> bool:
        """True when ``count`` equal readys make a process send ready (amplification)."""
        return count >= self.ready_amplify

    def accepts(self, count: int) -> bool:
        """True when ``count`` equal readys make a process accept the value."""
        return count >= self.accept

    def describe(self) -> str:
        """One line stating every threshold in words."""
        return (
            f"reliable broadcast, n={self.n}, t={self.t}: echo on the origin's initial; "
            f"ready when 2*echoes > {self.ready_echo_twice} or readys >= {self.ready_amplify}; "
            f"accept when readys >= {self.accept}"
        )

    def table(self) -> list[tuple[str, str, str]]:
        """The rules as rows (message, sent when, threshold) for a printed table."""
        return [
            ("initial", "the origin broadcasts its value", "-"),
            ("echo", "on the origin's first initial message", "1 initial"),
            (
                "ready",
                "on more than (n + t)/2 echoes, or on t + 1 readys",
                f"> {self.ready_echo_twice / 2:g} echoes or >= {self.ready_amplify} readys",
            ),
            ("accept", "on 2t + 1 readys", f">= {self.accept} readys"),
        ]


def rb_thresholds(n: int, t: int) -> RBThresholds:
    """Bracha's thresholds for n processes of which up to t are Byzantine (needs n > 3t to work)."""
    n = check_int("n", n, 1)
    t = check_int("t", t, 0, n - 1)
    return RBThresholds(n, t, ready_echo_twice=n + t, ready_amplify=t + 1, accept=2 * t + 1)


class RBSend(NamedTuple):
    """A reliable-broadcast message one process sends to every process (itself included)."""

    kind: RBKind
    tag: tuple
    value: object


class RBInstance:
    """One process's state for one broadcast (one origin and one tag)."""

    __slots__ = ("echoed", "readied", "accepted", "echoes", "readys", "tally")

    def __init__(self) -> None:
        self.echoed = False
        self.readied = False
        self.accepted: tuple[object] | None = None  # (value,) once accepted (the value may be None)
        self.echoes: dict[int, object] = {}  # sender -> value of its first echo
        self.readys: dict[int, object] = {}  # sender -> value of its first ready
        self.tally: dict[tuple[int, object], int] = {}  # (kind, value) -> how many senders


class ReliableBroadcast:
    """All the reliable broadcasts one process takes part in, keyed by (origin, tag).

    :meth:`receive` takes one message in and returns what to send to all and, when a
    broadcast is accepted, the accepted value. ``tag`` names the broadcast (for consensus:
    round and step); values are any hashable (None allowed).
    """

    __slots__ = ("pid", "th", "_inst")

    def __init__(self, pid: int, th: RBThresholds) -> None:
        self.pid = pid
        self.th = th
        self._inst: dict[tuple[int, tuple], RBInstance] = {}

    def instance(self, origin: int, tag: tuple) -> RBInstance:
        """The state for (origin, tag), created on first use."""
        key = (origin, tag)
        inst = self._inst.get(key)
        if inst is None:
            inst = self._inst[key] = RBInstance()
        return inst

    def receive(
        self, sender: int, kind: int, origin: int, tag: tuple, value: object
    ) -> tuple[str, list[RBSend], tuple[object] | None]:
        """Take one message; return (status, sends, accepted).

        ``status``: "counted" (it counted), "duplicate" (a second message of that kind from
        that sender, or an initial not sent by its origin: ignored). ``sends``: the echo or
        ready it causes (``RBSend.tag`` is ``(origin, tag)``). ``accepted``: ``(value,)`` the
        first time the broadcast is accepted, else None.
        """
        inst = self.instance(origin, tag)
        th = self.th
        sends: list[RBSend] = []
        if kind == RBKind.INITIAL:
            if sender != origin or inst.echoed:
                return "duplicate", sends, None
            inst.echoed = True
            sends.append(RBSend(RBKind.ECHO, (origin, tag), value))
            return "counted", sends, None
        box = inst.echoes if kind == RBKind.ECHO else inst.readys
        if sender in box:
            return "duplicate", sends, None
        box[sender] = value
        tkey = (kind, value)
        count = inst.tally[tkey] = inst.tally.get(tkey, 0) + 1
        if not inst.readied:
            ready = th.ready_on_echoes(count) if kind == RBKind.ECHO else th.ready_on_readys(count)
            if ready:
                inst.readied = True
                sends.append(RBSend(RBKind.READY, (origin, tag), value))
        accepted = None
        if kind == RBKind.READY and inst.accepted is None and th.accepts(count):
            inst.accepted = accepted = (value,)
        return "counted", sends, accepted
