"""Aguilera and Toueg's attack on a common coin, as runs of the event simulator.

Theory of operation
-------------------
With a *common* coin every process that flips in round r gets the same bit c_r. Aguilera
and Toueg (2012) show that Ben-Or's protocol with such a coin can be kept from terminating
by a strong adversary that sees c_r *before the round's D-value is fixed* (the value v for
which some process sends D(v), if any). The adversary uses a slow process:

* The fast processes p0 .. p(n-2) hold a balanced set of values, k = (n-1)/2 of each. Each
  hears n - t of the fast reports, sees no majority, and sends "?". p0 then hears n - t
  "?" and flips: the coin c_r is out, and the adversary sees it.
* The slow process p(n-1) has not yet finished round r-1: it has sent D(d) for the
  previous round's D-value d = 1 - c(r-1) and heard no proposal yet. It can still end round
  r-1 with either value: hearing its own D(d) it adopts d; hearing only "?" it flips the
  common coin of round r-1 and gets c(r-1) = 1 - d. The adversary picks the one that equals
  1 - c_r. The slow process reports it, hears its own report and the k fast reports of the
  same value, more than n/2, and sends D(1 - c_r): the D-value of round r is 1 - c_r.
* k fast processes hear that D-message and adopt 1 - c_r; the others hear only "?" and
  flip c_r. Nobody hears more than one D-message, so nobody decides, and the fast values
  are balanced again. The slow process is again one round behind, holding D(1 - c_r).

So after every round the configuration is the same up to renaming the values 0 and 1,
whatever the coin showed: the run is a lasso that no coin outcome can leave. Round 1 is
the exception. Reports of round 1 are the inputs, fixed before any coin, so the attack
gets into its loop only if c_1 differs from the slow process's input (probability 1/2);
otherwise every process ends round 1 with the same value and decides in round 2.

An adversary that does not see the coin must fix the slow process's report, and with it
the D-value, before c_r is drawn. It can only guess, and with probability 1/2 the coin
shows the D-value: then every process ends the round with that value and all decide one
round later. ``sees_coin=False`` plays that blind version of the same adversary.

The adversary is a :class:`~benor_lib.simulation.schedulers.Scheduler` that reads process states (a
strong adversary). It delivers every message: those a process does not act on arrive once
they are stale and are ignored, so the schedule is fair. Every run it makes replays exactly
with :meth:`benor_lib.simulation.result.Run.replay`. When a round goes the protocol's way
(a blind guess fails, or c_1 equals the slow input) it hands over to oldest-first delivery
of everything in flight, and the run decides.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSAL, PROPOSE, REPORT
from benor_lib.protocol.rules import bound_holds, check_int, check_n_t, make_rng
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Message, Run
from benor_lib.simulation.schedulers import Scheduler

__all__ = ["AttackRound", "CoinAttack", "CoinSeeingAdversary", "attack_survival", "coin_attack"]

Key = tuple[int, int, int, int]


def _check_attack_n_t(n: object, t: object) -> tuple[int, int]:
    n, t = check_n_t(n, t)
    if n < 3 or n % 2 == 0:
        raise ValueError(f"the coin attack needs an odd n >= 3, got n={n}")
    if t < 1 or not bound_holds(n, t, "crash"):
        raise ValueError(f"the coin attack needs 1 <= t < n/2, got n={n}, t={t}")
    return n, t


class CoinSeeingAdversary(Scheduler):
    """The attack's scheduler: p0 .. p(n-2) fast, p(n-1) slow by one round.

    ``sees_coin``: whether it reads the round's common coin before it lets the slow process
    report (the attack) or must commit to the slow report first, guessing (blind).
    """

    def __init__(self, sees_coin: bool = True) -> None:
        if not isinstance(sees_coin, bool):
            raise ValueError(f"sees_coin must be True or False, got {sees_coin!r}")
        self.sees_coin = sees_coin
        self.name = "coin-seeing adversary" if sees_coin else "blind adversary"
        self.gave_up_in: int | None = None

    def attach(self, net, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self.gave_up_in = None
        self._plan = self._moves()

    def next(self) -> Message | None:
        inflight = self.net.inflight
        if self.gave_up_in is None:
            key = next(self._plan, None)
            if key is not None:
                return inflight[key]
        # fallback (the round went the protocol's way): oldest message first
        return next(iter(inflight.values()), None)

    # --- the plan ---------------------------------------------------------------------
    def _value(self, sender: int, receiver: int, rnd: int, phase: int) -> int | None:
        return self.net.inflight[(sender, receiver, rnd, phase)].value

    def _stale(self) -> list[Key]:
        """Every message in flight whose receiver is past its round and phase."""
        net = self.net
        return [k for k, m in net.inflight.items() if (m.round, m.phase) < net.position(k[1])]

    def _moves(self) -> Iterator[Key]:
        net = self.net
        n, q = net.n, net.quorum
        slow, fast = n - 1, list(range(n - 1))
        k = (n - 1) // 2
        procs = net.procs
        rnd = 1
        while True:
            # 1. every fast process hears n - t fast reports, balanced: it sends "?"
            for f in fast:
                for src in [f] + [g for g in fast if g != f][: q - 1]:
                    yield (src, f, rnd, REPORT)
            if not self.sees_coin and rnd > 1:
                # blind: the slow process must report before the coin is drawn; it guesses
                guess = int(self.rng.integers(2))
                yield from self._finish_slow(rnd - 1, guess, fast, q)
            # 2. p0 hears n - t "?" and flips: the coin of this round is out
            for src in fast[:q]:
                yield (src, 0, rnd, PROPOSAL)
            coin = procs[0].x
            if self.sees_coin and rnd > 1:
                yield from self._finish_slow(rnd - 1, 1 - coin, fast, q)
            w = self._value(slow, slow, rnd, REPORT)
            if w != 1 - coin:
                self.gave_up_in = rnd
                return
            # 3. the slow process hears its report and the fast reports equal to it: D(w)
            same = [f for f in fast if self._value(f, slow, rnd, REPORT) == w]
            other = [f for f in fast if f not in same]
            for src in ([slow] + same + other)[:q]:
                yield (src, slow, rnd, REPORT)
            # 4. fast processes end the round: p0 .. p(k-1) flip, p(k) .. p(n-2) adopt w
            for f in fast[1:]:
                rest = [g for g in fast if g != f]
                heard = [f] + rest[: q - 1] if f < k else [f, slow] + rest[: q - 2]
                for src in heard:
                    yield (src, f, rnd, PROPOSAL)
            # 5. fairness: every stale message arrives (and is ignored)
            yield from self._stale()
            rnd += 1

    def _finish_slow(self, rnd: int, target: int, fast: list[int], q: int) -> Iterator[Key]:
        """The slow process ends round ``rnd`` holding ``target``, then stale messages go."""
        slow = len(fast)
        d = self._value(slow, slow, rnd, PROPOSAL)
        heard = [slow] + fast[: q - 1] if target == d else fast[:q]
        for src in heard:
            yield (src, slow, rnd, PROPOSAL)
        yield from self._stale()


@dataclass(frozen=True)
class AttackRound:
    """What one round of an attack run did: the coin, the D-value, who adopted, who flipped."""

    round: int
    coin: int | None
    d_value: int | None
    adopted: tuple[int, ...]
    flipped: tuple[int, ...]
    decided: tuple[int, ...]
    fast_after: str  # the fast processes' values after the round, p0 first ("" if unknown)


@dataclass(frozen=True)
class CoinAttack:
    """One run of the common-coin attack (or of its blind version), with its round summary.

    ``run`` is a plain :class:`~benor_lib.simulation.result.Run`; ``rounds_played`` lists every
    completed round.
    """

    run: Run
    sees_coin: bool
    rounds_played: tuple[AttackRound, ...]
    gave_up_in: int | None

    @property
    def undecided(self) -> bool:
        """True when nobody decided within the run's max_rounds."""
        return not self.run.decisions

    def reproduces(self) -> bool:
        """Replay the run from its recorded deliveries and coin flips; True if the trace is
        the same event for event."""
        return self.run.replay().trace == self.run.trace

    def loop_holds(self) -> bool:
        """True when, from round 2 on, every round's D-value is 1 - coin and nobody decided:
        the same configuration, up to renaming 0 and 1, after every round."""
        later = self.rounds_played[1:]
        return bool(later) and all(
            r.coin is not None and r.d_value == 1 - r.coin and not r.decided for r in later
        )

    def table(self) -> list[dict[str, object]]:
        """One dict per round: round, coin, D-value, adopters, flippers, deciders, and the fast
        processes' values after the round."""
        return [
            {
                "round": r.round,
                "coin": r.coin,
                "D-value": r.d_value,
                "adopted": ", ".join(f"p{p}" for p in r.adopted),
                "flipped": ", ".join(f"p{p}" for p in r.flipped),
                "decided": ", ".join(f"p{p}" for p in r.decided),
                "fast after": r.fast_after,
            }
            for r in self.rounds_played
        ]

    def explain(self) -> str:
        """Plain sentences: what the adversary did and how the run ended."""
        r = self.run
        who = "sees each round's common coin" if self.sees_coin else "cannot see the coin"
        ins = "".join(map(str, r.inputs))
        text = f"With n = {r.n}, t = {r.t} and the inputs {ins}, the adversary {who}. "
        if self.undecided:
            text += (
                f"After {len(self.rounds_played)} rounds nobody has decided: in every round "
                "from round 2 on the D-value was the opposite of the coin."
            )
        else:
            text += (
                f"The coin of round {self.gave_up_in} showed the round's D-value, so every "
                f"process ended that round with the same value; all decided "
                f"{r.decided_value} by round {r.rounds}."
            )
        return text


def _rounds_played(r: Run) -> tuple[AttackRound, ...]:
    last = max((e.round for e in r.trace if e.kind in (ADOPT, COIN, DECIDE)), default=0)
    out = []
    for rnd in range(1, min(last, r.rounds) + 1):
        coins = [e for e in r.trace if e.kind == COIN and e.round == rnd]
        ends = {e.pid: e.value for e in r.trace if e.kind in (ADOPT, COIN) and e.round == rnd}
        fast = [ends.get(p) for p in range(r.n - 1)]
        ds = {e.value for e in r.trace if e.kind == PROPOSE and e.round == rnd} - {None}
        out.append(
            AttackRound(
                round=rnd,
                coin=int(coins[0].value) if coins else None,
                d_value=ds.pop() if ds else None,
                adopted=tuple(sorted(e.pid for e in r.trace if e.kind == ADOPT and e.round == rnd)),
                flipped=tuple(sorted(e.pid for e in coins)),
                decided=tuple(
                    sorted(e.pid for e in r.trace if e.kind == DECIDE and e.round == rnd)
                ),
                fast_after="" if None in fast else "".join(map(str, fast)),
            )
        )
    return tuple(out)


def _default_inputs(n: int) -> list[int]:
    k = (n - 1) // 2
    return [0] * k + [1] * k + [0]


def _round_coins(coins: Sequence[int]):
    bits = [check_int(f"coins[{i}]", b, 0, 1) for i, b in enumerate(coins)]

    def flip(pid: int, rnd: int, x: int) -> int:
        if rnd > len(bits):
            raise ValueError(f"coins has {len(bits)} values but round {rnd} needs a coin")
        return bits[rnd - 1]

    return flip


def coin_attack(
    n: int = 5,
    t: int = 1,
    inputs: Sequence[int] | None = None,
    *,
    sees_coin: bool = True,
    rounds: int = 12,
    seed: object = None,
    coins: Sequence[int] | None = None,
) -> CoinAttack:
    """One run of the crash variant with a common coin against the attack's adversary.

    ``inputs``: n zeros and ones whose first n - 1 (the fast processes) are balanced; the
    default is k zeros, k ones and a 0 for the slow process. ``sees_coin``: the attack
    (True) or its blind version. ``rounds``: max_rounds of the run. ``coins``: the common
    coin of rounds 1, 2, ... (default: a fair common coin drawn from ``seed``).
    """
    n, t = _check_attack_n_t(n, t)
    rounds = check_int("rounds", rounds, 1, 10_000)
    xs = _default_inputs(n) if inputs is None else list(inputs)
    if len(xs) != n:
        raise ValueError(f"inputs must have one value per process ({n}), got {len(xs)}")
    xs = [check_int(f"inputs[{i}]", v, 0, 1) for i, v in enumerate(xs)]
    if 2 * sum(xs[:-1]) != n - 1:
        raise ValueError(
            f"the attack needs the fast processes p0..p{n - 2} balanced, "
            f"{(n - 1) // 2} zeros and {(n - 1) // 2} ones; got inputs {xs}"
        )
    adversary = CoinSeeingAdversary(sees_coin)
    coin: object = "common" if coins is None else _round_coins(coins)
    r = run(n, t, xs, scheduler=adversary, coin=coin, seed=seed, max_rounds=rounds)
    return CoinAttack(r, sees_coin, _rounds_played(r), adversary.gave_up_in)


def attack_survival(
    n: int = 5,
    t: int = 1,
    *,
    rounds: int = 20,
    runs: int = 200,
    sees_coin: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(round counts, censored flags) of ``runs`` attack runs, seeds drawn from ``seed``.

    A run still undecided after ``rounds`` rounds is censored; feed both arrays to
    :func:`benor_lib.figures.undecided_share`.
    """
    runs = check_int("runs", runs, 1, 100_000)
    rng = make_rng(seed)
    counts, censored = [], []
    for s in rng.integers(0, 2**31, size=runs):
        a = coin_attack(n, t, sees_coin=sees_coin, rounds=rounds, seed=int(s))
        counts.append(a.run.rounds)
        censored.append(a.run.status != "decided")
    return np.array(counts), np.array(censored)
