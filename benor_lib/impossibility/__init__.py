"""Impossibility made visible: the valence explorer, the endless-run finder, the break-it search.

The abstraction
---------------
Ben-Or's processes are *communication-closed*: in round r, phase k a process acts on exactly
the first n - t messages of that round and phase it receives, keeps messages of later rounds
and phases for later, and ignores late messages of earlier ones. So when no process halts,
every asynchronous run is equivalent, process by process, to one delivered round by round
and phase by phase (Elrad and Francez's communication-closed layers): each process's view,
and so everything it does, depends only on *which* n - t messages it hears in each phase.
This module explores exactly that choice, and nothing finer.

A *configuration* is the state at a round boundary: for every correct process its x and its
decision (if any). One step of the explorer is one round:

* phase 1: the adversary picks, for every process, n - t of the reports of the round
  (Byzantine processes may send a different value to each process); only how many 0s and 1s
  a process hears matters, so the choice is a count;
* phase 2: likewise for the proposals, D(0), D(1) and ``?``;
* a process that hears no D-message flips its coin: a deterministic rule ("keep", "zero",
  "pid_parity") gives one value; a real coin gives either (both are explored, nature's
  choice).

What each process does with the counts it hears is computed by the library's own
:class:`~benor_lib.protocol.process.Process`, fed the corresponding messages, so the explorer can
never disagree with the simulator. Processes whose future behaviour is the same (equal x and
decision, and equal pid parity under "pid_parity") are interchangeable, so configurations
are merged up to such permutations; the graph is finite and is explored to a fixpoint (or,
for the valence classification, to ``max_rounds`` rounds). A configuration is *0-valent* or
*1-valent* when every decision reachable from it is 0 (or 1), *bivalent* when both are
reachable, and "no decision" when none is.

Every path of the graph is realised by a concrete delivery script: each process is handed
the n - t messages the path says it hears, in that order (optionally followed by every other
message of the phase, which then arrives late and is ignored, so that the schedule is fair).
Scripts run through :func:`benor_lib.run` with the :class:`~benor_lib.Scripted` scheduler,
so every configuration, endless run and counterexample reported here is a replayable
:class:`~benor_lib.Run`.

The abstraction covers crash-free runs, processes crashed from the start, and Byzantine
processes, under the default policy (decided processes keep running). Crashes in the middle
of a broadcast and the halting policies are outside it; :func:`find_violation` covers those
by random search over concrete runs with many schedulers, crash points and Byzantine scripts.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from benor_lib.protocol.coins import COIN_NAMES, DETERMINISTIC_COINS, make_coin
from benor_lib.protocol.process import Process
from benor_lib.protocol.rules import (
    DECIDED_POLICIES,
    VARIANTS,
    Rules,
    bound_holds,
    check_choice,
    check_int,
    check_n_t,
    check_rules,
    make_rng,
    standard_rules,
)
from benor_lib.protocol.validate import check_bool, check_budget
from benor_lib.simulation.checks import check_agreement, check_validity
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.schedulers import Scheduler, Scripted
from benor_lib.simulation.trace import (
    COIN,
    DECIDE,
    DELIVER,
    PROPOSAL,
    PROPOSE,
    REPORT,
    Message,
    Run,
)

__all__ = [
    "VALENCES",
    "Config",
    "Counterexample",
    "Demonstration",
    "Lasso",
    "NoViolation",
    "ValenceReport",
    "adversary_success",
    "classify",
    "classify_model",
    "demonstrate",
    "explore_valence",
    "find_endless_run",
    "find_violation",
    "static_termination_reason",
]

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
    proc = Process(pid, rules, x, coin)
    proc.phase = PROPOSAL
    if dec != _UNDECIDED:
        proc.decision, proc.decision_round = dec, 0
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
    moves: list[_Move] = []
    while g.parent[k] is not None:
        k, move = g.parent[k]
        moves.append(move)
    moves.reverse()
    return g.rep[k], moves


# --------------------------------------------------------------------------------------
# 1. Valence explorer
# --------------------------------------------------------------------------------------


def _check_deterministic_coin(coin: object) -> str:
    if coin not in DETERMINISTIC_COINS:
        options = ", ".join(repr(c) for c in DETERMINISTIC_COINS)
        raise ValueError(
            f"coin must be a deterministic rule ({options}) for the valence explorer, got "
            f"{coin!r}; with a real coin no configuration is stuck (see adversary_success)"
        )
    return str(coin)


_check_bool = check_bool


def _valence_rules(n: object, t: object, variant: object, rules: object, allow_unsafe: object):
    n, t = check_n_t(n, t)
    check_int("n", n, 1, VALENCE_MAX_N)
    variant = check_choice("variant", variant, VARIANTS)
    allow_unsafe = _check_bool("allow_unsafe", allow_unsafe)
    if rules is None:
        return standard_rules(n, t, variant, allow_unsafe=allow_unsafe)
    return check_rules(rules, n, t)


def _label(mask: int) -> str:
    return {0: "no decision", 1: "0-valent", 2: "1-valent", 3: "bivalent"}[mask]


@dataclass(frozen=True)
class ValenceReport:
    """Valence of every configuration reachable from the 2^n initial ones (crash-free runs).

    ``initial`` maps each input vector to its valence; ``bivalent_initial`` lists the bivalent
    ones; ``exact`` says whether the classification is the unbounded one (a fixpoint was
    reached within ``max_rounds``); ``always_bivalent_successor`` whether every reachable
    bivalent configuration has a bivalent successor (the adversary's move in FLP's proof).
    """

    n: int
    t: int
    coin: str
    rules: Rules
    max_rounds: int | None
    exact: bool
    hear_own: bool
    states: int
    initial: dict[tuple[int, ...], str]
    bivalent_initial: list[tuple[int, ...]]
    always_bivalent_successor: bool
    _graph: _Graph = field(repr=False, compare=False)
    _mask: dict = field(repr=False, compare=False)

    def classify(self, config: object) -> str:
        """The valence of ``config`` (a Config, or n inputs for an initial configuration)."""
        state = _as_config(config, self.n)._state()
        return _label(self._mask_of(state))

    def _mask_of(self, state: _State) -> int:
        k = (None, self._graph.model.key(state))
        if k in self._mask:
            return self._mask[k]
        return _valence_masks(self._graph.model, [state], self.max_rounds)[0][k]

    def successors(self, config: object) -> list[tuple[Config, str]]:
        """Every next configuration (up to interchangeable processes) and its valence."""
        state = _as_config(config, self.n)._state()
        seen: dict[tuple, tuple[Config, str]] = {}
        for nxt, _ in self._graph.model.successors(state):
            k = self._graph.model.key(nxt)
            if k not in seen:
                seen[k] = (_config(nxt), _label(self._mask_of(nxt)))
        return list(seen.values())

    def bivalent_successor(self, config: object) -> Config | None:
        """A bivalent configuration one round after ``config`` (a different one when there is
        one), or None if the adversary has no move that keeps both outcomes open."""
        state = _as_config(config, self.n)._state()
        same = None
        for nxt, _ in self._graph.model.successors(state):
            if self._mask_of(nxt) == 3:
                if nxt != state:
                    return _config(nxt)
                same = nxt
        return None if same is None else _config(same)

    def bivalent_chain(self, start: object = None, rounds: int = 5) -> list[Config]:
        """Bivalent configurations one round apart, from ``start`` (default: the first
        bivalent initial configuration), for ``rounds`` rounds or until there is no move."""
        rounds = check_int("rounds", rounds, 0)
        if start is None:
            if not self.bivalent_initial:
                raise ValueError(f"no bivalent initial configuration with coin={self.coin!r}")
            start = self.bivalent_initial[0]
        cfg = _as_config(start, self.n)
        if self.classify(cfg) != "bivalent":
            raise ValueError(f"the start configuration {cfg} is {self.classify(cfg)}")
        chain = [cfg]
        for _ in range(rounds):
            nxt = self.bivalent_successor(chain[-1])
            if nxt is None:
                break
            chain.append(nxt)
        return chain

    def deciding_run(self, inputs: Sequence[int], value: int) -> Run | None:
        """A replayable run from ``inputs`` in which some process decides ``value`` (the
        shortest in rounds), or None when no schedule leads there."""
        value = check_int("value", value, 0, 1)
        start = _as_config(inputs, self.n)._state()
        model = self._graph.model
        parent: dict[_State, tuple[_State, _Move] | None] = {start: None}
        queue = deque([start])
        while queue:
            s = queue.popleft()
            if _decmask(s) & (1 << value):
                moves: list[_Move] = []
                while parent[s] is not None:
                    s, m = parent[s]
                    moves.append(m)
                return model.simulate(start, moves[::-1])[0]
            if _all_decided(s):
                continue
            for nxt, move in model.successors(s):
                if nxt not in parent:
                    parent[nxt] = (s, move)
                    queue.append(nxt)
        return None

    def table(self) -> list[dict[str, object]]:
        """One row per input vector: inputs, number of 1s, valence."""
        return [
            {"inputs": "".join(map(str, xs)), "ones": sum(xs), "valence": v}
            for xs, v in sorted(self.initial.items(), key=lambda kv: (sum(kv[0]), kv[0]))
        ]

    def counts(self) -> dict[str, int]:
        """How many of the 2^n initial configurations have each valence."""
        out = dict.fromkeys(VALENCES, 0)
        for v in self.initial.values():
            out[v] += 1
        return out

    def summary(self) -> str:
        """A few sentences for the book."""
        c = self.counts()
        bound = "with no round bound" if self.exact else f"within {self.max_rounds} rounds"
        parts = ", ".join(f"{k} {v}" for v, k in c.items() if k)
        text = (
            f"n={self.n}, t={self.t}, coin rule {self.coin!r}: of the {2**self.n} initial "
            f"configurations {parts} (classified {bound}, {self.states} configurations "
            "explored" + (", every process hearing its own message" if self.hear_own else "") + ")."
        )
        if self.bivalent_initial:
            first = "".join(map(str, self.bivalent_initial[0]))
            text += f" Inputs {first} are bivalent: the adversary alone decides the outcome. " + (
                "From every reachable bivalent configuration it has a move to another "
                "bivalent one, so it can postpone a decision forever."
                if self.always_bivalent_successor
                else "Some bivalent configuration has no bivalent successor."
            )
        else:
            text += " No initial configuration is bivalent."
        return text


def _valence_masks(
    model: _Model, starts: Sequence[_State], max_rounds: int | None
) -> tuple[dict, _Graph, bool]:
    g = _explore(model, starts)
    mask = {k: _decmask(s) for k, s in g.rep.items()}
    limit = len(mask) + 1 if max_rounds is None else max_rounds
    exact = False
    for _ in range(limit):
        new = {}
        for k, m in mask.items():
            for k2 in g.succ.get(k, ()):
                m |= mask[k2]
            new[k] = m
        if new == mask:
            exact = True
            break
        mask = new
    else:
        # one more sweep tells whether the bounded classification is already the fixpoint
        exact = all(mask[k] | _or(mask[k2] for k2 in g.succ.get(k, ())) == mask[k] for k in mask)
    return mask, g, exact


def _or(values: Iterator[int]) -> int:
    out = 0
    for v in values:
        out |= v
    return out


def explore_valence(
    n: int,
    t: int,
    coin: str = "keep",
    *,
    max_rounds: int | None = None,
    variant: str = "crash",
    rules: Rules | None = None,
    allow_unsafe: bool = False,
    hear_own: bool = False,
) -> ValenceReport:
    """Classify every reachable configuration of a deterministic variant as 0-valent,
    1-valent, bivalent or "no decision", over all round-by-round adversary choices.

    ``coin`` replaces the coin by a deterministic rule ("keep", "zero", "pid_parity").
    ``max_rounds=None`` gives the unbounded classification; an int bounds how many rounds
    ahead decisions are looked for. ``hear_own=True`` restricts the adversary to schedules in
    which every process hears its own message (as the uniform and split schedulers do); by
    default its own message may be late like any other. n is at most ``VALENCE_MAX_N``.
    """
    coin = _check_deterministic_coin(coin)
    rules = _valence_rules(n, t, variant, rules, allow_unsafe)
    if max_rounds is not None:
        max_rounds = check_int("max_rounds", max_rounds, 1)
    n = rules.n
    model = _Model(rules, coin, range(n), hear_own=_check_bool("hear_own", hear_own))
    inputs = list(itertools.product((0, 1), repeat=n))
    starts = [Config.initial(xs)._state() for xs in inputs]
    mask, g, exact = _valence_masks(model, starts, max_rounds)
    initial = {xs: _label(mask[(None, model.key(s))]) for xs, s in zip(inputs, starts, strict=True)}
    always = True
    for k, m in mask.items():
        if m == 3 and not any(mask[k2] == 3 for k2 in g.succ.get(k, ())):
            always = False
            break
    return ValenceReport(
        n=n,
        t=rules.t,
        coin=coin,
        rules=rules,
        max_rounds=max_rounds,
        exact=exact,
        hear_own=model.hear_own,
        states=len(g.rep),
        initial=initial,
        bivalent_initial=[xs for xs in inputs if initial[xs] == "bivalent"],
        always_bivalent_successor=always,
        _graph=g,
        _mask=mask,
    )


def classify(
    config: object,
    n: int,
    t: int,
    coin: str = "keep",
    *,
    max_rounds: int | None = None,
    variant: str = "crash",
    rules: Rules | None = None,
    allow_unsafe: bool = False,
    hear_own: bool = False,
) -> str:
    """The valence of one configuration ("0-valent", "1-valent", "bivalent", "no decision").

    ``config``: a :class:`Config`, or n inputs for an initial configuration.
    """
    coin = _check_deterministic_coin(coin)
    rules = _valence_rules(n, t, variant, rules, allow_unsafe)
    if max_rounds is not None:
        max_rounds = check_int("max_rounds", max_rounds, 1)
    state = _as_config(config, rules.n)._state()
    model = _Model(rules, coin, range(rules.n), hear_own=_check_bool("hear_own", hear_own))
    mask, _, _ = _valence_masks(model, [state], max_rounds)
    return _label(mask[(None, model.key(state))])


# --------------------------------------------------------------------------------------
# 2. Endless runs (deterministic coin) and the adversary's chances (real coin)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lasso:
    """A schedule under which no process ever decides: a prefix, then a cycle repeated forever.

    ``prefix`` lists the configurations at the start of the rounds before the cycle (the
    first is the initial one), ``cycle`` those at the start of each round of the cycle;
    after the cycle's last round the configuration is ``cycle[0]`` again. ``bivalent``: every
    configuration on the lasso is bivalent (the adversary could let either value win).
    """

    n: int
    t: int
    coin: str
    rules: Rules
    inputs: tuple[int, ...]
    prefix: tuple[Config, ...]
    cycle: tuple[Config, ...]
    bivalent: bool
    _model: _Model = field(repr=False, compare=False)
    _moves: tuple[_Move, ...] = field(repr=False, compare=False)

    def _moves_for(self, cycles: int) -> list[_Move]:
        cycles = check_int("cycles", cycles, 0)
        k = len(self.prefix)
        return list(self._moves[:k]) + list(self._moves[k:]) * cycles

    def script(self, cycles: int = 1) -> list[Key]:
        """The (sender, receiver, round, phase) deliveries of the prefix and ``cycles`` cycles.

        Every message of a phase is delivered: the n - t chosen ones first, the rest late
        (the receiver ignores them), so the infinite schedule is fair.
        """
        start = Config.initial(self.inputs)._state()
        return self._model.script(start, self._moves_for(cycles), fair=True)[0]

    def replay(self, cycles: int = 1) -> Run:
        """Run the prefix and ``cycles`` cycles through :func:`benor_lib.run` (Scripted)."""
        start = Config.initial(self.inputs)._state()
        return self._model.simulate(start, self._moves_for(cycles), fair=True)[0]

    def configurations(self, cycles: int = 1) -> list[Config]:
        """The configurations actually seen at each round boundary of :meth:`replay`, read
        back from the simulator by replaying each prefix (``Run.replay(upto=...)``)."""
        start = Config.initial(self.inputs)._state()
        full, bounds = self._model.simulate(start, self._moves_for(cycles), fair=True)
        return [Config.from_run(full.replay(upto=b)) for b in bounds]

    def explain(self) -> str:
        """Plain sentences: what the adversary does and why nobody decides."""
        ins = "".join(map(str, self.inputs))
        cyc = " -> ".join(str(c) for c in self.cycle) + f" -> {self.cycle[0]}"
        kind = "bivalent " if self.bivalent else ""
        k, c = len(self.prefix), len(self.cycle)
        reach = (
            f"starts in the {kind}configuration {self.cycle[0]}"
            if k == 0
            else f"spends {k} round{'s' if k > 1 else ''} reaching the {kind}configuration "
            f"{self.cycle[0]}"
        )
        return (
            f"With the coin replaced by the rule {self.coin!r}, n={self.n}, t={self.t} and "
            f"inputs {ins}, the run {reach}, and the adversary then repeats a cycle of {c} "
            f"round{'s' if c > 1 else ''}: {cyc}. Nobody ever decides, no process crashes, "
            "and every message is delivered: the adversary only chooses which n - t messages "
            "each process hears first."
        )


def find_endless_run(
    n: int,
    t: int,
    *,
    coin: str = "keep",
    inputs: Sequence[int] | None = None,
    variant: str = "crash",
    rules: Rules | None = None,
    allow_unsafe: bool = False,
    hear_own: bool = False,
) -> Lasso:
    """A crash-free schedule under which a deterministic variant never decides, as a lasso.

    It stays among bivalent configurations when it can (FLP's argument made concrete), and
    otherwise among configurations without a decision. ``inputs=None`` picks the inputs with
    the shortest such lasso, bivalent ones first; ``hear_own`` as in :func:`explore_valence`.
    Raises ValueError when every schedule from
    the given inputs decides.
    """
    coin = _check_deterministic_coin(coin)
    rules = _valence_rules(n, t, variant, rules, allow_unsafe)
    n = rules.n
    model = _Model(rules, coin, range(n), hear_own=_check_bool("hear_own", hear_own))
    all_inputs = list(itertools.product((0, 1), repeat=n))
    if inputs is not None:
        starts_in = [tuple(int(v) for v in _as_config(inputs, n).xs)]
    else:  # one input vector per class of interchangeable ones
        by_key: dict[tuple, tuple[int, ...]] = {}
        for xs in all_inputs:
            by_key.setdefault(model.key(Config.initial(xs)._state()), xs)
        starts_in = sorted(by_key.values(), key=lambda xs: (sum(xs), xs))
    mask, _, _ = _valence_masks(model, [Config.initial(x)._state() for x in all_inputs], None)

    def bivalent(state: _State) -> bool:
        k = (None, model.key(state))
        if k not in mask:
            mask.update(_valence_masks(model, [state], None)[0])
        return mask[k] == 3

    def undecided(state: _State) -> bool:
        return _decmask(state) == 0

    for allowed, is_bivalent in ((bivalent, True), (undecided, False)):
        best = None
        for xs in starts_in:
            start = Config.initial(xs)._state()
            if not allowed(start):
                continue
            found = _shortest_lasso(model, start, allowed)
            if found is not None and (best is None or len(found[1]) < len(best[2])):
                best = (xs, found[0], found[1])
        if best is not None:
            xs, entry, moves = best
            states = [Config.initial(xs)._state()] + [m.result for m in moves]
            return Lasso(
                n=n,
                t=rules.t,
                coin=coin,
                rules=rules,
                inputs=tuple(xs),
                prefix=tuple(_config(s) for s in states[:entry]),
                cycle=tuple(_config(s) for s in states[entry:-1]),
                bivalent=is_bivalent,
                _model=model,
                _moves=tuple(moves),
            )
    which = "".join(map(str, starts_in[0])) if inputs is not None else "any inputs"
    raise ValueError(
        f"every schedule from {which} reaches a decision (n={n}, t={rules.t}, coin={coin!r}): "
        "there is no endless run to show"
    )


def _shortest_lasso(
    model: _Model, start: _State, allowed: Callable[[_State], bool], max_nodes: int = 20_000
) -> tuple[int, list[_Move]] | None:
    """(index where the cycle starts, moves of prefix + cycle) on concrete configurations."""
    edges: dict[_State, list[tuple[_State, _Move]]] = {}

    def succ(s: _State) -> list[tuple[_State, _Move]]:
        if s not in edges:
            out, seen = [], set()
            for nxt, move in model.successors(s):
                if nxt not in seen and allowed(nxt):
                    seen.add(nxt)
                    out.append((nxt, move))
            edges[s] = out
        return edges[s]

    parent: dict[_State, tuple[_State, _Move] | None] = {start: None}
    order = [start]
    queue = deque([start])
    while queue and len(parent) < max_nodes:
        s = queue.popleft()
        for nxt, move in succ(s):
            if nxt not in parent:
                parent[nxt] = (s, move)
                order.append(nxt)
                queue.append(nxt)
    best: tuple[int, int, list[_Move]] | None = None
    for v in order:
        prefix: list[_Move] = []
        u = v
        while parent[u] is not None:
            u, m = parent[u]
            prefix.append(m)
        prefix.reverse()
        if best is not None and len(prefix) >= best[0] + len(best[2]):
            break
        back: dict[_State, tuple[_State, _Move] | None] = {}
        queue2 = deque()
        for nxt, move in succ(v):
            if nxt not in back:
                back[nxt] = (v, move)
                queue2.append(nxt)
        cycle = None
        while queue2 and len(back) < max_nodes:
            s = queue2.popleft()
            if s == v:
                cycle = []
                while True:
                    p, m = back[s]
                    cycle.append(m)
                    s = p
                    if s == v:
                        break
                cycle.reverse()
                break
            for nxt, move in succ(s):
                if nxt not in back:
                    back[nxt] = (s, move)
                    queue2.append(nxt)
        if cycle is not None:
            total = len(prefix) + len(cycle)
            if best is None or total < len(best[2]):
                best = (len(prefix), total, prefix + cycle)
    if best is None:
        return None
    return best[0], best[2]


def adversary_success(
    n: int,
    t: int,
    rounds: int,
    *,
    inputs: object = "random",
    method: str = "auto",
    runs: int = 2000,
    seed: int = 0,
) -> np.ndarray:
    """P(the split adversary keeps the run undecided through round r), r = 1..``rounds``,
    when the coins are real (crash variant, no crashes, decided processes keep running).

    ``method``: "exact" (:func:`benor_lib.distributions.exact.exact_rounds`), "monte_carlo" (``runs``
    runs of :func:`benor_lib.run` with a fixed ``seed``), or "auto" (exact when possible).
    """
    n, t = check_n_t(n, t)
    rounds = check_int("rounds", rounds, 1, 100_000)
    method = check_choice("method", method, ("auto", "exact", "monte_carlo"))
    runs = check_int("runs", runs, 1)
    if not bound_holds(n, t, "crash"):
        raise ValueError(f"the crash variant needs n > 2t, got n={n}, t={t}")
    exact_rounds = None
    if method != "monte_carlo":
        try:
            from benor_lib.distributions.exact import EXACT_MAX_N, exact_rounds
        except ImportError:  # pragma: no cover - exact.py is part of the package
            if method == "exact":
                raise ValueError("exact computation is not available") from None
        else:
            if n > EXACT_MAX_N:
                if method == "exact":
                    raise ValueError(f"exact computation needs n <= {EXACT_MAX_N}, got n={n}")
                exact_rounds = None
    if exact_rounds is not None:
        p = exact_rounds(n, t, inputs=inputs, scheduler="split", max_rounds=rounds)
        return np.clip(1.0 - np.cumsum(p), 0.0, 1.0)
    rng = make_rng(seed)
    counts = np.zeros(rounds)
    for s in rng.integers(0, 2**31, size=runs):
        r = run(n, t, inputs, scheduler="split", coin="local", seed=int(s), max_rounds=rounds)
        done = r.rounds if r.status == "decided" else rounds + 1
        counts[: done - 1] += 1
    return counts / runs


# --------------------------------------------------------------------------------------
# 3. Break-it search
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counterexample:
    """A run that breaks agreement, validity or termination, replayable with ``run.replay()``.

    For "agreement" and "validity", ``run.violations`` contains that kind. For "termination"
    either ``run.status`` is "blocked" (a correct process waits forever), or the run reaches
    ``dead_config``, a configuration from which no choice of deliveries, coins (and Byzantine
    messages) leads to a decision: ``proof`` says why. ``tried``: concrete runs simulated by the
    search; ``explored``: abstract configurations examined.
    """

    kind: str
    run: Run
    tried: int
    explored: int
    elapsed: float
    found_by: str
    message: str
    dead_config: Config | None = None
    proof: str = ""
    _model: _Model | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return True

    @property
    def deliveries(self) -> int:
        """Length of the run in deliveries."""
        return sum(1 for e in self.run.trace if e.kind == DELIVER)

    def reproduces(self) -> bool:
        """Replay the run and check that it shows the same violation."""
        again = self.run.replay()
        if self.kind != "termination":
            return any(v.kind == self.kind for v in again.violations)
        if self.dead_config is None:
            return again.status == "blocked"
        model = self._model
        assert model is not None
        cfg = Config.from_run(again)
        state = tuple(cfg._state()[p] for p in model.correct)
        return state == self.dead_config._state() and not _decision_reachable(model, state)

    def explain(self) -> str:
        """One or two plain sentences: what broke, where, and how it was found."""
        r = self.run
        rules = r.rules
        what = _rules_phrase(rules)
        faults = f" with {_fault_phrase(r)}" if r.faulty else ""
        rounds = [r.decision_rounds[p] for p in r.decisions] if self.kind != "termination" else []
        k = self.deliveries
        where = f"{k} deliver{'y' if k == 1 else 'ies'}" + (
            f", decisions by round {max(rounds)}" if rounds else ""
        )
        if self.kind == "termination" and self.dead_config is not None:
            body = f"Termination fails: {self.proof}"
        elif self.kind == "termination":
            body = f"Termination fails: {r.reason}."
        else:
            body = f"{self.kind.capitalize()} fails: {self.message}."
        return (
            f"{body} ({where}; {what}{faults}; policy {r.decided_policy}; found by "
            f"{self.found_by} after {self.tried} run(s) tried and {self.explored} "
            "configuration(s) explored.)"
        )


@dataclass(frozen=True)
class NoViolation:
    """The break-it search found nothing. It is falsy; ``tried`` says how many runs it tried.

    ``exhaustive``: the round-by-round abstraction was explored completely and has no
    violating configuration (so only crashes mid-broadcast or halting policies could break it).
    """

    tried: int
    explored: int
    elapsed: float
    exhaustive: bool
    setting: str
    kind: None = None
    run: None = None

    def __bool__(self) -> bool:
        return False

    def explain(self) -> str:
        """One plain sentence: what was searched and that nothing broke."""
        ex = (
            f" and every one of the {self.explored} round-by-round configurations reachable "
            "under any choice of deliveries and coins"
            if self.exhaustive
            else ""
        )
        return (
            f"No violation of agreement, validity or termination found for {self.setting}: "
            f"{self.tried} random run(s){ex} checked in {self.elapsed:.2f} s."
        )


def _rules_phrase(rules: Rules) -> str:
    std = standard_rules(rules.n, rules.t, rules.variant, allow_unsafe=True)
    changes = []
    names = {
        "quorum": "wait for {} messages",
        "d_twice": "send D when 2*count > {}",
        "adopt_min": "adopt on >= {} D",
        "decide_twice": "decide when 2*count(D) > {}",
    }
    for f, text in names.items():
        if getattr(rules, f) != getattr(std, f):
            changes.append(f"{text.format(getattr(rules, f))} (standard: {getattr(std, f)})")
    base = f"{rules.variant} variant, n={rules.n}, t={rules.t}"
    return base + (", " + ", ".join(changes) if changes else "")


def _fault_phrase(r: Run) -> str:
    return ", ".join(f"p{p} {d}" for p, d in sorted(r.faulty.items()))


def static_termination_reason(rules: Rules, q: int | None = None) -> str:
    """Why no process can ever decide under ``rules`` when each hears ``q`` messages (the
    quorum by default), or "" when the thresholds alone do not rule a decision out."""
    q = rules.quorum if q is None else q
    reasons = []
    if not rules.sends_d(q):
        reasons.append(
            f"a D-message needs more than {rules.d_twice / 2:g} equal reports but a process "
            f"hears only {q}"
        )
    if not rules.decides(q):
        reasons.append(
            f"deciding needs more than {rules.decide_twice / 2:g} D-messages but a process "
            f"hears only {q} proposals"
        )
    return "; ".join(reasons)


def _decision_reachable(model: _Model, state: _State) -> bool:
    """True when some choice of deliveries and coins makes every correct process decide."""
    g = _explore(model, [state])
    if not g.complete:
        return True
    return any(_all_decided(s) for s in g.rep.values())


def _safety(state: _State, flag: int) -> str | None:
    mask = _decmask(state)
    if mask == 3:
        return "agreement"
    if flag >= 0 and mask & (1 << (1 - flag)):
        return "validity"
    return None


def _violation_message(r: Run, kind: str) -> str:
    for v in r.violations:
        if v.kind == kind:
            return v.message
    return r.reason


def _exhaustive(
    rules: Rules,
    crashes: int,
    byzantine: int,
    deadline: float,
    max_states: int,
    prefer_mixed: bool = False,
) -> tuple[list[tuple[str, Run, _Model, _State | None, str]], int, bool]:
    """Search the round-by-round abstraction, real coins as free choices.

    Returns candidate (kind, run, model, dead state, proof), configurations explored, and
    whether every model was explored completely. ``prefer_mixed``: among equally short
    agreement violations, take one from mixed inputs (so validity is not broken too).
    """
    n = rules.n
    found = []
    explored, complete = 0, True
    byz = tuple(range(n - byzantine, n))
    for k in range(crashes + 1):
        crashed = tuple(range(n - byzantine - k, n - byzantine))
        correct = tuple(range(n - byzantine - k))
        if len(correct) > EXHAUSTIVE_MAX_CORRECT:
            complete = False
            continue
        model = _Model(rules, "free", correct, byz, crashed)
        if not model.can_move:
            # fewer than n - t processes send anything: every run blocks at once
            blocked = run(
                n,
                rules.t,
                [0] * n,
                variant=rules.variant,
                rules=rules,
                scheduler="fifo",
                faults=[Crash(p) for p in crashed]
                + [Byzantine(b, "scripted", script=_TableScript({})) for b in byz],
                allow_unsafe=True,
            )
            if blocked.status == "blocked":
                found.append(("termination", blocked, model, None, ""))
            continue
        nc = model.nc
        starts = [((1, _UNDECIDED),) * s + ((0, _UNDECIDED),) * (nc - s) for s in range(nc + 1)]

        def tag(state: _State, nc: int = nc) -> int:
            s = sum(x for x, _ in state)
            return 0 if s == 0 else (1 if s == nc else -1)

        first: dict[str, tuple] = {}

        def stop(state: _State) -> bool:
            return _decmask(state) == 3

        g = _explore(model, starts, max_states=max_states, deadline=deadline, stop=stop, tag=tag)
        explored += len(g.rep)
        complete = complete and g.complete
        for key in sorted(g.rep, key=lambda k: (g.depth[k], prefer_mixed and k[0] != -1)):
            kind = _safety(g.rep[key], key[0])
            if kind is not None and kind not in first:
                first[kind] = key
        if g.complete:
            # configurations from which no all-decided (or violating) one is reachable
            good = {k for k, s in g.rep.items() if _all_decided(s) or _safety(s, k[0])}
            back: dict[tuple, list[tuple]] = {}
            for k, nexts in g.succ.items():
                for k2 in nexts:
                    back.setdefault(k2, []).append(k)
            queue = deque(good)
            while queue:
                k2 = queue.popleft()
                for k in back.get(k2, ()):
                    if k not in good:
                        good.add(k)
                        queue.append(k)
            dead = [k for k in g.rep if k not in good]
            if dead:
                first["termination"] = min(dead, key=g.depth.__getitem__)
        for kind, key in first.items():
            start, moves = _path(g, key)
            dead_state = None
            if kind == "termination":
                dead_state = g.rep[key]
                if not moves:  # show one round, so the reader sees why nothing happens
                    nxt, move = next(iter(model.successors(start)))
                    moves, dead_state = [move], nxt
            r, _ = model.simulate(start, moves)
            proof = ""
            if kind == "termination":
                static = static_termination_reason(rules, model.q)
                proof = (
                    f"after round {len(moves)} the configuration is "
                    f"{_config(dead_state)}, and from it no choice of deliveries"
                    f"{', coins or Byzantine messages' if byzantine else ' or coins'} "
                    "leads to a decision"
                    + (f" ({static})" if static else " (every reachable configuration checked)")
                )
            found.append((kind, r, model, dead_state, proof))
    return found, explored, complete


class _CampScheduler(Scheduler):
    """Adversary for the random search: each process has a target value; it is shown the
    messages that push it towards its target first (with some randomness)."""

    name = "camp adversary"

    def __init__(self, target: dict[int, int], noise: float) -> None:
        self.target, self.noise = target, noise

    def next(self) -> Message | None:
        net = self.net
        inflight = net.inflight
        if not inflight:
            return None
        rng = self.rng
        active = set(net.active())
        current: dict[int, list[Message]] = {}
        for msg in inflight.values():
            if msg.receiver in active and (msg.round, msg.phase) == net.position(msg.receiver):
                current.setdefault(msg.receiver, []).append(msg)
        if not current:
            msgs = list(inflight.values())
            return msgs[int(rng.integers(len(msgs)))]
        receivers = sorted(current)
        p = receivers[int(rng.integers(len(receivers)))]
        msgs = current[p]
        if rng.random() < self.noise:
            return msgs[int(rng.integers(len(msgs)))]
        want = self.target.get(p, 0)

        def score(m: Message) -> int:
            if m.phase == REPORT:
                return 0 if m.value == want else 1
            return 0 if m.value == want else (1 if m.value is None else 2)

        best = min(score(m) for m in msgs)
        pool = [m for m in msgs if score(m) == best]
        return pool[int(rng.integers(len(pool)))]


class _CampCoin:
    """A coin the adversary loads: a process's coin shows its target value with probability
    ``follow``, else a fair bit."""

    def __init__(self, target: dict[int, int], follow: float, seed: int) -> None:
        self.target, self.follow = target, follow
        self.rng = np.random.default_rng(seed)

    def __call__(self, pid: int, rnd: int, x: int) -> int:
        if self.rng.random() < self.follow:
            return self.target.get(pid, 0)
        return int(self.rng.integers(2))


class _CampScript:
    """A Byzantine script that sends every receiver its camp's value (report and D-message)."""

    def __init__(self, target: dict[int, int]) -> None:
        self.target = target

    def __call__(self, receiver: int, rnd: int, phase: int, xs: Sequence[int]) -> int:
        return self.target.get(receiver, 0)


class _RandomScript:
    """A Byzantine script with random values, fixed once drawn (so replays agree)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.memo: dict[tuple[int, int, int], int | None] = {}

    def __call__(self, receiver: int, rnd: int, phase: int, xs: Sequence[int]) -> int | None:
        key = (receiver, rnd, phase)
        if key not in self.memo:
            k = int(self.rng.integers(2 if phase == REPORT else 3))
            self.memo[key] = None if k == 2 else k
        return self.memo[key]


_SCHEDULERS = ("uniform", "random_order", "split", "fifo", "camp", "camp", "camp")
_BYZ_BEHAVIOURS = ("equivocate", "adaptive", "always", "silent", "random", "camp", "camp")


def _random_run(
    rules: Rules, crashes: int, byzantine: int, policy: str, rng: np.random.Generator
) -> tuple[Run, str]:
    """One run with a random plan: inputs, faults, scheduler, coin."""
    n = rules.n
    pids = [int(p) for p in rng.permutation(n)]
    crashed, byz = pids[:crashes], pids[crashes : crashes + byzantine]
    correct = [p for p in range(n) if p not in crashed and p not in byz]
    if rng.random() < 0.3:
        inputs = [int(rng.integers(2))] * n
    else:
        inputs = [int(v) for v in rng.integers(0, 2, size=n)]
    if rng.random() < 0.5:
        target = {p: int(rng.integers(2)) for p in range(n)}
    else:
        lone = correct[int(rng.integers(len(correct)))]
        v = int(rng.integers(2))
        target = {p: v if p == lone else 1 - v for p in range(n)}
    faults: list = []
    for p in crashed:
        if rng.random() < 0.3:
            faults.append(Crash(p))
        else:
            rnd, phase = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            faults.append(Crash(p, rnd, phase, int(rng.integers(0, n + 1))))
    behaviours = []
    for p in byz:
        b = _BYZ_BEHAVIOURS[int(rng.integers(len(_BYZ_BEHAVIOURS)))]
        behaviours.append(b)
        if b == "random":
            faults.append(Byzantine(p, "scripted", script=_RandomScript(int(rng.integers(2**31)))))
        elif b == "camp":
            faults.append(Byzantine(p, "scripted", script=_CampScript(target)))
        else:
            faults.append(Byzantine(p, b, value=int(rng.integers(2))))
    name = _SCHEDULERS[int(rng.integers(len(_SCHEDULERS)))]
    scheduler: object = (
        _CampScheduler(target, float(rng.choice([0.0, 0.1, 0.3]))) if name == "camp" else name
    )
    coin: object = "local"
    if rng.random() < 0.6:
        coin = _CampCoin(target, float(rng.choice([0.7, 0.9, 1.0])), int(rng.integers(2**31)))
    result = run(
        n,
        rules.t,
        inputs,
        variant=rules.variant,
        rules=rules,
        scheduler=scheduler,
        faults=faults,
        coin=coin,
        seed=int(rng.integers(2**31)),
        max_rounds=int(rng.integers(2, 7)),
        decided_policy=policy,
        allow_unsafe=True,
    )
    how = f"random search ({name} scheduler, {'loaded' if coin != 'local' else 'fair'} coins"
    if behaviours:
        how += ", Byzantine " + "/".join(behaviours)
    return result, how + ")"


def _kind_of(r: Run) -> str | None:
    kinds = [v.kind for v in r.violations]
    for k in ("agreement", "validity", "termination"):
        if k in kinds:
            return k
    return None


def _kind_if(r: Run, kind: str) -> str | None:
    return kind if any(v.kind == kind for v in r.violations) else None


def _rerun(base: Run, script: list[Key], coin: object) -> Run | None:
    try:
        return base.replay(script=script, coin=coin)
    except ValueError:  # a delivery no longer in flight, or a coin no longer scripted
        return None


def _shrink(base: Run, kind: str, deadline: float) -> Run:
    """Fewer deliveries with the same violation: cut after it, then drop deliveries greedily."""
    if kind == "termination":
        return base
    coins = {(e.pid, e.round): int(e.value) for e in base.trace if e.kind == COIN}
    byz = {p for p, d in base.faulty.items() if d.startswith("byzantine")}
    decisions: dict[int, int] = {}
    count, cut = 0, None
    for e in base.trace:
        if e.kind == DELIVER:
            count += 1
        elif e.kind == DECIDE and e.pid not in byz:
            decisions[e.pid] = int(e.value)
            bad = check_agreement(decisions) + check_validity(base.inputs, base.correct, decisions)
            if any(v.kind == kind for v in bad):
                cut = count
                break
    script = base.deliveries()
    best = base
    if cut is not None and cut < len(script):
        r = _rerun(base, script[:cut], coins)
        if r is not None and _kind_of(r) == kind:
            best, script = r, script[:cut]
    i = len(script) - 1
    while i >= 0 and time.perf_counter() < deadline:
        cand = script[:i] + script[i + 1 :]
        r = _rerun(base, cand, coins)
        if r is not None and any(v.kind == kind for v in r.violations):
            best, script = r, cand
        i -= 1
    return best


def _length(r: Run) -> int:
    return sum(1 for e in r.trace if e.kind == DELIVER)


def find_violation(
    n: int,
    t: int,
    *,
    variant: str = "crash",
    crashes: int = 0,
    byzantine: int = 0,
    rules: Rules | None = None,
    decided_policy: str = "keep_running",
    budget_s: float = 10.0,
    seed: int | None = None,
    max_runs: int | None = None,
    search: str = "auto",
    kind: str | None = None,
) -> Counterexample | NoViolation:
    """Search for a run that breaks agreement, validity or termination; return the shortest.

    Configurations outside the protocol's guarantees are accepted (that is the point).
    ``crashes``/``byzantine``: how many processes may crash / are Byzantine. ``rules``:
    deliberately broken thresholds (``standard_rules(...).with_changes(...)``). ``search``:
    "auto" (the exhaustive round-by-round search where it applies, then random runs),
    "exhaustive" or "random". ``max_runs`` caps the random runs (for reproducible results),
    ``budget_s`` the time. ``kind`` ("agreement", "validity" or "termination") looks for that
    kind of violation only; an agreement violation from mixed inputs (validity intact) is
    preferred among equally short ones.

    Termination: with real coins a repeated configuration proves nothing (the next coins
    could end it), so a termination violation is a blocked run (a correct process waits
    forever) or a reachable configuration from which no choice of deliveries, coins (and
    Byzantine messages) leads to every correct process deciding.

    Returns a :class:`Counterexample` (truthy: ``.kind``, ``.run``, ``.tried``,
    ``.explain()``), the one with the fewest deliveries found, or a falsy
    :class:`NoViolation` that still reports ``.tried``: ``if not result: print(result.tried)``.
    """
    start_time = time.perf_counter()
    n, t = check_n_t(n, t)
    variant = check_choice("variant", variant, VARIANTS)
    crashes = check_int("crashes", crashes, 0, n - 1)
    byzantine = check_int("byzantine", byzantine, 0, n - 1)
    if crashes + byzantine >= n:
        raise ValueError(
            f"crashes + byzantine must leave a correct process: {crashes} + {byzantine} >= n={n}"
        )
    decided_policy = check_choice("decided_policy", decided_policy, DECIDED_POLICIES)
    search = check_choice("search", search, ("auto", "exhaustive", "random"))
    if kind is not None:
        kind = check_choice("kind", kind, ("agreement", "validity", "termination"))
    if search == "exhaustive" and decided_policy != "keep_running":
        raise ValueError(
            "search='exhaustive' covers only decided_policy='keep_running' (halting processes "
            "break the round-by-round abstraction); use search='auto' or 'random'"
        )
    budget_s = check_budget("budget_s", budget_s)
    if max_runs is not None:
        max_runs = check_int("max_runs", max_runs, 0)
    if rules is None:
        rules = standard_rules(n, t, variant, allow_unsafe=True)
    else:
        rules = check_rules(rules, n, t)
        if rules.variant != variant:
            raise ValueError(
                f"rules are for the {rules.variant} variant but variant={variant!r}; "
                "pass the matching variant"
            )
    rng = make_rng(seed)
    deadline = start_time + float(budget_s)
    setting = f"{_rules_phrase(rules)}, {crashes} crash(es), {byzantine} Byzantine, " + (
        f"policy {decided_policy}"
    )
    if kind is not None:
        setting += f", looking for {kind} violations only"

    candidates: list[tuple[Run, str, str, _Model | None, _State | None, str]] = []
    tried, explored, complete = 0, 0, False
    if search != "random" and decided_policy == "keep_running":
        try:
            found, explored, complete = _exhaustive(
                rules,
                crashes,
                byzantine,
                min(deadline, start_time + 0.6 * budget_s),
                200_000,
                prefer_mixed=kind == "agreement",
            )
        except ValueError as exc:  # a Byzantine process's own copy cannot follow the script
            if search == "exhaustive":
                raise ValueError(
                    f"search='exhaustive' cannot replay this setting as concrete runs ({exc}); "
                    "use search='auto' or 'random'"
                ) from None
            found, explored, complete = [], 0, False
        for found_kind, r, model, dead, proof in found:
            tried += 1
            if kind is None or found_kind == kind:
                candidates.append(
                    (r, found_kind, "exhaustive round-by-round search", model, dead, proof)
                )
    if not candidates and search != "exhaustive":
        extra = None  # after a first hit, try this many more runs for a shorter one
        while time.perf_counter() < deadline and (max_runs is None or tried < max_runs):
            if extra is not None:
                if extra == 0:
                    break
                extra -= 1
            r, how = _random_run(rules, crashes, byzantine, decided_policy, rng)
            tried += 1
            found_kind = _kind_of(r) if kind is None else _kind_if(r, kind)
            if found_kind is not None:
                candidates.append((r, found_kind, how, None, None, ""))
                if extra is None:
                    extra = 100
    elapsed = time.perf_counter() - start_time
    if not candidates:
        return NoViolation(tried, explored, elapsed, complete, setting)
    shrink_deadline = time.perf_counter() + max(0.5, 0.15 * budget_s)
    best = None
    for r, kind, how, model, dead, proof in sorted(candidates, key=lambda c: _length(c[0])):
        if dead is None:
            r = _shrink(r, kind, shrink_deadline)
        if best is None or _length(r) < _length(best[0]):
            best = (r, kind, how, model, dead, proof)
    r, kind, how, model, dead, proof = best
    return Counterexample(
        kind=kind,
        run=r,
        tried=tried,
        explored=explored,
        elapsed=time.perf_counter() - start_time,
        found_by=how,
        message=_violation_message(r, kind) if dead is None else proof,
        dead_config=None if dead is None else _config(dead),
        proof=proof,
        _model=model,
    )


# --------------------------------------------------------------------------------------
# 4. Which result applies, and a demonstration of it
# --------------------------------------------------------------------------------------


def _check_model_args(
    coin: object, fault_model: object, n: object, t: object, faults: object
) -> tuple[str, str, int, int, int]:
    if not isinstance(coin, str) or coin not in COIN_NAMES:
        options = ", ".join(repr(c) for c in COIN_NAMES)
        raise ValueError(f"coin must be one of {options}, got {coin!r}")
    fault_model = check_choice("fault_model", fault_model, VARIANTS)
    n, t = check_n_t(n, t)
    faults = check_int("faults", faults, 0, n - 1)
    return coin, fault_model, n, t, faults


def classify_model(coin: str, fault_model: str, n: int, t: int, faults: int) -> dict[str, object]:
    """Which result applies to a model: FLP, Ben-Or's theorem, or a violated bound.

    Returns a dict with ``result`` ("FLP", "Ben-Or", "bound violated", or "no fault to
    tolerate" for a deterministic coin with t = 0 and no faults), ``title``,
    ``explanation``, ``deterministic``, ``bound_holds``, ``faults_ok`` and ``guarantees``
    (agreement, validity, termination: "always", "with probability 1" or "not guaranteed").
    """
    coin, fault_model, n, t, faults = _check_model_args(coin, fault_model, n, t, faults)
    deterministic = coin in DETERMINISTIC_COINS
    holds = bound_holds(n, t, fault_model)
    faults_ok = faults <= t
    need = "n > 2t" if fault_model == "crash" else "n > 5t"
    safe = holds and faults_ok
    if deterministic and t == 0 and faults == 0:
        result, title = "no fault to tolerate", "FLP does not apply (t = 0)"
        explanation = (
            f"The coin is replaced by the deterministic rule {coin!r}, but with t = 0 every "
            "process waits for all n messages, so all see the same thing: FLP needs the "
            "possibility of one crash. Whether this variant terminates depends on its coin "
            "rule (a tie can repeat forever), not on the adversary."
        )
        termination = "not guaranteed"
    elif deterministic:
        result, title = "FLP", "FLP impossibility (Fischer, Lynch and Paterson, 1985)"
        explanation = (
            f"The coin is replaced by the deterministic rule {coin!r}, so the protocol is "
            "deterministic. FLP: no deterministic protocol for asynchronous consensus that "
            "tolerates even one crash can guarantee termination; the adversary, choosing only "
            "the order of deliveries, keeps the run undecided forever."
        )
        if not safe:
            explanation += f" Moreover {_bound_words(need, n, t, faults, holds, faults_ok)}."
        termination = "not guaranteed"
    elif safe:
        result, title = "Ben-Or", "Ben-Or's theorem (1983)"
        explanation = (
            f"With real coins, {need} ({n} > {2 * t if fault_model == 'crash' else 5 * t}) "
            f"and at most t={t} faulty processes ({faults}), agreement and validity hold in "
            "every run and every run decides with probability 1."
        )
        if coin == "common":
            explanation += (
                " (A common coin, shared by all, is Rabin's model: it terminates in O(1) "
                "expected rounds.)"
            )
        termination = "with probability 1"
    else:
        result, title = "bound violated", f"outside the {need} bound"
        explanation = (
            f"{_bound_words(need, n, t, faults, holds, faults_ok).capitalize()}: Ben-Or's "
            "guarantees do not apply, and some adversary breaks agreement, validity or "
            "termination (the break-it search finds one)."
        )
        termination = "not guaranteed"
    return {
        "result": result,
        "title": title,
        "explanation": explanation,
        "deterministic": deterministic,
        "bound_holds": holds,
        "faults_ok": faults_ok,
        "guarantees": {
            "agreement": "always" if safe else "not guaranteed",
            "validity": "always" if safe else "not guaranteed",
            "termination": termination,
        },
    }


def _bound_words(need: str, n: int, t: int, faults: int, holds: bool, faults_ok: bool) -> str:
    parts = []
    if not holds:
        parts.append(f"the bound {need} fails (n={n}, t={t})")
    if not faults_ok:
        parts.append(f"{faults} processes are faulty, more than t={t}")
    return " and ".join(parts)


@dataclass(frozen=True)
class Demonstration:
    """What :func:`demonstrate` shows: ``kind`` is "endless run", "decided run",
    "counterexample", "undecided run" or "nothing found"; ``run`` the Run to show (None for
    "nothing found"); ``detail`` the Lasso, Counterexample or NoViolation behind it."""

    model: dict[str, object]
    kind: str
    run: Run | None
    text: str
    detail: object = None


DEMO_DELIVERIES_PER_S = 20_000
"""Deliveries a demonstration run may make per second of ``budget_s`` (a slow machine's
rate): the run stops undecided when they are used up, so the call stays within budget."""


def demonstrate(
    coin: str,
    fault_model: str,
    n: int,
    t: int,
    faults: int,
    *,
    seed: int = 0,
    budget_s: float = 2.0,
) -> Demonstration:
    """A run that shows the result :func:`classify_model` names: an endless run (FLP), a
    decided run and its round count (Ben-Or), or a counterexample (bound violated).

    ``budget_s`` (finite, > 0) bounds the work: the search for a counterexample, and the
    deliveries of a Ben-Or run (``DEMO_DELIVERIES_PER_S`` per second), which is labelled
    "undecided run" when it has not decided by then."""
    model = classify_model(coin, fault_model, n, t, faults)
    seed = check_int("seed", seed, 0)
    budget_s = check_budget("budget_s", budget_s)
    if model["deterministic"]:
        why = f"a run, not a proof: n={n} is too large for the exhaustive search"
        if n <= VALENCE_MAX_N:
            try:
                lasso = find_endless_run(n, t, coin=coin, variant=fault_model, allow_unsafe=True)
            except ValueError:
                lasso = None
                why = "no schedule keeps this variant undecided forever, checked exhaustively"
            if lasso is not None:
                text = lasso.explain()
                if faults:
                    text += f" (The adversary does not even need its {faults} fault(s).)"
                return Demonstration(model, "endless run", lasso.replay(cycles=2), text, lasso)
        r = run(
            n,
            t,
            n // 2,
            variant=fault_model,
            scheduler="split",
            coin=coin,
            faults=_demo_faults(fault_model, n, faults),
            seed=seed,
            max_rounds=30,
            allow_unsafe=True,
        )
        return Demonstration(
            model,
            "undecided run" if r.status != "decided" else "decided run",
            r,
            f"Under the split adversary with the rule {coin!r}: {r.summary()} ({why})",
        )
    if model["result"] == "Ben-Or":
        r = run(
            n,
            t,
            "random",
            variant=fault_model,
            scheduler="split" if fault_model == "crash" else "uniform",
            faults=_demo_faults(fault_model, n, faults),
            coin=coin,
            seed=seed,
            max_deliveries=max(1, int(budget_s * DEMO_DELIVERIES_PER_S)),
        )
        if r.status == "decided":
            return Demonstration(
                model, "decided run", r, f"{r.summary()} (round count {r.rounds}, seed {seed})."
            )
        return Demonstration(
            model,
            "undecided run",
            r,
            f"{r.summary()} (seed {seed}). This is not a violation: Ben-Or's theorem promises "
            "termination with probability 1, not within a given number of rounds, and the "
            "adversary makes runs of this setting long.",
        )
    note = ""
    for k in dict.fromkeys((faults, max(faults, t))):
        found = find_violation(
            n,
            t,
            variant=fault_model,
            crashes=k if fault_model == "crash" else 0,
            byzantine=k if fault_model == "byzantine" else 0,
            budget_s=budget_s / 2 if k == faults and faults < t else budget_s,
            seed=seed,
        )
        if found:
            return Demonstration(model, "counterexample", found.run, note + found.explain(), found)
        note = (
            f"With {faults} faulty process(es) nothing breaks ({found.tried} runs tried); "
            f"with the t={t} the configuration claims to tolerate: "
        )
    return Demonstration(model, "nothing found", None, found.explain(), found)


def _demo_faults(fault_model: str, n: int, faults: int) -> list:
    pids = range(n - faults, n)
    if fault_model == "crash":
        return [Crash(p) for p in pids]
    return [Byzantine(p, "adaptive") for p in pids]
