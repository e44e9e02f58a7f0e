"""Exact round distributions of the crash variant for small n.

The round count of a run with no crashes is a Markov chain on one number: ``s``, how
many processes hold x = 1 at the start of a round. Both supported schedulers treat the
processes symmetrically, so who holds which value does not matter, only how many.
:func:`round_chain` builds the one-round transition of that chain and
:func:`exact_rounds` runs it forward.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .rules import (
    Rules,
    check_bound,
    check_choice,
    check_int,
    check_n_t,
    resolve_inputs,
    standard_rules,
)

SCHEDULERS = ("uniform", "split")
COINS = ("local", "common")
EXACT_MAX_N = 12
ROUND_CAP = 100_000
_BLOCK = 256

__all__ = ["EXACT_MAX_N", "RoundChain", "exact_rounds", "round_chain"]


@dataclass(frozen=True, eq=False)
class RoundChain:
    """One round of the crash variant as a Markov chain on s = number of processes with x = 1.

    ``stay[s, s2]``: probability that nobody decides in the round and s2 processes hold 1
    afterwards. ``all_decide[s]``: probability that every process decides in the round.
    ``some_decide[s]``: probability that some but not all decide (then all hold the decided
    value and all decide in the next round). Each row of ``stay`` plus the two vectors sums
    to 1.
    """

    n: int
    t: int
    scheduler: str
    coin: str
    stay: np.ndarray
    all_decide: np.ndarray
    some_decide: np.ndarray


def _hypergeom_pmf(good: int, bad: int, draws: int) -> np.ndarray:
    """P(k of the draws are good), k = 0..draws, drawing without replacement."""
    total = math.comb(good + bad, draws)
    return np.array(
        [math.comb(good, k) * math.comb(bad, draws - k) / total for k in range(draws + 1)]
    )


def _binom_pmf(trials: int, prob: float) -> np.ndarray:
    k = np.arange(trials + 1)
    comb = np.array([math.comb(trials, i) for i in k], dtype=float)
    return comb * prob**k * (1.0 - prob) ** (trials - k)


def _poly_power(poly: np.ndarray, power: int) -> np.ndarray:
    out = np.ones(1)
    for _ in range(power):
        out = np.convolve(out, poly)
    return out


def _phase1_d_prob(rules: Rules, scheduler: str, s: int, x: int) -> tuple[float, float]:
    """P(send D(1)), P(send D(0)) for a process holding x when s of the n processes hold 1."""
    n, others = rules.n, rules.quorum - 1
    ones, zeros = s - x, (n - 1) - (s - x)
    if scheduler == "uniform":
        heard = _hypergeom_pmf(ones, zeros, others)
    else:  # split: the most balanced set of quorum reports, own report included
        low, high = max(0, others - zeros), min(others, ones)
        a = min(max((rules.quorum - 2 * x) // 2, low), high)
        heard = np.zeros(others + 1)
        heard[a] = 1.0
    p1 = p0 = 0.0
    for a, prob in enumerate(heard):
        c1 = x + a
        if rules.sends_d(c1):
            p1 += prob
        elif rules.sends_d(rules.quorum - c1):
            p0 += prob
    return p1, p0


def _phase2_categories(rules: Rules, scheduler: str, m: int, own_d: int) -> np.ndarray:
    """P(decide), P(adopt only), P(flip a coin) for a process when m processes sent D."""
    n, others = rules.n, rules.quorum - 1
    d_others, plain_others = m - own_d, (n - 1) - (m - own_d)
    if scheduler == "uniform":
        heard = _hypergeom_pmf(d_others, plain_others, others)
    else:  # split: as few D-messages as possible, own message included
        heard = np.zeros(others + 1)
        heard[max(0, others - plain_others)] = 1.0
    out = np.zeros(3)
    for a, prob in enumerate(heard):
        d = own_d + a
        if rules.decides(d):
            out[0] += prob
        elif rules.adopts(d):
            out[1] += prob
        else:
            out[2] += prob
    return out


def _local_poly(cat: np.ndarray, v: int) -> np.ndarray:
    """One process, no decision: adopt v (x = v) or flip its own coin (x = 0 or 1)."""
    adopt = np.array([0.0, cat[1]]) if v == 1 else np.array([cat[1], 0.0])
    return adopt + cat[2] * np.array([0.5, 0.5])


@lru_cache(maxsize=64)
def _chain_arrays(n: int, t: int, scheduler: str, coin: str):
    rules = standard_rules(n, t, "crash")
    size = n + 1
    stay = np.zeros((size, size))
    all_decide = np.zeros(size)
    some_decide = np.zeros(size)
    for s in range(size):
        # (P(D(1)), P(D(0))) for a process holding 1 and for one holding 0
        p_one = _phase1_d_prob(rules, scheduler, s, 1) if s > 0 else (0.0, 0.0)
        p_zero = _phase1_d_prob(rules, scheduler, s, 0) if s < n else (0.0, 0.0)
        if (p_one[0] + p_zero[0]) > 0 and (p_one[1] + p_zero[1]) > 0:
            raise RuntimeError("D(0) and D(1) in the same round: impossible in the crash variant")
        v = 1 if p_one[0] + p_zero[0] > 0 else 0
        # number of D senders: Binomial(s, P(D | x=1)) + Binomial(n - s, P(D | x=0))
        senders = np.convolve(_binom_pmf(s, sum(p_one)), _binom_pmf(n - s, sum(p_zero)))
        for m, pm in enumerate(senders):
            if pm == 0.0:
                continue
            cat_d = _phase2_categories(rules, scheduler, m, 1) if m > 0 else np.zeros(3)
            cat_p = _phase2_categories(rules, scheduler, m, 0) if m < n else np.zeros(3)
            p_all = cat_d[0] ** m * cat_p[0] ** (n - m)
            if coin == "local":
                # polynomial in z marking x = 1 after the round; deciders are left out
                none = np.convolve(
                    _poly_power(_local_poly(cat_d, v), m), _poly_power(_local_poly(cat_p, v), n - m)
                )
                stay[s] += pm * none
                p_none = none.sum()
            else:
                # polynomial in w marking an adopter; every non-adopter flips the shared coin
                adopters = np.convolve(
                    _poly_power(np.array([cat_d[2], cat_d[1]]), m),
                    _poly_power(np.array([cat_p[2], cat_p[1]]), n - m),
                )
                for j, pj in enumerate(adopters):
                    ones_if_coin_differs = j if v == 1 else n - j
                    stay[s, v * n] += pm * pj * 0.5
                    stay[s, ones_if_coin_differs] += pm * pj * 0.5
                p_none = adopters.sum()
            all_decide[s] += pm * p_all
            some_decide[s] += pm * max(0.0, 1.0 - p_all - p_none)
    for arr in (stay, all_decide, some_decide):
        arr.setflags(write=False)
    # A partial decision leaves every process holding the decided value; from there all
    # decide in the next round. The chain relies on it, so check it.
    if not (abs(all_decide[0] - 1) < 1e-12 and abs(all_decide[n] - 1) < 1e-12):
        raise RuntimeError("from all-equal values every process must decide in one round")
    return stay, all_decide, some_decide


def _check_common(n: object, t: object, scheduler: object, coin: object) -> tuple[int, int]:
    n, t = check_n_t(n, t)
    if n > EXACT_MAX_N:
        raise ValueError(
            f"n must be at most {EXACT_MAX_N} for exact computation, got n={n}; "
            "use sample_rounds for larger n"
        )
    check_bound(n, t, "crash", False)
    check_choice("scheduler", scheduler, SCHEDULERS)
    check_choice("coin", coin, COINS)
    return n, t


def round_chain(n: int, t: int, *, scheduler: str = "uniform", coin: str = "local") -> RoundChain:
    """The one-round Markov chain of the crash variant (no crashes) on s = number of ones."""
    n, t = _check_common(n, t, scheduler, coin)
    stay, all_decide, some_decide = _chain_arrays(n, t, scheduler, coin)
    return RoundChain(n, t, scheduler, coin, stay, all_decide, some_decide)


def _initial(n: int, inputs: object) -> np.ndarray:
    if isinstance(inputs, str) and inputs == "random":
        return _binom_pmf(n, 0.5)
    x = resolve_inputs(n, inputs, np.random.default_rng(0))
    start = np.zeros(n + 1)
    start[int(x.sum())] = 1.0
    return start


def exact_rounds(
    n: int,
    t: int,
    *,
    inputs: object = "random",
    scheduler: str = "uniform",
    coin: str = "local",
    max_rounds: int | None = None,
    tol: float = 1e-12,
) -> np.ndarray:
    """Exact distribution of the round count: ``p[r-1] = P(round count = r)``.

    Crash variant, no crashes, decided processes keep running, n <= ``EXACT_MAX_N``.
    ``inputs``: ``"random"`` (fair coins), a number k of ones (the last k processes), or a
    0/1 sequence of length n. ``max_rounds=None`` extends the array until the probability
    of a longer run is below ``tol`` (at most ``ROUND_CAP`` rounds, with a warning if that
    is not enough); otherwise the array has exactly ``max_rounds`` entries.

    Derivation. Both schedulers treat processes symmetrically, so the state before a
    round is s, the number of processes with x = 1. In phase 1 a process holding x hears
    x plus q - 1 = n - t - 1 of the other n - 1 reports, of which s - x are ones: under the
    uniform scheduler the number of ones is hypergeometric, under the split adversary it is
    the most balanced choice. This gives each process's chance of sending D(v) (only one v
    is possible for a given s), independently across processes, so the number m of
    D-senders is a sum of two binomials. In phase 2 a process hears its own proposal plus
    q - 1 of the others, of which m (minus its own) are D(v): hypergeometric again (or the
    fewest possible under split). More than t D(v): decide; at least one: adopt v; none:
    flip a coin. Multiplying the per-process generating functions gives P(nobody decides
    and s' processes hold 1), P(all decide) and P(some decide). A process that decides v
    in round r makes every other one adopt v (it heard more than t D(v), and each process
    misses only t messages), so all decide in round r + 1. Hence
    ``p[r] = pi_r . all_decide + pi_{r-1} . some_decide`` with ``pi_r = pi_{r-1} @ stay``.
    """
    n, t = _check_common(n, t, scheduler, coin)
    start = _initial(n, inputs)
    if max_rounds is not None:
        max_rounds = check_int("max_rounds", max_rounds, 1, 10_000_000)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ValueError(f"tol must be a number between 0 and 1 (exclusive), got {tol!r}")
    stay, all_decide, some_decide = _chain_arrays(n, t, scheduler, coin)

    # powers[k] = stay ** k for k < _BLOCK: one matrix product gives _BLOCK rounds at once
    powers = np.empty((_BLOCK, n + 1, n + 1))
    powers[0] = np.eye(n + 1)
    for k in range(1, _BLOCK):
        powers[k] = powers[k - 1] @ stay
    leave_after = stay.sum(axis=1)

    limit = ROUND_CAP if max_rounds is None else max_rounds
    pieces: list[np.ndarray] = []
    pi, pending, done = start, 0.0, 0
    while done < limit:
        states = np.einsum("i,kij->kj", pi, powers)  # pi before rounds done+1 .. done+_BLOCK
        finish_all = states @ all_decide
        finish_some = states @ some_decide
        p = finish_all + np.concatenate(([pending], finish_some[:-1]))
        if max_rounds is None:
            remaining = states @ leave_after + finish_some  # mass still running afterwards
            below = np.flatnonzero(remaining < tol)
            if below.size:
                pieces.append(p[: below[0] + 1])
                return np.concatenate(pieces)[:limit]
        pieces.append(p)
        done += _BLOCK
        pi, pending = states[-1] @ stay, finish_some[-1]
    result = np.concatenate(pieces)[:limit]
    if max_rounds is None:
        warnings.warn(
            f"exact_rounds stopped at {ROUND_CAP} rounds with probability "
            f"{1 - result.sum():.3g} of longer runs left out",
            RuntimeWarning,
            stacklevel=2,
        )
    return result
