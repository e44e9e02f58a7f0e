"""The one-round Markov chain of the crash variant, on s = how many processes hold x = 1.

The round count of a run with no crashes is a Markov chain on one number: ``s``, how
many processes hold x = 1 at the start of a round. Both supported schedulers treat the
processes symmetrically, so who holds which value does not matter, only how many.
:func:`round_chain` builds the one-round transition from the
:class:`~benor_lib.protocol.rules.Rules` predicates and the split adversary's view
(:func:`~benor_lib.simulation.schedulers.split_report_ones`); :mod:`.exact` runs it
forward and :mod:`.phase_type` keeps it in closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from benor_lib.protocol.rules import (
    Rules,
    check_bound,
    check_choice,
    check_n_t,
    resolve_inputs,
    standard_rules,
)
from benor_lib.simulation.schedulers import split_proposal_ds, split_report_ones

__all__ = [
    "EXACT_COINS",
    "EXACT_MAX_N",
    "EXACT_SCHEDULERS",
    "RoundChain",
    "chain_arrays",
    "check_chain_args",
    "initial_law",
    "round_chain",
]

EXACT_SCHEDULERS = ("uniform", "split")
"""The schedulers the chain covers (both treat the processes symmetrically)."""
EXACT_COINS = ("local", "common")
"""The coins the chain covers."""
EXACT_MAX_N = 64
"""The largest n of the exact chain (every n the library simulates): :func:`exact_rounds`
lists the rounds where the tail allows, :func:`benor_lib.round_distribution` is exact at any
size."""


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
    k = np.arange(max(0, draws - bad), min(good, draws) + 1)
    out = np.zeros(draws + 1)
    out[k] = _comb_row(good)[k] * _comb_row(bad)[draws - k] / math.comb(good + bad, draws)
    return out


def _binom_pmf(trials: int, prob: float) -> np.ndarray:
    k = np.arange(trials + 1)
    return _comb_row(trials) * prob**k * (1.0 - prob) ** (trials - k)


def _linear_power(poly: np.ndarray, power: int) -> np.ndarray:
    """Coefficients of (poly[0] + poly[1] z) ** power, by the binomial theorem."""
    k = np.arange(power + 1)
    return _comb_row(power) * poly[0] ** (power - k) * poly[1] ** k


@cache
def _comb_row(power: int) -> np.ndarray:
    return np.array([math.comb(power, i) for i in range(power + 1)], dtype=float)


def _p_any(a: float, m: int, b: float, rest: int) -> float:
    """1 - (1 - a) ** m * (1 - b) ** rest without cancellation (a tiny chance stays exact)."""
    if (m and a >= 1.0) or (rest and b >= 1.0):
        return 1.0
    return -math.expm1(m * math.log1p(-a) + rest * math.log1p(-b))


def _rule_tables(rules: Rules) -> dict[str, np.ndarray]:
    """The thresholds of ``rules`` for counts 0..quorum, as boolean arrays."""
    counts = range(rules.quorum + 1)
    return {
        name: np.array([getattr(rules, name)(c) for c in counts], dtype=bool)
        for name in ("sends_d", "decides", "adopts")
    }


def _phase1_d_prob(
    rules: Rules, tables: dict, scheduler: str, s: int, x: int
) -> tuple[float, float]:
    """P(send D(1)), P(send D(0)) for a process holding x when s of the n processes hold 1."""
    n, others = rules.n, rules.quorum - 1
    ones, zeros = s - x, (n - 1) - (s - x)
    if scheduler == "uniform":
        heard = _hypergeom_pmf(ones, zeros, others)
    else:  # split: the most balanced set of quorum reports, own report included
        a, _ = split_report_ones(x, 1, ones, zeros, others)
        heard = np.zeros(others + 1)
        heard[int(a)] = 1.0
    send = tables["sends_d"]
    c1 = x + np.arange(others + 1)
    d1 = send[c1]
    return float(heard[d1].sum()), float(heard[~d1 & send[rules.quorum - c1]].sum())


def _phase2_categories(
    rules: Rules, tables: dict, scheduler: str, m: int, own_d: int
) -> np.ndarray:
    """P(decide), P(adopt only), P(flip a coin) for a process when m processes sent D."""
    n, others = rules.n, rules.quorum - 1
    d_others, plain_others = m - own_d, (n - 1) - (m - own_d)
    if scheduler == "uniform":
        heard = _hypergeom_pmf(d_others, plain_others, others)
    else:  # split: as few D-messages as possible, own message included
        heard = np.zeros(others + 1)
        heard[int(split_proposal_ds(others, plain_others))] = 1.0
    d = own_d + np.arange(others + 1)
    decide, adopt = tables["decides"][d], tables["adopts"][d]
    return np.array(
        [heard[decide].sum(), heard[~decide & adopt].sum(), heard[~decide & ~adopt].sum()]
    )


def _local_poly(cat: np.ndarray, v: int) -> np.ndarray:
    """One process, no decision: adopt v (x = v) or flip its own coin (x = 0 or 1)."""
    adopt = np.array([0.0, cat[1]]) if v == 1 else np.array([cat[1], 0.0])
    return adopt + cat[2] * np.array([0.5, 0.5])


def _outcomes(n: int, cats_d: list, cats_p: list, coin: str, v: int) -> np.ndarray:
    """Row m: P(nobody decides and s' processes hold 1 afterwards), given m D(v) senders."""
    size = n + 1
    out = np.zeros((size, size))
    j = np.arange(size)
    for m in range(size):
        cat_d, cat_p = cats_d[m], cats_p[m]
        if coin == "local":
            # polynomial in z marking x = 1 after the round; deciders are left out
            out[m] = np.convolve(
                _linear_power(_local_poly(cat_d, v), m),
                _linear_power(_local_poly(cat_p, v), n - m),
            )
        else:
            # polynomial in w marking an adopter; every non-adopter flips the shared coin
            adopters = np.convolve(
                _linear_power(np.array([cat_d[2], cat_d[1]]), m),
                _linear_power(np.array([cat_p[2], cat_p[1]]), n - m),
            )
            out[m, v * n] += 0.5 * adopters.sum()
            np.add.at(out[m], j if v == 1 else n - j, 0.5 * adopters)
    return out


@lru_cache(maxsize=64)
def chain_arrays(n: int, t: int, scheduler: str, coin: str):
    rules = standard_rules(n, t, "crash")
    tables = _rule_tables(rules)
    size = n + 1
    stay = np.zeros((size, size))
    all_decide = np.zeros(size)
    some_decide = np.zeros(size)
    # Phase 2 depends on m (the number of D senders) and the value v of the D-messages
    # only, so it is tabulated once per m and v.
    cats_d = [
        _phase2_categories(rules, tables, scheduler, m, 1) if m else np.zeros(3)
        for m in range(size)
    ]
    cats_p = [
        _phase2_categories(rules, tables, scheduler, m, 0) if m < n else np.zeros(3)
        for m in range(size)
    ]
    p_all = np.array([cats_d[m][0] ** m * cats_p[m][0] ** (n - m) for m in range(size)])
    p_some = np.array(
        [max(0.0, _p_any(cats_d[m][0], m, cats_p[m][0], n - m) - p_all[m]) for m in range(size)]
    )
    outcomes = {}
    for s in range(size):
        # (P(D(1)), P(D(0))) for a process holding 1 and for one holding 0
        p_one = _phase1_d_prob(rules, tables, scheduler, s, 1) if s > 0 else (0.0, 0.0)
        p_zero = _phase1_d_prob(rules, tables, scheduler, s, 0) if s < n else (0.0, 0.0)
        if (p_one[0] + p_zero[0]) > 0 and (p_one[1] + p_zero[1]) > 0:
            raise RuntimeError("D(0) and D(1) in the same round: impossible in the crash variant")
        v = 1 if p_one[0] + p_zero[0] > 0 else 0
        if v not in outcomes:
            outcomes[v] = _outcomes(n, cats_d, cats_p, coin, v)
        # number of D senders: Binomial(s, P(D | x=1)) + Binomial(n - s, P(D | x=0))
        senders = np.convolve(_binom_pmf(s, sum(p_one)), _binom_pmf(n - s, sum(p_zero)))
        stay[s] = senders @ outcomes[v]
        all_decide[s] = senders @ p_all
        some_decide[s] = senders @ p_some
    for arr in (stay, all_decide, some_decide):
        arr.setflags(write=False)
    # A partial decision leaves every process holding the decided value; from there all
    # decide in the next round. The chain relies on it, so check it.
    if not (abs(all_decide[0] - 1) < 1e-12 and abs(all_decide[n] - 1) < 1e-12):
        raise RuntimeError("from all-equal values every process must decide in one round")
    return stay, all_decide, some_decide


def check_chain_args(n: object, t: object, scheduler: object, coin: object) -> tuple[int, int]:
    n, t = check_n_t(n, t)
    check_bound(n, t, "crash", False)
    check_choice("scheduler", scheduler, EXACT_SCHEDULERS)
    check_choice("coin", coin, EXACT_COINS)
    return n, t


def round_chain(n: int, t: int, *, scheduler: str = "uniform", coin: str = "local") -> RoundChain:
    """The one-round Markov chain of the crash variant (no crashes) on s = number of ones."""
    n, t = check_chain_args(n, t, scheduler, coin)
    stay, all_decide, some_decide = chain_arrays(n, t, scheduler, coin)
    return RoundChain(n, t, scheduler, coin, stay, all_decide, some_decide)


def initial_law(n: int, inputs: object) -> np.ndarray:
    """The law of the number of processes starting with 1: ``law[k] = P(k ones)``, for
    ``inputs`` as :func:`exact_rounds` takes them."""
    if isinstance(inputs, str) and inputs == "random":
        return _binom_pmf(n, 0.5)
    x = resolve_inputs(n, inputs, np.random.default_rng(0))
    start = np.zeros(n + 1)
    start[int(x.sum())] = 1.0
    return start
