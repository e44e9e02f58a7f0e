"""Exact round distributions of the crash variant, as arrays over the rounds.

The round count of a run with no crashes is a Markov chain on one number: ``s``, how
many processes hold x = 1 at the start of a round. Both supported schedulers treat the
processes symmetrically, so who holds which value does not matter, only how many.
:func:`~benor_lib.distributions.chain.round_chain` builds the one-round transition of that
chain (module ``chain``) and :func:`exact_rounds` runs it forward. For settings whose mean
is too large for an array, :func:`benor_lib.round_distribution` (module ``phase_type``)
keeps the same chain in closed form.
"""

from __future__ import annotations

import warnings

import numpy as np

from benor_lib.distributions.chain import (
    EXACT_COINS,
    EXACT_MAX_N,
    EXACT_SCHEDULERS,
    RoundChain,
    chain_arrays,
    check_chain_args,
    initial_law,
    round_chain,
)
from benor_lib.distributions.phase_type import round_distribution
from benor_lib.protocol.rules import (
    check_int,
)

ROUND_CAP = 100_000
_BLOCK = 256

__all__ = [
    "EXACT_COINS",
    "EXACT_MAX_N",
    "EXACT_SCHEDULERS",
    "ROUND_CAP",
    "RoundChain",
    "exact_rounds",
    "initial_law",
    "round_chain",
    "round_parts",
]


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

    Crash variant, no crashes, decided processes keep running, any n up to 64.
    ``inputs``: ``"random"`` (fair coins), a number k of ones (the last k processes), or a
    0/1 sequence of length n. ``max_rounds=None`` extends the array until the probability
    of a longer run is below ``tol`` (at most ``ROUND_CAP`` rounds); otherwise the array
    has exactly ``max_rounds`` entries. When the tail is still above ``tol`` after
    ``ROUND_CAP`` rounds (a huge mean, such as n = 64, t = 31), a ValueError points to
    :func:`benor_lib.round_distribution`, which is exact at any size.

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
    n, t = check_chain_args(n, t, scheduler, coin)
    start = initial_law(n, inputs)
    if max_rounds is not None:
        max_rounds = check_int("max_rounds", max_rounds, 1, 10_000_000)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ValueError(f"tol must be a number between 0 and 1 (exclusive), got {tol!r}")
    if max_rounds is None:
        dist = round_distribution(n, t, inputs=inputs, scheduler=scheduler, coin=coin)
        if dist.sf(ROUND_CAP) >= tol:
            raise ValueError(
                f"the round count exceeds {ROUND_CAP} rounds with probability "
                f"{dist.sf(ROUND_CAP):.3g} >= tol={tol:g} (mean {dist.mean:.3g} rounds), too "
                "long for an array: use round_distribution, or pass max_rounds"
            )
    limit = ROUND_CAP if max_rounds is None else max_rounds
    together, lagged = _forward(
        chain_arrays(n, t, scheduler, coin), start, limit, None if max_rounds else tol
    )
    result = together + lagged
    if max_rounds is None and result.size == limit:
        warnings.warn(
            f"exact_rounds stopped at {ROUND_CAP} rounds with probability "
            f"{1 - result.sum():.3g} of longer runs left out",
            RuntimeWarning,
            stacklevel=2,
        )
    return result


def round_parts(
    n: int,
    t: int,
    *,
    inputs: object = "random",
    scheduler: str = "uniform",
    coin: str = "local",
    max_rounds: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exact_rounds` split in two, for r from 1 to ``max_rounds``: ``together[r-1]`` =
    P(every process decides in round r), ``lagged[r-1]`` = P(some process decided in round
    r - 1 and the others decide in round r). ``together + lagged`` is ``exact_rounds(...,
    max_rounds=max_rounds)``."""
    n, t = check_chain_args(n, t, scheduler, coin)
    start = initial_law(n, inputs)
    max_rounds = check_int("max_rounds", max_rounds, 1, 10_000_000)
    return _forward(chain_arrays(n, t, scheduler, coin), start, max_rounds, None)


def _forward(
    chain: tuple[np.ndarray, np.ndarray, np.ndarray],
    start: np.ndarray,
    limit: int,
    tol: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The chain's forward pass from ``start``: (together, lagged) for rounds 1 to ``limit``
    (see :func:`round_parts`), or fewer when ``tol`` is given and the probability of a
    longer run drops below it."""
    stay, all_decide, some_decide = chain
    n1 = stay.shape[0]
    # powers[k] = stay ** k for k < _BLOCK: one matrix product gives _BLOCK rounds at once
    powers = np.empty((_BLOCK, n1, n1))
    powers[0] = np.eye(n1)
    for k in range(1, _BLOCK):
        powers[k] = powers[k - 1] @ stay
    leave_after = stay.sum(axis=1)
    alls: list[np.ndarray] = []
    somes: list[np.ndarray] = []
    pi, pending, done = start, 0.0, 0
    while done < limit:
        states = np.einsum("i,kij->kj", pi, powers)  # pi before rounds done+1 .. done+_BLOCK
        finish_all = states @ all_decide
        finish_some = states @ some_decide
        lag = np.concatenate(([pending], finish_some[:-1]))
        if tol is not None:
            remaining = states @ leave_after + finish_some  # mass still running afterwards
            below = np.flatnonzero(remaining < tol)
            if below.size:
                alls.append(finish_all[: below[0] + 1])
                somes.append(lag[: below[0] + 1])
                break
        alls.append(finish_all)
        somes.append(lag)
        done += _BLOCK
        pi, pending = states[-1] @ stay, finish_some[-1]
    return np.concatenate(alls)[:limit], np.concatenate(somes)[:limit]
