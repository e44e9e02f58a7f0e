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


def _binom_pmf(trials: int, prob: float) -> np.ndarray:
    k = np.arange(trials + 1)
    return _comb_row(trials) * prob**k * (1.0 - prob) ** (trials - k)


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


@cache
def _pascal(n: int) -> np.ndarray:
    """``table[a, b]`` = C(a, b) as floats for 0 <= a, b <= n (0 where b > a)."""
    table = np.zeros((n + 1, n + 1))
    for a in range(n + 1):
        table[a, : a + 1] = _comb_row(a)
    table.setflags(write=False)
    return table


def _hypergeom_rows(good: np.ndarray, total: int, draws: int, n: int) -> np.ndarray:
    """Row i: P(k of the draws are good), k = 0..draws, drawing without replacement from
    ``total`` items of which ``good[i]`` are good."""
    comb, k = _pascal(n), np.arange(draws + 1)
    return (
        comb[good[:, None], k] * comb[(total - good)[:, None], draws - k] / math.comb(total, draws)
    )


def _power_rows(p0: np.ndarray, p1: np.ndarray, powers: np.ndarray, n: int) -> np.ndarray:
    """Row i: coefficients of (p0[i] + p1[i] z) ** powers[i], padded with zeros to n + 1."""
    k = np.arange(n + 1)
    low = np.clip(powers[:, None] - k, 0, None)
    return _pascal(n)[powers] * p0[:, None] ** low * p1[:, None] ** k


def _convolve_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise convolution of two (rows, n + 1) coefficient arrays whose row products have
    degree at most n."""
    size = a.shape[1]
    out = np.zeros_like(a)
    for k in range(size):
        out[:, k:] += a[:, k : k + 1] * b[:, : size - k]
    return out


def _phase2(rules, tables, scheduler, own_d):
    """Rows m = 0..n: P(decide), P(adopt only), P(flip) for a process whose own proposal is a
    D-message (own_d = 1) or "?" (own_d = 0) when m processes sent D (zeros where impossible)."""
    n, others = rules.n, rules.quorum - 1
    m = np.arange(n + 1)
    d_others = m - own_d
    valid = (d_others >= 0) & (d_others <= n - 1)
    d_others = d_others[valid]
    if scheduler == "uniform":
        heard = _hypergeom_rows(d_others, n - 1, others, n)
    else:  # split: as few D-messages as possible, own message included
        heard = np.zeros((d_others.size, others + 1))
        shown = split_proposal_ds(others, (n - 1) - d_others).astype(int)
        heard[np.arange(d_others.size), shown] = 1.0
    d = own_d + np.arange(others + 1)
    decide, adopt = tables["decides"][d], tables["adopts"][d]
    cats = np.zeros((n + 1, 3))
    cats[valid] = np.stack(
        [
            heard[:, decide].sum(axis=1),
            heard[:, ~decide & adopt].sum(axis=1),
            heard[:, ~decide & ~adopt].sum(axis=1),
        ],
        axis=1,
    )
    return cats


def _phase1(rules, tables, scheduler, x):
    """Rows s = 0..n: P(send D(1)), P(send D(0)), P(send "?") for a process holding x when s
    processes hold 1 (the last summed directly, not as 1 minus the others)."""
    n, others = rules.n, rules.quorum - 1
    s = np.arange(n + 1)
    valid = (s > 0) if x == 1 else (s < n)
    ones = s[valid] - x
    if scheduler == "uniform":
        heard = _hypergeom_rows(ones, n - 1, others, n)
    else:  # split: the most balanced set of quorum reports, own report included
        a, _ = split_report_ones(x, 1, ones, (n - 1) - ones, others)
        heard = np.zeros((ones.size, others + 1))
        heard[np.arange(ones.size), np.asarray(a, dtype=int)] = 1.0
    send = tables["sends_d"]
    c1 = x + np.arange(others + 1)
    d1 = send[c1]
    d0 = ~d1 & send[rules.quorum - c1]
    probs = np.zeros((n + 1, 3))
    probs[valid] = np.stack(
        [heard[:, d1].sum(axis=1), heard[:, d0].sum(axis=1), heard[:, ~d1 & ~d0].sum(axis=1)],
        axis=1,
    )
    probs[~valid, 2] = 1.0  # nobody holds x: nobody of them sends D
    return probs


def _outcomes(n, cats_d, cats_p, coin, v):
    """Row m: P(nobody decides and s' processes hold 1 afterwards), given m D(v) senders."""
    m = np.arange(n + 1)
    if coin == "local":
        # polynomial in z marking x = 1 after the round; deciders are left out
        def poly(cats):
            adopt0 = cats[:, 1] if v == 0 else np.zeros(n + 1)
            adopt1 = cats[:, 1] if v == 1 else np.zeros(n + 1)
            return adopt0 + cats[:, 2] * 0.5, adopt1 + cats[:, 2] * 0.5

        d0, d1 = poly(cats_d)
        p0, p1 = poly(cats_p)
        return _convolve_rows(_power_rows(d0, d1, m, n), _power_rows(p0, p1, n - m, n))
    # polynomial in w marking an adopter; every non-adopter flips the shared coin
    adopters = _convolve_rows(
        _power_rows(cats_d[:, 2], cats_d[:, 1], m, n),
        _power_rows(cats_p[:, 2], cats_p[:, 1], n - m, n),
    )
    out = np.zeros((n + 1, n + 1))
    out[:, v * n] += 0.5 * adopters.sum(axis=1)
    out += 0.5 * (adopters if v == 1 else adopters[:, ::-1])
    return out


@lru_cache(maxsize=64)
def chain_arrays(n: int, t: int, scheduler: str, coin: str):
    rules = standard_rules(n, t, "crash")
    tables = _rule_tables(rules)
    size = n + 1
    m = np.arange(size)
    # Phase 2 depends on m (the number of D senders) and the value v of the D-messages
    # only, so it is tabulated once per m, for a D-sender and for a "?"-sender.
    cats_d = _phase2(rules, tables, scheduler, 1)
    cats_p = _phase2(rules, tables, scheduler, 0)
    p_all = np.array([cats_d[k][0] ** k * cats_p[k][0] ** (n - k) for k in range(size)])
    p_some = np.array(
        [max(0.0, _p_any(cats_d[k][0], k, cats_p[k][0], n - k) - p_all[k]) for k in range(size)]
    )
    # Phase 1, for every s at once: (P(D(1)), P(D(0)), P("?")) for a holder of 1 and of 0
    p_one, p_zero = _phase1(rules, tables, scheduler, 1), _phase1(rules, tables, scheduler, 0)
    d1_any, d0_any = p_one[:, 0] + p_zero[:, 0] > 0, p_one[:, 1] + p_zero[:, 1] > 0
    if np.any(d1_any & d0_any):
        raise RuntimeError("D(0) and D(1) in the same round: impossible in the crash variant")
    # number of D senders: Binomial(s, P(D | x=1)) + Binomial(n - s, P(D | x=0))
    q1, q0 = p_one[:, 0] + p_one[:, 1], p_zero[:, 0] + p_zero[:, 1]
    senders = _convolve_rows(
        _power_rows(p_one[:, 2], q1, m, n), _power_rows(p_zero[:, 2], q0, n - m, n)
    )
    stay = np.zeros((size, size))
    for v, rows in ((1, d1_any), (0, ~d1_any)):  # v: the value of the round's D-messages
        if rows.any():
            stay[rows] = senders[rows] @ _outcomes(n, cats_d, cats_p, coin, v)
    all_decide = senders @ p_all
    some_decide = senders @ p_some
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
