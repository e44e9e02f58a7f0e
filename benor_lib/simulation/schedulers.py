"""The adversary's delivery choices: which in-flight message reaches its receiver next.

Every scheduler here is a legal asynchronous adversary: it only ever delivers messages
that are in flight, and it delivers every message sent to a live process eventually
(the run stops as soon as every correct process has decided, so some may stay in flight).

A scheduler sees the network through a small read-only view (:class:`NetworkView`):
the messages in flight and each process's round, phase and state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from math import comb
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from benor_lib.protocol.events import REPORT
from benor_lib.protocol.validate import check_choice, check_int, is_int
from benor_lib.simulation.result import Message

#: Every scheduler :func:`benor_lib.run` accepts by name (``scheduler="split"``).
SCHEDULER_NAMES = ("uniform", "random_order", "fifo", "split")
Key = tuple[int, ...]
"""A delivery: (sender, receiver, round, phase), and for Bracha also (origin, rb kind)."""


class InFlight(Protocol):
    """What a scheduler reads of a message in flight (Ben-Or's Message, Bracha's RBMessage)."""

    @property
    def sender(self) -> int: ...
    @property
    def receiver(self) -> int: ...
    @property
    def round(self) -> int: ...
    @property
    def phase(self) -> int: ...
    @property
    def value(self) -> int | None: ...
    @property
    def key(self) -> Key: ...


class NetworkView(Protocol):
    """What a scheduler may look at."""

    n: int
    quorum: int

    @property
    def inflight(self) -> Mapping[Key, InFlight]:
        """The messages in flight by key."""
        ...

    def active(self) -> list[int]:
        """Processes that still receive messages (not crashed, not halted)."""
        ...

    def position(self, pid: int) -> tuple[int, int]:
        """(round, phase) the process is waiting in."""
        ...

    def xs_of_correct(self) -> list[int]:
        """Current x of every correct process."""
        ...


class Scheduler:
    """Base class: subclasses implement :meth:`next`."""

    name = "scheduler"
    exhausted = False

    def attach(self, net: NetworkView, rng: np.random.Generator) -> None:
        """Called once before the run starts."""
        self.net = net
        self.rng = rng

    def on_send(self, msg: InFlight) -> None:
        """Called for every message put in flight."""

    def next(self) -> InFlight | None:
        """The next message to deliver, or None when there is none (or the script ended)."""
        raise NotImplementedError


class Fifo(Scheduler):
    """Deliver messages in the order they were sent."""

    name = "fifo"

    def attach(self, net: NetworkView, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self._queue: deque[Key] = deque()

    def on_send(self, msg: InFlight) -> None:
        self._queue.append(msg.key)

    def next(self) -> InFlight | None:
        inflight = self.net.inflight
        while self._queue:
            msg = inflight.get(self._queue.popleft())
            if msg is not None:
                return msg
        return None


class RandomOrder(Scheduler):
    """Deliver a uniformly random one of all in-flight messages at every step."""

    name = "random_order"

    def attach(self, net: NetworkView, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self._keys: list[Key] = []

    def on_send(self, msg: InFlight) -> None:
        self._keys.append(msg.key)

    def next(self) -> InFlight | None:
        keys, inflight, pick = self._keys, self.net.inflight, self._pick
        while keys:
            i = pick(len(keys))
            key = keys[i]
            keys[i] = keys[-1]
            keys.pop()
            msg = inflight.get(key)
            if msg is not None:
                return msg
        return None

    def _pick(self, k: int) -> int:
        """A uniformly random index below ``k``."""
        return int(self.rng.integers(k))


class _PhaseBatches(Scheduler):
    """Phase by phase: when every process that can still send has sent its message of a
    (round, phase), hand one waiting receiver all of that phase's messages at once, in an
    order chosen by :meth:`order` (the first n - t of them are what it acts on)."""

    def attach(self, net: NetworkView, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self._queue: deque[Key] = deque()
        self._batched: dict[int, tuple[int, int]] = {}

    def next(self) -> InFlight | None:
        inflight = self.net.inflight
        while True:
            while self._queue:
                msg = inflight.get(self._queue.popleft())
                if msg is not None:
                    return msg
            if not self._fill():
                # Nothing is ready: deliver what is left (stale messages, or to stuck processes).
                return next(iter(inflight.values()), None)

    def _fill(self) -> bool:
        net = self.net
        best: tuple[int, int, int] | None = None
        for pid in net.active():
            pos = net.position(pid)
            if self._batched.get(pid) == pos:
                continue  # it already got everything of this phase: it is stuck
            cand = (pos[0], pos[1], pid)
            if best is None or cand < best:
                best = cand
        if best is None:
            return False
        rnd, phase, pid = best
        self._batched[pid] = (rnd, phase)
        inflight = net.inflight
        own: Key = (pid, pid, rnd, phase)
        others: list[Key] = [
            k for s in range(net.n) if s != pid and (k := (s, pid, rnd, phase)) in inflight
        ]
        first = [own] if own in inflight else []
        need = net.quorum - len(first)
        chosen, rest = self.order(first, others, need, phase)
        self._queue.extend(first + chosen + rest)
        return True

    def order(
        self, own: list[Key], others: list[Key], need: int, phase: int
    ) -> tuple[list[Key], list[Key]]:
        """Split ``others`` into the ``need`` messages heard first and the rest."""
        raise NotImplementedError

    def _shuffled(self, keys: list[Key]) -> list[Key]:
        if len(keys) > 1:
            idx = self.rng.permutation(len(keys))
            return [keys[i] for i in idx]
        return list(keys)


class Uniform(_PhaseBatches):
    """The canonical scheduler: in every phase each process hears its own message plus
    n - t - 1 of the others' messages, a uniformly random subset, independently."""

    name = "uniform"

    def order(self, own, others, need, phase):
        shuffled = self._shuffled(others)
        return shuffled[:need], shuffled[need:]


def split_report_ones(
    own_ones: ArrayLike,
    own_count: ArrayLike,
    ones_others: ArrayLike,
    zeros_others: ArrayLike,
    need: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """The split adversary's phase-1 view: how many ones it shows among ``need`` reports
    from the others, for a receiver that also hears ``own_count`` (0 or 1) reports of its
    own, ``own_ones`` of them ones.

    It makes the view as balanced as it can: the result is (fewest, most) ones over the
    most balanced choices (equal unless the view has an odd size and both roundings are
    possible). Works elementwise on arrays, so the scheduler, the vectorised sampler and
    the exact chain share it.
    """
    low = np.maximum(0, np.subtract(need, zeros_others))
    high = np.minimum(need, ones_others)
    total = np.add(own_count, need)
    fewest = np.floor_divide(total - 2 * np.asarray(own_ones), 2)
    return np.clip(fewest, low, high), np.clip(fewest + (total % 2), low, high)


def split_proposal_ds(need: ArrayLike, plain_others: ArrayLike) -> np.ndarray:
    """The split adversary's phase-2 view: how many D-messages it must show among ``need``
    proposals from the others when ``plain_others`` of them are ``?`` (as few as it can)."""
    return np.maximum(0, np.subtract(need, plain_others))


class Split(_PhaseBatches):
    """The split adversary: it sees every state (not future coins). In phase 1 it shows each
    process the most balanced n - t reports it can (its own included), so nobody sends a
    D-message when that can be avoided; in phase 2 it shows as few D-messages as it can.
    Ties are broken uniformly at random over the equally good sets."""

    name = "split"

    def order(self, own, others, need, phase):
        inflight = self.net.inflight
        if need >= len(others):
            return self._shuffled(others), []
        if phase == REPORT:
            ones = [k for k in others if inflight[k].value == 1]
            zeros = [k for k in others if inflight[k].value != 1]
            base = sum(1 for k in own if inflight[k].value == 1)
            fewest, most = split_report_ones(base, len(own), len(ones), len(zeros), need)
            options = list(range(int(fewest), int(most) + 1))
            weights = np.array([comb(len(ones), a) * comb(len(zeros), need - a) for a in options])
            a = options[int(self.rng.choice(len(options), p=weights / weights.sum()))]
            ones, zeros = self._shuffled(ones), self._shuffled(zeros)
            chosen = ones[:a] + zeros[: need - a]
            rest = ones[a:] + zeros[need - a :]
        else:
            blanks = self._shuffled([k for k in others if inflight[k].value is None])
            ds = self._shuffled([k for k in others if inflight[k].value is not None])
            shown = int(split_proposal_ds(need, len(blanks)))
            chosen = blanks[: need - shown] + ds[:shown]
            rest = blanks[need - shown :] + ds[shown:]
        return self._shuffled(chosen), self._shuffled(rest)


class Scripted(Scheduler):
    """A person or a test chooses every delivery.

    ``script`` is a sequence of (sender, receiver, round, phase) keys delivered in order, or a
    callable that is given the network view and returns a key, a Message, or None to stop.
    When the script ends the run stops as undecided, unless ``then`` names a scheduler that
    takes over. Every entry of a key is a whole number. A list script starts again from its
    first key in every run the scheduler is used for.
    """

    name = "scripted"

    def __init__(
        self,
        script: Sequence[Key] | Callable[[NetworkView], Key | Message | None],
        then: str | None = None,
    ) -> None:
        self._call: Callable[[NetworkView], Key | Message | None] | None
        if callable(script):
            self._call = script
            self._keys = None
        elif isinstance(script, Sequence) and not isinstance(script, str):
            keys = []
            for i, k in enumerate(script):
                if isinstance(k, Message):
                    k = k.key
                if not (isinstance(k, (Sequence, np.ndarray)) and len(k) in (4, 6)):
                    raise ValueError(
                        f"script[{i}] must be a (sender, receiver, round, phase) tuple, got {k!r}"
                    )
                keys.append(tuple(check_int(f"script[{i}][{j}]", v, 0) for j, v in enumerate(k)))
            self._call = None
            self._script = keys
            self._keys = iter(keys)
        else:
            raise ValueError(
                "a scripted scheduler needs a list of (sender, receiver, round, phase) keys or a "
                f"callable, got {type(script).__name__}"
            )
        if then is not None:
            then = check_choice("then", then, SCHEDULER_NAMES)
        self._then = make_scheduler(then) if then is not None else None
        self.exhausted = False

    def attach(self, net: NetworkView, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self.exhausted = False
        if self._keys is not None:
            self._keys = iter(self._script)  # a reused scheduler plays its script from the start
        if self._then is not None:
            self._then.attach(net, rng)

    def on_send(self, msg: InFlight) -> None:
        if self._then is not None:
            self._then.on_send(msg)

    def next(self) -> InFlight | None:
        if self.exhausted:
            return self._then.next() if self._then is not None else None
        key: Key | Message | None
        if self._keys is not None:
            key = next(self._keys, None)
        else:
            assert self._call is not None
            key = self._call(self.net)
        if key is None:
            self.exhausted = True
            return self._then.next() if self._then is not None else None
        if isinstance(key, Message):
            key = key.key
        elif self._call is not None:
            key = _callable_key(key)
        msg = self.net.inflight.get(tuple(key))
        if msg is None:
            raise ValueError(
                f"scripted delivery {tuple(key)} (sender, receiver, round, phase) is not in "
                f"flight; in flight now: {sorted(self.net.inflight)[:8]}"
            )
        return msg


def _callable_key(key: object) -> Key:
    """A key returned by a script callable, checked: four whole numbers."""
    if (
        isinstance(key, (Sequence, np.ndarray))
        and not isinstance(key, str)
        and len(key) in (4, 6)  # 6: Bracha's (sender, receiver, round, step, origin, rb)
        and all(is_int(v) for v in key)
    ):
        return tuple(int(v) for v in key)
    raise ValueError(
        "the script callable must return a (sender, receiver, round, phase) tuple of whole "
        f"numbers, a Message, or None to stop; it returned {key!r}"
    )


def make_scheduler(scheduler: object) -> Scheduler:
    """A fresh Scheduler from a name, a Scheduler, a list of delivery keys or a callable."""
    if isinstance(scheduler, Scheduler):
        return scheduler
    if isinstance(scheduler, str):
        table = {"uniform": Uniform, "random_order": RandomOrder, "fifo": Fifo, "split": Split}
        if scheduler not in table:
            options = ", ".join(repr(s) for s in SCHEDULER_NAMES)
            raise ValueError(
                f"scheduler must be one of {options}, a Scripted scheduler, a list of "
                f"deliveries or a callable; got {scheduler!r}"
            )
        return table[scheduler]()
    if callable(scheduler) or isinstance(scheduler, (list, tuple)):
        return Scripted(scheduler)
    raise ValueError(
        f"scheduler must be one of {', '.join(SCHEDULER_NAMES)}, a Scripted scheduler, a list of "
        f"deliveries or a callable; got {type(scheduler).__name__}"
    )
