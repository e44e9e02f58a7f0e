"""The round abstraction: configurations, one process's step computed by the library's
:class:`~benor_lib.protocol.process.Process`, the graph of rounds and its exploration.

See :mod:`benor_lib.impossibility` for why exploring round by round (communication-closed
layers) covers every asynchronous run of the crash-free, crashed-from-the-start and
Byzantine cases. Every path is realised by a concrete delivery script.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

import numpy as np

from benor_lib.protocol.coins import make_coin
from benor_lib.protocol.events import COIN, PROPOSAL, PROPOSE, REPORT
from benor_lib.protocol.process import Process
from benor_lib.protocol.rules import (
    Rules,
)
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import Scripted

VALENCES = ("0-valent", "1-valent", "bivalent", "no decision")
VALENCE_MAX_N = 12
EXHAUSTIVE_MAX_CORRECT = 8
_UNDECIDED = -1
_FREE = -1  # no own message forced into what a process hears
_State = tuple[tuple[int, int], ...]  # (x, decision or -1) per correct process
Key = tuple[int, int, int, int]


# --------------------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """A configuration at a round boundary: each process's x and decision (None: none yet)."""

    xs: tuple[int, ...]
    decisions: tuple[int | None, ...]

    @classmethod
    def initial(cls, inputs: Sequence[int]) -> Config:
        """The configuration before round 1: x = input, nobody decided."""
        xs = tuple(int(v) for v in inputs)
        return cls(xs, (None,) * len(xs))

    @classmethod
    def from_run(cls, run_: Run) -> Config:
        """The configuration a (scripted, stopped) run ended in, read from ``Run.final``."""
        return cls(
            tuple(s.x for s in run_.final),
            tuple(s.decision for s in run_.final),
        )

    def __str__(self) -> str:
        xs = "".join(str(v) for v in self.xs)
        decided = [f"p{p}={d}" for p, d in enumerate(self.decisions) if d is not None]
        return f"x={xs}" + (f" (decided: {', '.join(decided)})" if decided else "")

    def _state(self) -> _State:
        return tuple(
            (int(x), _UNDECIDED if d is None else int(d))
            for x, d in zip(self.xs, self.decisions, strict=True)
        )


def _config(state: _State) -> Config:
    return Config(
        tuple(x for x, _ in state), tuple(None if d == _UNDECIDED else d for _, d in state)
    )


def _as_config(config: object, n: int) -> Config:
    if isinstance(config, Config):
        if len(config.xs) != n:
            raise ValueError(f"config has {len(config.xs)} processes, expected n={n}")
        for i, (x, d) in enumerate(zip(config.xs, config.decisions, strict=True)):
            if x not in (0, 1) or d not in (None, 0, 1):
                raise ValueError(f"config entry {i} must have x in 0/1 and decision None/0/1")
        return config
    if isinstance(config, (Sequence, np.ndarray)) and not isinstance(config, str):
        values = list(config)
        if len(values) != n:
            raise ValueError(f"config must have one value per process ({n}), got {len(values)}")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v not in (0, 1):
                raise ValueError(f"config[{i}] must be 0 or 1, got {v!r}")
        return Config.initial(values)
    raise ValueError(
        f"config must be a Config or a sequence of {n} zeros and ones, got {type(config).__name__}"
    )


# --------------------------------------------------------------------------------------
# One process's step, computed by the library's Process
# --------------------------------------------------------------------------------------


def _never(pid: int, rnd: int, x: int) -> int:
    return 0


@lru_cache(maxsize=4096)
def _proposal(rules: Rules, ones: int) -> int | None:
    """What a process proposes after hearing ``ones`` 1s among its n - t reports."""
    proc = Process(0, rules, 0, _never)
    for s in range(rules.quorum):
        out = proc.receive(s, 1, REPORT, 1 if s < ones else 0)
        for e in out.events:
            if e.kind == PROPOSE:
                return e.value
    raise AssertionError("a process proposes after hearing n - t reports")


def _conclusion(
    rules: Rules, coin: Callable[[int, int, int], int], pid: int, x: int, dec: int, d0: int, d1: int
) -> tuple[int, int, bool]:
    """(new x, decision or -1, whether it flipped) after hearing d0 D(0)s and d1 D(1)s."""
    decided = dec != _UNDECIDED
    proc = Process.resume(
        pid,
        rules,
        x,
        coin,
        phase=PROPOSAL,
        decision=dec if decided else None,
        decision_round=0 if decided else None,
    )
    values = [0] * d0 + [1] * d1 + [None] * (rules.quorum - d0 - d1)
    flipped = False
    for s, v in enumerate(values):
        out = proc.receive(s, 1, PROPOSAL, v)
        flipped = flipped or any(e.kind == COIN for e in out.events)
    return proc.x, (_UNDECIDED if proc.decision is None else proc.decision), flipped


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    if parts == 1:
        yield (total,)
        return
    for k in range(total + 1):
        for rest in _compositions(total - k, parts - 1):
            yield (k, *rest)


def _pkey(v: int | None) -> int:
    return -1 if v is None else v


@dataclass(frozen=True)
class _Move:
    """One round of the abstraction: who proposes what, what each hears, coin values."""

    proposals: tuple[int | None, ...]  # per correct process
    heard: tuple[tuple[int, int], ...]  # (D(0)s, D(1)s) heard in phase 2, per correct process
    coins: tuple[int | None, ...]  # coin value per correct process (None: did not flip)
    result: _State


class _TableScript:
    """A Byzantine script read from a table (receiver, round, phase) -> value."""

    def __init__(self, table: dict[tuple[int, int, int], int | None]) -> None:
        self.table = dict(table)

    def __call__(self, receiver: int, rnd: int, phase: int, xs: Sequence[int]) -> int | None:
        return self.table.get((receiver, rnd, phase), 0 if phase == REPORT else None)


class _Model:
    """The round-by-round abstraction for one fault placement and one coin rule.

    ``hear_own``: every process hears its own message among its n - t (as the uniform and
    split schedulers do); otherwise its own message travels like any other and may be late.
    """

    def __init__(
        self,
        rules: Rules,
        coin: str,
        correct: Sequence[int],
        byz: Sequence[int] = (),
        crashed: Sequence[int] = (),
        hear_own: bool = False,
    ) -> None:
        self.rules, self.coin, self.hear_own = rules, coin, hear_own
        self.n, self.q = rules.n, rules.quorum
        self.correct, self.byz, self.crashed = tuple(correct), tuple(byz), tuple(crashed)
        self.nc, self.nb = len(self.correct), len(self.byz)
        self.alive = tuple(sorted(self.correct + self.byz))
        self.coin_rule = _never if coin == "free" else make_coin(coin, np.random.default_rng(0))[0]
        self.cls = tuple(p % 2 if coin == "pid_parity" else 0 for p in self.correct)
        self._p1: dict[tuple[int, int], dict[int | None, tuple[int, int, int]]] = {}
        self._p2: dict[tuple, dict[tuple[int, int], tuple[int, ...]]] = {}
        self._out: dict[tuple[int, int, int, int, int], list[tuple[int, int, int | None]]] = {}

    @property
    def can_move(self) -> bool:
        """False when fewer than n - t processes send anything: everyone waits forever."""
        return self.nc + self.nb >= self.q

    def key(self, state: _State) -> tuple:
        return tuple(sorted(zip(self.cls, state, strict=True)))

    def phase1(self, ones: int, own: int = _FREE) -> dict[int | None, tuple[int, int, int]]:
        """Proposal -> (Byzantine reports heard, 1s among other correct ones, 1s among
        Byzantine ones), for a process whose own report ``own`` is heard first (or _FREE)."""
        key = (ones, own)
        if key not in self._p1:
            out: dict[int | None, tuple[int, int, int]] = {}
            base = 0 if own == _FREE else 1
            own1 = 1 if own == 1 else 0
            others, ones_o = self.nc - base, ones - own1
            zeros_o = others - ones_o
            for b in range(min(self.nb, self.q - base) + 1):
                c = self.q - base - b
                if c > others:
                    continue
                for a in range(max(0, c - zeros_o), min(c, ones_o) + 1):
                    for ab in range(b + 1):
                        out.setdefault(_proposal(self.rules, own1 + a + ab), (b, a, ab))
            self._p1[key] = out
        return self._p1[key]

    def phase2(
        self, p0: int, p1: int, pq: int, own: int | None = _FREE
    ) -> dict[tuple[int, int], tuple[int, ...]]:
        """(D(0)s, D(1)s) heard -> a witness (b, h0, h1, h?, b0, b1) over the other senders,
        for a process whose own proposal ``own`` is heard first (or _FREE)."""
        key = (p0, p1, pq, own)
        if key not in self._p2:
            out: dict[tuple[int, int], tuple[int, ...]] = {}
            base = 0 if own == _FREE else 1
            e0, e1 = int(own == 0 and base == 1), int(own == 1)
            o0, o1, oq = p0 - e0, p1 - e1, pq - int(own is None)
            others = self.nc - base
            for b in range(min(self.nb, self.q - base) + 1):
                c = self.q - base - b
                if c > others:
                    continue
                for h0 in range(min(o0, c) + 1):
                    for h1 in range(min(o1, c - h0) + 1):
                        hq = c - h0 - h1
                        if hq > oq:
                            continue
                        for b0 in range(b + 1):
                            for b1 in range(b - b0 + 1):
                                pair = (e0 + h0 + b0, e1 + h1 + b1)
                                out.setdefault(pair, (b, h0, h1, hq, b0, b1))
            self._p2[key] = out
        return self._p2[key]

    def outcomes(self, i: int, x: int, dec: int, d0: int, d1: int) -> list:
        """[(new x, decision, coin value or None)] for correct process i hearing d0, d1."""
        cls = self.cls[i]
        key = (cls, x, dec, d0, d1)
        if key not in self._out:
            x2, dec2, flipped = _conclusion(self.rules, self.coin_rule, cls, x, dec, d0, d1)
            res: list[tuple[int, int, int | None]]
            if not flipped:
                res = [(x2, dec2, None)]
            elif self.coin == "free":
                res = [(0, dec2, 0), (1, dec2, 1)]
            else:
                res = [(x2, dec2, x2)]
            self._out[key] = res
        return self._out[key]

    def _own1(self, x: int) -> int:
        return x if self.hear_own else _FREE

    def _own2(self, proposal: int | None) -> int | None:
        return proposal if self.hear_own else _FREE

    def _proposal_vectors(self, state: _State) -> Iterator[tuple[int | None, ...]]:
        """Every proposal vector up to interchangeable processes."""
        ones = sum(x for x, _ in state)
        groups: dict[int, list[int]] = {}
        for i, (x, _) in enumerate(state):
            groups.setdefault(self._own1(x), []).append(i)
        per_group = []
        for own, members in groups.items():
            values = sorted(self.phase1(ones, own), key=_pkey)
            alts = []
            for comp in _compositions(len(members), len(values)):
                assign: list[int | None] = []
                for v, k in zip(values, comp, strict=True):
                    assign += [v] * k
                alts.append(tuple(zip(members, assign, strict=True)))
            per_group.append(alts)
        for combo in itertools.product(*per_group):
            proposals: list[int | None] = [None] * self.nc
            for part in combo:
                for i, v in part:
                    proposals[i] = v
            yield tuple(proposals)

    def successors(self, state: _State) -> Iterator[tuple[_State, _Move]]:
        """Every next configuration (up to interchangeable processes), with a move reaching it."""
        if not self.can_move:
            return
        for props in self._proposal_vectors(state):
            p0, p1 = props.count(0), props.count(1)
            pq = self.nc - p0 - p1
            per: list[dict] = []
            groups: dict[tuple, list[int]] = {}
            for i, (x, dec) in enumerate(state):
                outs: dict[tuple[int, int], tuple[tuple[int, int], int | None]] = {}
                for pair in self.phase2(p0, p1, pq, self._own2(props[i])):
                    for x2, dec2, c in self.outcomes(i, x, dec, *pair):
                        outs.setdefault((x2, dec2), (pair, c))
                per.append(outs)
                groups.setdefault((self.cls[i], tuple(sorted(outs))), []).append(i)
            choices = []
            for (_, options), members in groups.items():
                alts = []
                for comp2 in _compositions(len(members), len(options)):
                    assign: list[tuple[int, int]] = []
                    for o, k in zip(options, comp2, strict=True):
                        assign += [o] * k
                    alts.append(tuple(zip(members, assign, strict=True)))
                choices.append(alts)
            for combo in itertools.product(*choices):
                new: list = [None] * self.nc
                heard: list = [None] * self.nc
                coins: list = [None] * self.nc
                for part in combo:
                    for i, o in part:
                        new[i] = o
                        heard[i], coins[i] = per[i][o]
                nxt = tuple(new)
                yield nxt, _Move(props, tuple(heard), tuple(coins), nxt)

    # --- concrete scripts ---------------------------------------------------------------
    def script(
        self, state: _State, moves: Sequence[_Move], *, fair: bool = False
    ) -> tuple[list[Key], dict[tuple[int, int], int], dict[int, dict], list[int]]:
        """Delivery keys, coin values, Byzantine tables and round-boundary delivery counts."""
        keys: list[Key] = []
        coins: dict[tuple[int, int], int] = {}
        tables: dict[int, dict] = {b: {} for b in self.byz}
        boundaries = [0]
        q, byz, correct, own = self.q, self.byz, self.correct, self.hear_own
        idx = {p: i for i, p in enumerate(correct)}
        for rnd, move in enumerate(moves, start=1):
            ones = [p for p, (x, _) in zip(correct, state, strict=True) if x == 1]
            zeros = [p for p, (x, _) in zip(correct, state, strict=True) if x == 0]
            props = move.proposals
            senders_of = {
                v: [p for p, w in zip(correct, props, strict=True) if w == v] for v in (0, 1, None)
            }
            counts = (len(senders_of[0]), len(senders_of[1]), len(senders_of[None]))
            for phase in (REPORT, PROPOSAL):
                delivered: set[tuple[int, int]] = set()
                for p in self.alive:
                    first = [p] if own else []
                    if p not in idx:
                        senders = first + [s for s in self.alive if s != p][: q - len(first)]
                    elif phase == REPORT:
                        x = state[idx[p]][0]
                        b, a, ab = self.phase1(len(ones), self._own1(x))[props[idx[p]]]
                        c = q - len(first) - b
                        senders = (
                            first
                            + [s for s in ones if s not in first][:a]
                            + [s for s in zeros if s not in first][: c - a]
                            + list(byz[:b])
                        )
                        for j, bz in enumerate(byz[:b]):
                            tables[bz][(p, rnd, phase)] = 1 if j < ab else 0
                    else:
                        pairs = self.phase2(*counts, self._own2(props[idx[p]]))
                        b, h0, h1, hq, b0, b1 = pairs[move.heard[idx[p]]]
                        senders = (
                            first
                            + [s for s in senders_of[0] if s not in first][:h0]
                            + [s for s in senders_of[1] if s not in first][:h1]
                            + [s for s in senders_of[None] if s not in first][:hq]
                            + list(byz[:b])
                        )
                        for j, bz in enumerate(byz[:b]):
                            tables[bz][(p, rnd, phase)] = (
                                0 if j < b0 else (1 if j < b0 + b1 else None)
                            )
                        coin = move.coins[idx[p]]
                        if coin is not None:
                            coins[(p, rnd)] = coin
                    for s in senders:
                        keys.append((s, p, rnd, phase))
                        delivered.add((s, p))
                if fair:
                    for p in self.alive:
                        for s in self.alive:
                            if (s, p) not in delivered:
                                keys.append((s, p, rnd, phase))
            boundaries.append(len(keys))
            state = move.result
        return keys, coins, tables, boundaries

    def simulate(
        self,
        state: _State,
        moves: Sequence[_Move],
        *,
        fair: bool = False,
        coin: object = None,
    ) -> tuple[Run, list[int]]:
        """Run the moves through :func:`benor_lib.run`; also return the round boundaries."""
        keys, coins, tables, boundaries = self.script(state, moves, fair=fair)
        inputs = [0] * self.n
        for p, (x, _) in zip(self.correct, state, strict=True):
            inputs[p] = x
        faults: list = [Crash(p) for p in self.crashed]
        faults += [Byzantine(b, "scripted", script=_TableScript(tables[b])) for b in self.byz]
        if coin is None:
            coin = coins if self.coin == "free" else self.coin
        result = run(
            self.n,
            self.rules.t,
            inputs,
            variant=self.rules.variant,
            rules=self.rules,
            scheduler=Scripted(keys),
            faults=faults,
            coin=coin,
            max_rounds=len(moves) + 2,
            allow_unsafe=True,
        )
        return result, boundaries


def _decmask(state: _State) -> int:
    mask = 0
    for _, d in state:
        if d != _UNDECIDED:
            mask |= 1 << d
    return mask


def _all_decided(state: _State) -> bool:
    return all(d != _UNDECIDED for _, d in state)


@dataclass
class _Graph:
    """Explored configurations: canonical key -> a concrete representative and successors."""

    model: _Model
    rep: dict = field(default_factory=dict)
    succ: dict = field(default_factory=dict)
    parent: dict = field(default_factory=dict)  # key -> (parent key, move) on a shortest path
    depth: dict = field(default_factory=dict)
    complete: bool = True


def _explore(
    model: _Model,
    starts: Sequence[_State],
    *,
    max_states: int = 200_000,
    deadline: float | None = None,
    stop: Callable[[_State], bool] | None = None,
    tag: Callable[[_State], object] | None = None,
) -> _Graph:
    """Breadth-first exploration of every configuration reachable from ``starts``.

    ``tag`` adds a label to the canonical key (the validity flag). States for which ``stop``
    is true are recorded but not expanded.
    """
    g = _Graph(model)

    def key_of(state: _State, label: object) -> tuple:
        return (label, model.key(state))

    queue: deque = deque()
    for s in starts:
        label = tag(s) if tag else None
        k = key_of(s, label)
        if k not in g.rep:
            g.rep[k], g.parent[k], g.depth[k] = s, None, 0
            queue.append(k)
    while queue:
        k = queue.popleft()
        state = g.rep[k]
        if _all_decided(state) or (stop is not None and stop(state)):
            g.succ[k] = ()
            continue
        if len(g.rep) > max_states or (deadline is not None and time.perf_counter() > deadline):
            g.complete = False
            break
        nexts = set()
        for nxt, move in model.successors(state):
            k2 = key_of(nxt, k[0])
            nexts.add(k2)
            if k2 not in g.rep:
                g.rep[k2], g.parent[k2], g.depth[k2] = nxt, (k, move), g.depth[k] + 1
                queue.append(k2)
        g.succ[k] = tuple(nexts)
    return g


def _path(g: _Graph, k: tuple) -> tuple[_State, list[_Move]]:
    root, moves = _walk_back(g.parent, k)
    return g.rep[root], moves


_K = TypeVar("_K")


def _walk_back(parent: Mapping[_K, tuple[_K, _Move] | None], k: _K) -> tuple[_K, list[_Move]]:
    """Follow ``parent`` links from ``k`` back to a start (whose parent is None): the start,
    and the moves that lead from it to ``k``."""
    moves: list[_Move] = []
    link = parent[k]
    while link is not None:
        k, move = link
        moves.append(move)
        link = parent[k]
    moves.reverse()
    return k, moves
