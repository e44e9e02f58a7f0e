"""Round counts: the share of runs still undecided after r rounds (sampled or exact), the
exact law split by how the last round ended, event-simulator round facts, and round
statistics against n (exact and sampled) for the rounds chapter."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benor_lib.distributions.compare import sweep
from benor_lib.distributions.exact import exact_rounds, round_parts
from benor_lib.distributions.phase_type import round_distribution
from benor_lib.protocol.rules import standard_rules
from benor_lib.protocol.validate import check_whole
from benor_lib.simulation.network import run
from benor_lib.simulation.schedulers import split_report_ones


def undecided_share(rounds: Any, censored: Any, upto: int) -> np.ndarray:
    """The share of runs still undecided after r rounds, for r = 0, 1, ..., ``upto``.

    ``rounds[i]`` is run i's round count and ``censored[i]`` is True when run i never
    decided (it is counted as undecided after every r). Entry 0 is always 1.
    """
    rounds = np.asarray(rounds, dtype=np.int64)
    censored = np.asarray(censored, dtype=bool)
    if rounds.shape != censored.shape or rounds.ndim != 1 or rounds.size == 0:
        raise ValueError("rounds and censored must be 1-D arrays of the same, non-zero length")
    r = np.arange(int(upto) + 1)
    still = censored[None, :] | (rounds[None, :] > r[:, None])
    return still.mean(axis=1)


def undecided_tail(p: Any, rounds: int) -> np.ndarray:
    """P(round count > r) for r from 1 to ``rounds`` from an exact distribution ``p``.

    ``p[r-1]`` is P(round count = r), as :func:`benor_lib.exact_rounds` returns it; the
    probability beyond the end of ``p`` (below its tolerance) counts as still undecided.
    """
    p = np.asarray(p, dtype=float)
    rest = max(0.0, 1.0 - float(p.sum()))
    tails = np.cumsum(p[::-1])[::-1]  # tails[k] = P(count >= k + 1), summed small to large
    out = np.full(int(rounds), rest)
    upto = min(int(rounds), p.size - 1)
    out[:upto] += tails[1 : upto + 1]
    return out


def exact_mean(p: np.ndarray) -> float:
    """The mean round count of ``p[r-1] = P(round count = r)`` (normalised)."""
    return float(np.arange(1, p.size + 1) @ p / p.sum())


def exact_quantile(p: np.ndarray, q: float) -> int:
    """Smallest r with P(round count <= r) >= q, for ``p[r-1] = P(round count = r)``."""
    cdf = np.cumsum(p)
    return int(min(np.searchsorted(cdf, q - 1e-12) + 1, p.size))


_EXACT_CACHE: OrderedDict[tuple, np.ndarray] = OrderedDict()


def cached_exact_rounds(n: int, t: int, inputs: object, scheduler: str, coin: str) -> np.ndarray:
    """:func:`~benor_lib.distributions.exact.exact_rounds` (read-only), remembering the last 64."""
    key = (n, t, inputs, scheduler, coin)
    if key not in _EXACT_CACHE:
        p = exact_rounds(n, t, inputs=inputs, scheduler=scheduler, coin=coin)
        p.setflags(write=False)
        _EXACT_CACHE[key] = p
        while len(_EXACT_CACHE) > 64:
            _EXACT_CACHE.popitem(last=False)
    return _EXACT_CACHE[key]


def clear_exact_cache() -> None:
    """Forget the distributions :func:`cached_exact_rounds` remembers (for timing)."""
    _EXACT_CACHE.clear()


def decision_split(
    n: int,
    t: int,
    *,
    inputs: object = "random",
    scheduler: str = "uniform",
    coin: str = "local",
    rounds: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact P(round count = r) split in two, for r from 1 to ``rounds``.

    ``together[r-1]``: every process decides in round r. ``lagged[r-1]``: some process
    decided in round r - 1 and the others decide in round r (they adopt the decided value
    in round r - 1, as the chain of :func:`~benor_lib.distributions.exact.round_chain`
    shows). The sum is
    :func:`~benor_lib.distributions.exact.exact_rounds` (with ``max_rounds=rounds``).
    """
    rounds = check_whole("rounds", rounds)
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    return round_parts(n, t, inputs=inputs, scheduler=scheduler, coin=coin, max_rounds=rounds)


@dataclass(frozen=True)
class EventRounds:
    """Round facts of many event-simulator runs: ``rounds`` (the last decision's round),
    ``first`` (the first decision's round) and ``violations`` (how many runs broke a
    property; always 0 for a correct protocol)."""

    rounds: np.ndarray
    first: np.ndarray
    violations: int

    @property
    def lagged_share(self) -> float:
        """Share of runs in which some process decided one round before the last."""
        return float(np.mean(self.rounds > self.first))


def event_rounds(
    n: int, t: int, runs: int, *, scheduler: str = "uniform", seed: int = 0
) -> EventRounds:
    """Run the event simulator ``runs`` times (random inputs) and collect round facts."""
    runs = check_whole("runs", runs)
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    rng = np.random.default_rng(seed)
    last = np.empty(runs, dtype=np.int64)
    first = np.empty(runs, dtype=np.int64)
    violations = 0
    for i in range(runs):
        result = run(n, t, "random", scheduler=scheduler, seed=int(rng.integers(2**32)))
        if result.status != "decided":
            raise ValueError(
                f"event_rounds needs settings whose runs decide within {result.max_rounds} "
                f"rounds, but run {i} (n={n}, t={t}, scheduler={scheduler!r}) ended "
                f"{result.status!r}: choose a smaller n or the uniform scheduler"
            )
        violations += bool(result.violations)
        decided = list(result.decision_rounds.values())
        last[i], first[i] = max(decided), min(decided)
    return EventRounds(last, first, violations)


def exact_by_n(
    ns: Sequence[int],
    t_of_n: Callable[[int], int],
    *,
    scheduler: str = "uniform",
    coin: str = "local",
) -> dict[str, np.ndarray]:
    """Exact mean, 99th percentile and P(1 round) of the round count for each n in ``ns``.

    ``t_of_n`` gives t for each n, for example ``lambda n: (n - 1) // 2``. Random inputs,
    no crashes, n <= ``EXACT_MAX_N``; from :func:`~benor_lib.round_distribution`, so a mean
    of 2^63 rounds is as exact as one of 2. Returns arrays ``n``, ``t``, ``mean``, ``p99``
    (floats: they can pass 2^63), ``p1``.
    """
    rows = []
    for n in ns:
        t = int(t_of_n(n))
        law = round_distribution(int(n), t, scheduler=scheduler, coin=coin)
        rows.append((n, t, law.mean, float(law.quantile(0.99)), law.pmf(1)))
    return _columns(rows, ("n", "t", "mean", "p99", "p1"))


def sampled_by_n(
    ns: Sequence[int],
    t_of_n: Callable[[int], int],
    runs: int,
    *,
    scheduler: str = "uniform",
    coin: str = "local",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Sampled mean, 99th percentile and censored share for each n, with :func:`sweep`.

    Returns arrays ``n``, ``t``, ``mean``, ``p99``, ``censored_share``.
    """
    settings = [
        {"n": int(n), "t": int(t_of_n(n)), "scheduler": scheduler, "coin": coin} for n in ns
    ]
    rows = sweep(settings, runs, seed=seed, exact=False)
    table = [(r["n"], r["t"], r["mean"], r["p99"], r["censored_share"]) for r in rows]
    return _columns(table, ("n", "t", "mean", "p99", "censored_share"))


def split_success_probability(n: int, t: int) -> float:
    """P(more than n/2 + t of n fair coins show the same value): 2 P(2 Bin(n, 1/2) > n + 2t).

    Under the split adversary (no crashes, local coins) a round ends the run exactly when
    this happens, and otherwise leaves every process flipping a fresh coin, so the round
    count is geometric with this success probability (``tests/apps/test_explorer.py`` checks it
    against :func:`~benor_lib.distributions.exact.exact_rounds`). For n = 2t + 1 it is 2^(1-n).
    """
    n, t = check_whole("n", n), check_whole("t", t)
    if n < 1 or t < 0:
        raise ValueError(f"n must be at least 1 and t at least 0, got n={n}, t={t}")
    wins = sum(math.comb(n, s) for s in range(n + 1) if split_round_ends_run(n, t, s))
    return wins / 2**n


def split_round_ends_run(n: int, t: int, ones: int) -> bool:
    """True when the split adversary (no crashes) cannot keep a round whose processes hold
    ``ones`` ones among n values from ending the run: even its most balanced phase-1 view
    (:func:`~benor_lib.simulation.schedulers.split_report_ones`) makes every process send
    a D-message for the same value, so all decide in that round."""
    n, t, ones = check_whole("n", n), check_whole("t", t), check_whole("ones", ones)
    if not 0 <= ones <= n:
        raise ValueError(f"ones must be between 0 and n={n}, got {ones}")
    rules = standard_rules(n, t)
    need = rules.quorum - 1

    def all_send_d(k: int) -> bool:  # k of the n processes hold the value v
        holders = {1: k, 0: n - k}
        return all(
            rules.sends_d(x + int(split_report_ones(x, 1, k - x, n - 1 - (k - x), need)[0]))
            for x in (0, 1)
            if holders[x] > 0
        )

    return all_send_d(ones) or all_send_d(n - ones)


def _columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: np.array([row[i] for row in rows]) for i, name in enumerate(names)}
