"""Valence of configurations (0-valent, 1-valent, bivalent) and endless runs: the lassos a
deterministic coin allows, and the adversary's chance of keeping a real coin undecided."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from benor_lib.impossibility.abstraction import (
    VALENCE_MAX_N,
    VALENCES,
    Config,
    Key,
    _all_decided,
    _as_config,
    _config,
    _decmask,
    _explore,
    _Graph,
    _Model,
    _Move,
    _State,
    _walk_back,
)
from benor_lib.protocol.coins import DETERMINISTIC_COINS
from benor_lib.protocol.rules import (
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
from benor_lib.protocol.validate import check_bool
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run


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
                return model.simulate(start, _walk_back(parent, s)[1])[0]
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
        bound = "with no bound on rounds" if self.exact else f"within {self.max_rounds} rounds"
        parts = [f"{k} {'is' if k == 1 else 'are'} {v}" for v, k in c.items() if k]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        states = f"{self.states} configuration" + ("" if self.states == 1 else "s")
        own = "; every process hears its own message" if self.hear_own else ""
        text = (
            f"With n = {self.n}, t = {self.t} and the coin rule {self.coin!r}, of the "
            f"{2**self.n} initial configurations {listed} (classified {bound}, after "
            f"exploring {states}{own})."
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


def _checked_model(
    n: int,
    t: int,
    coin: str,
    max_rounds: int | None,
    variant: str,
    rules: Rules | None,
    allow_unsafe: bool,
    hear_own: bool,
) -> tuple[_Model, int | None]:
    """The checked arguments of :func:`explore_valence` and :func:`classify`: the
    round-by-round model they explore, and the bound on rounds."""
    coin = _check_deterministic_coin(coin)
    rules = _valence_rules(n, t, variant, rules, allow_unsafe)
    if max_rounds is not None:
        max_rounds = check_int("max_rounds", max_rounds, 1)
    model = _Model(rules, coin, range(rules.n), hear_own=_check_bool("hear_own", hear_own))
    return model, max_rounds


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
    model, max_rounds = _checked_model(
        n, t, coin, max_rounds, variant, rules, allow_unsafe, hear_own
    )
    n, rules, coin = model.rules.n, model.rules, model.coin
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
    model, max_rounds = _checked_model(
        n, t, coin, max_rounds, variant, rules, allow_unsafe, hear_own
    )
    state = _as_config(config, model.rules.n)._state()
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
        kind = "bivalent " if self.bivalent else ""
        k, c = len(self.prefix), len(self.cycle)
        reach = (
            f"starts in the {kind}configuration {self.cycle[0]}"
            if k == 0
            else f"spends {k} round{'s' if k > 1 else ''} reaching the {kind}configuration "
            f"{self.cycle[0]}"
        )
        if c == 1:
            cycle = "a cycle of one round, which leads from that configuration back to itself"
        else:
            through = ", ".join(str(x) for x in self.cycle[1:])
            cycle = f"a cycle of {c} rounds, through {through} and back to {self.cycle[0]}"
        return (
            f"With the coin replaced by the rule {self.coin!r}, n = {self.n}, t = {self.t} "
            f"and inputs {ins}, the run {reach}, and the adversary then repeats {cycle}. "
            "Nobody ever decides, no process crashes, and every message is delivered: the "
            "adversary only chooses which n - t messages each process hears first."
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
        prefix = _walk_back(parent, v)[1]
        if best is not None and len(prefix) >= best[0] + len(best[2]):
            break
        back: dict[_State, tuple[_State, _Move]] = {}
        queue2: deque[_State] = deque()
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
    """P(the split adversary keeps the run undecided through round r), r from 1 to ``rounds``,
    when the coins are real (crash variant, no crashes, decided processes keep running).

    ``method``: "exact" (:func:`benor_lib.distributions.exact.exact_rounds`), "monte_carlo"
    (``runs`` runs of :func:`benor_lib.run` with a fixed ``seed``), or "auto" (exact when possible).
    """
    n, t = check_n_t(n, t)
    rounds = check_int("rounds", rounds, 1, 100_000)
    method = check_choice("method", method, ("auto", "exact", "monte_carlo"))
    runs = check_int("runs", runs, 1)
    if not bound_holds(n, t, "crash"):
        raise ValueError(f"the crash variant needs n > 2t, got n={n}, t={t}")
    use_exact = False
    if method != "monte_carlo":
        from benor_lib.distributions.exact import EXACT_MAX_N, exact_rounds

        use_exact = n <= EXACT_MAX_N
        if not use_exact and method == "exact":
            raise ValueError(f"exact computation needs n <= {EXACT_MAX_N}, got n={n}")
    if use_exact:
        p = exact_rounds(n, t, inputs=inputs, scheduler="split", max_rounds=rounds)
        return np.clip(1.0 - np.cumsum(p), 0.0, 1.0)
    rng = make_rng(seed)
    counts = np.zeros(rounds)
    for s in rng.integers(0, 2**31, size=runs):
        r = run(n, t, inputs, scheduler="split", coin="local", seed=int(s), max_rounds=rounds)
        done = r.rounds if r.status == "decided" else rounds + 1
        counts[: done - 1] += 1
    return counts / runs
