"""The exact round-count distribution at any size, as a phase-type distribution.

:func:`benor_lib.exact_rounds` lists P(round count = r) round by round, which is hopeless
when the mean is astronomically large (n = 64, t = 31). :func:`round_distribution` keeps
the same Markov chain (:func:`benor_lib.distributions.exact.round_chain`) as a phase-type
representation: an initial distribution ``alpha`` over the transient states, the
sub-stochastic one-round matrix ``T`` between them and the exit vector ``e = 1 - T 1``,
so that P(R = r) = alpha T^(r-1) e. The first rounds are listed explicitly; after them
the state, given that the run goes on, has settled on the chain's quasi-stationary
distribution, and the tail is geometric with the chain's dominant eigenvalue. The mean
is alpha (I - T)^-1 1, solved by elimination.

Every step adds and multiplies nonnegative numbers only: the exit probabilities are
computed directly (never as 1 minus a sum), the elimination uses the
Grassmann-Taksar-Heyman trick for its pivots, and survival probabilities are kept as
logarithms. So probabilities far below 1e-16 of finishing in a round keep their relative
accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benor_lib.distributions.chain import chain_arrays, check_chain_args, initial_law
from benor_lib.protocol.validate import check_int, check_number

HEAD_MAX = 100_000
"""The most rounds listed explicitly before the tail must be geometric."""
_SETTLED = 1e-13  # relative change of the exit rate that counts as settled
_SETTLED_ROUNDS = 8  # ... for this many rounds in a row

__all__ = ["HEAD_MAX", "RoundDistribution", "round_distribution"]


@dataclass(frozen=True, eq=False)
class RoundDistribution:
    """Exact distribution of the round count R (crash variant, no crashes).

    ``head[r-1] = P(R = r)`` for r = 1 .. ``len(head)``. After the head the distribution
    is geometric: P(R > h + k) = P(R > h) * ``tail_ratio`` ** k for h = ``len(head)``;
    ``tail_rate`` = 1 - ``tail_ratio`` is stored separately because it can be far below
    the float resolution near 1. ``alpha``, ``transient`` and ``exit`` are the phase-type
    representation: states 0..n are "s processes hold 1 at the start of a round", state
    n + 1 is "some process has decided, all others decide in the next round".
    """

    n: int
    t: int
    scheduler: str
    coin: str
    alpha: np.ndarray
    transient: np.ndarray
    exit: np.ndarray
    head: np.ndarray
    head_log_sf: np.ndarray
    tail_ratio: float
    tail_rate: float
    mean: float

    def _check_r(self, r: object) -> int:
        return check_int("r", r, 0)

    def log_sf(self, r: int) -> float:
        """log P(R > r) (``-inf`` where the probability is 0)."""
        r = self._check_r(r)
        h = self.head.size
        if r <= h:
            return float(self.head_log_sf[r])
        if self.tail_rate >= 1.0:
            return -math.inf
        return float(self.head_log_sf[h]) + (r - h) * math.log1p(-self.tail_rate)

    def sf(self, r: int) -> float:
        """P(R > r)."""
        return math.exp(self.log_sf(r))

    def pmf(self, r: int) -> float:
        """P(R = r)."""
        r = self._check_r(r)
        h = self.head.size
        if r == 0:
            return 0.0
        if r <= h:
            return float(self.head[r - 1])
        return math.exp(self.log_sf(r - 1)) * self.tail_rate

    def quantile(self, q: float) -> int:
        """Smallest r with P(R <= r) >= q, for 0 <= q < 1 (a Python int, however large)."""
        q = check_number("q", q, 0.0, 1.0)
        if q >= 1.0:
            raise ValueError("q must be below 1: the round count has no largest value")
        if q == 0.0:
            return 1
        target = math.log1p(-q)  # want log P(R > r) <= target
        h = self.head.size
        # head_log_sf decreases; allow a rounding slack of a few ulps
        slack = 1e-12 * max(1.0, abs(target))
        inside = np.flatnonzero(self.head_log_sf <= target + slack)
        if inside.size:
            return max(1, int(inside[0]))
        step = math.log1p(-self.tail_rate)  # < 0
        return h + max(1, math.ceil((target - float(self.head_log_sf[h])) / step - 1e-9))


def _phase_type(n: int, t: int, scheduler: str, coin: str) -> tuple[np.ndarray, np.ndarray]:
    """The transient matrix T over states 0..n+1 and the exit vector e."""
    stay, all_decide, some_decide = chain_arrays(n, t, scheduler, coin)
    size = n + 2
    transient = np.zeros((size, size))
    transient[: n + 1, : n + 1] = stay
    transient[: n + 1, n + 1] = some_decide
    exit_ = np.append(all_decide, 1.0)
    return transient, exit_


def _mean(alpha: np.ndarray, transient: np.ndarray, exit_: np.ndarray) -> float:
    """alpha (I - T)^-1 1 by elimination on I - T, with every pivot computed as the exit
    probability plus the off-diagonal mass of its row (no cancellation)."""
    a = transient.copy()
    np.fill_diagonal(a, 0.0)  # self-loops cancel out of (I - T) x = b below
    e = exit_.copy()
    b = np.ones(a.shape[0])
    size = a.shape[0]
    pivots = np.zeros(size)
    for k in range(size):
        rest = slice(k + 1, size)
        pivot = e[k] + a[k, rest].sum()
        pivots[k] = pivot
        if pivot <= 0.0:  # a state the run can never leave: unreachable from alpha or mean inf
            continue
        w = a[rest, k] / pivot
        a[rest, rest] += np.outer(w, a[k, rest])
        e[rest] += w * e[k]
        b[rest] += w * b[k]
        a[rest, k] = 0.0
        idx = np.arange(k + 1, size)
        a[idx, idx] = 0.0  # self-loops created by the elimination cancel as well
    x = np.zeros(size)
    for k in range(size - 1, -1, -1):
        if pivots[k] <= 0.0:
            x[k] = math.inf
            continue
        x[k] = (b[k] + a[k, k + 1 :] @ x[k + 1 :]) / pivots[k]
    with np.errstate(invalid="ignore"):
        terms = np.where(alpha > 0, alpha * x, 0.0)
    return float(terms.sum())


def round_distribution(
    n: int,
    t: int,
    *,
    inputs: object = "random",
    scheduler: str = "uniform",
    coin: str = "local",
) -> RoundDistribution:
    """Exact distribution of the round count for any n up to 64, as a phase-type law.

    Crash variant, no crashes, decided processes keep running; ``inputs``, ``scheduler``
    and ``coin`` as in :func:`benor_lib.exact_rounds`. The first rounds are listed in
    ``head``; the rest is geometric (see :class:`RoundDistribution`). ``mean``,
    :meth:`RoundDistribution.quantile` and :meth:`RoundDistribution.sf` stay exact when
    the mean is far too large for a round-by-round array.
    """
    n, t = check_chain_args(n, t, scheduler, coin)
    transient, exit_ = _phase_type(n, t, scheduler, coin)
    alpha = np.append(initial_law(n, inputs), 0.0)

    # Walk forward with the state distribution given that the run is still going on.
    head: list[float] = []
    log_sf = [0.0]
    pi, log_alive = alpha, 0.0
    previous, settled = -1.0, 0
    rate = 1.0
    while len(head) < HEAD_MAX:
        rate = float(pi @ exit_)  # P(finish in this round | still running)
        moved = pi @ transient
        go_on = float(moved.sum())  # P(go on | still running), summed, not 1 - rate
        head.append(math.exp(log_alive) * rate)
        if go_on <= 0.0:
            log_sf.append(-math.inf)
            rate = 1.0
            break
        log_alive += math.log(go_on)
        log_sf.append(log_alive)
        pi = moved / go_on
        if previous > 0 and abs(rate - previous) <= _SETTLED * rate:
            settled += 1
            if settled >= _SETTLED_ROUNDS:
                break
        else:
            settled = 0
        previous = rate
    else:
        raise RuntimeError(
            f"the chain did not settle within {HEAD_MAX} rounds (n={n}, t={t}, "
            f"scheduler={scheduler!r}, coin={coin!r})"
        )
    # Settled: the next rounds finish with the same conditional rate.
    next_rate = float(pi @ exit_)
    tail_rate = 1.0 if log_sf[-1] == -math.inf else next_rate
    return RoundDistribution(
        n=n,
        t=t,
        scheduler=scheduler,
        coin=coin,
        alpha=alpha,
        transient=transient,
        exit=exit_,
        head=np.array(head),
        head_log_sf=np.array(log_sf),
        tail_ratio=1.0 - tail_rate,
        tail_rate=tail_rate,
        mean=_mean(alpha, transient, exit_),
    )
