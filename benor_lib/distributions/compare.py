"""Comparing samples with exact distributions, and sweeps over many settings.

:func:`distribution_distance` says whether a sample of round counts is consistent with an
exact distribution (total variation with a bound from the sample size, and a chi-square
test); :func:`sweep` summarises :func:`~benor_lib.distributions.sample.sample_rounds` over
many settings, with the exact mean where the chain covers the setting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benor_lib.distributions.exact import EXACT_MAX_N, exact_rounds
from benor_lib.distributions.sample import RoundSample, sample_rounds
from benor_lib.protocol.rules import bound_holds, check_int, make_rng
from benor_lib.protocol.validate import check_number

__all__ = ["Distance", "distribution_distance", "sweep"]


# --- comparing a sample with an exact distribution ---------------------------------


def _chi2_sf(x: float, dof: int) -> float:
    """P(chi-square with dof degrees of freedom > x), closed forms for integer dof."""
    if x <= 0:
        return 1.0
    y = x / 2
    if dof % 2 == 0:  # Q(m, y) = e^-y * sum_{j<m} y^j / j!
        terms = [j * math.log(y) - y - math.lgamma(j + 1) for j in range(dof // 2)]
        total = 0.0
    else:  # Q(m + 1/2, y) = erfc(sqrt y) + sum_{j<m} y^(j+1/2) e^-y / Gamma(j + 3/2)
        terms = [(j + 0.5) * math.log(y) - y - math.lgamma(j + 1.5) for j in range(dof // 2)]
        total = math.erfc(math.sqrt(y))
    return min(1.0, total + sum(math.exp(v) for v in terms))


@dataclass(frozen=True)
class Distance:
    """How far a sample of round counts is from an exact distribution.

    Rounds are pooled into bins with an expected count of at least ``min_expected``
    (the last bin holds the tail, censored runs included). ``tv``: total-variation
    distance between the binned sample and the binned exact distribution. ``tv_bound``:
    a sample from the exact distribution exceeds it with probability at most ``alpha``
    (E[tv] <= sqrt((bins-1)/runs)/2, plus a McDiarmid deviation term).
    ``p_value``: chi-square goodness of fit with bins - 1 degrees of freedom.
    """

    runs: int
    bins: int
    tv: float
    tv_bound: float
    chi2: float
    dof: int
    p_value: float
    alpha: float

    @property
    def consistent(self) -> bool:
        """True when neither test rejects the exact distribution at level alpha."""
        return self.tv <= self.tv_bound and self.p_value >= self.alpha


def distribution_distance(
    sample: RoundSample | Sequence[int] | np.ndarray,
    p: Sequence[float] | np.ndarray,
    *,
    censored: Sequence[bool] | np.ndarray | None = None,
    max_rounds: int | None = None,
    min_expected: float = 5.0,
    alpha: float = 1e-6,
) -> Distance:
    """Compare observed round counts with ``p`` (``p[r-1] = P(round count = r)``).

    ``sample``: a :class:`RoundSample` or the round counts of finished runs (for example
    from the event simulator); ``censored``/``max_rounds`` say which runs were cut off
    (they then belong to the tail bin). ``p`` may be truncated: its missing mass is the
    tail.
    """
    if isinstance(sample, RoundSample):
        rounds, cens, max_rounds = sample.rounds, sample.censored, sample.max_rounds
    else:
        rounds = np.asarray(sample)
        cens = np.zeros(rounds.shape, bool) if censored is None else np.asarray(censored)
        if cens.dtype != bool:
            raise ValueError("censored must be an array of True/False, one per run")
        if max_rounds is not None:
            max_rounds = check_int("max_rounds", max_rounds, 1)
    if rounds.ndim != 1 or rounds.size == 0 or cens.shape != rounds.shape:
        raise ValueError(
            "sample must be a non-empty 1-d array of round counts, censored of the same length"
        )
    if not np.issubdtype(rounds.dtype, np.integer) or rounds.min() < 1:
        raise ValueError("sample must hold integer round counts >= 1")
    try:
        probs = np.asarray(p, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            "p must be a non-empty 1-d array of probabilities summing to at most 1"
        ) from None
    if (
        probs.ndim != 1
        or probs.size == 0
        or not np.isfinite(probs).all()
        or probs.min() < 0
        or probs.sum() > 1 + 1e-9
    ):
        raise ValueError(
            "p must be a non-empty 1-d array of finite probabilities (no NaN) summing to at most 1"
        )
    alpha = check_number("alpha", alpha, 0, 1)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1, got {alpha!r}")
    min_expected = check_number("min_expected", min_expected, positive=True)
    runs = rounds.size
    if cens.any() and max_rounds is None:
        raise ValueError("max_rounds is needed to place censored runs")
    # censored runs took more than `cut` rounds: force a bin to start at cut + 1
    cut = int(max_rounds) if cens.any() else int(max(rounds.max(), probs.size))

    starts, acc = [1], 0.0
    for r in range(1, min(probs.size, cut) + 1):
        acc += runs * probs[r - 1]
        if acc >= min_expected:
            starts.append(r + 1)
            acc = 0.0
    if starts[-1] > cut + 1:
        starts.pop()
    edges = np.array(starts)
    expected = np.array(
        [probs[a - 1 : b - 1].sum() for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    expected = np.append(expected, max(0.0, 1.0 - expected.sum())) * runs
    if expected.size > 1 and expected[-1] < min_expected:  # fold a thin tail into its neighbour
        expected = np.append(expected[:-2], expected[-2:].sum())
        edges = edges[:-1]
    placed = np.where(cens, cut + 1, rounds)
    observed = np.bincount(np.searchsorted(edges, placed, side="right") - 1, minlength=edges.size)
    bins = edges.size
    tv = 0.5 * float(np.abs(observed - expected).sum()) / runs
    tv_bound = 0.5 * math.sqrt((bins - 1) / runs) + math.sqrt(-math.log(alpha) / (2 * runs))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected, np.inf * observed)
    chi2 = float(np.nansum(terms))
    dof = bins - 1
    p_value = _chi2_sf(chi2, dof) if dof > 0 else 1.0
    return Distance(runs, bins, tv, tv_bound, chi2, dof, p_value, alpha)


# --- sweeps --------------------------------------------------------------------------

_SETTING_KEYS = ("n", "t", "inputs", "scheduler", "faults", "coin", "allow_unsafe")


def sweep(
    settings: Iterable[Mapping[str, object]],
    runs: int,
    *,
    seed: object = None,
    max_rounds: int = 10_000,
    exact: bool = True,
    progress: bool = False,
) -> list[dict[str, object]]:
    """One summary row per setting: settings, mean, median, p99, censored_share, exact_mean.

    Each setting is a mapping with ``n`` and ``t`` and optionally ``inputs``, ``scheduler``,
    ``faults``, ``coin``, ``allow_unsafe`` (defaults as in :func:`sample_rounds`), for
    example ``[{"n": n, "t": (n - 1) // 2} for n in range(3, 12, 2)]``. Every setting gets
    its own random stream derived from ``seed``. ``exact_mean`` is the exact mean round
    count when :func:`exact_rounds` covers the setting (no crashes, n <= 12), else None.
    The rows convert directly to a table, e.g. ``pandas.DataFrame(rows)``.
    """
    if isinstance(settings, (str, bytes, Mapping)) or not isinstance(settings, Iterable):
        raise ValueError(
            "settings must be a list of mappings with at least 'n' and 't', such as "
            f"[{{'n': 5, 't': 1}}]; got {type(settings).__name__}"
        )
    settings = list(settings)
    if not settings:
        raise ValueError("settings must contain at least one setting")
    for i, setting in enumerate(settings):
        if not isinstance(setting, Mapping) or "n" not in setting or "t" not in setting:
            raise ValueError(f"settings[{i}] must be a mapping with at least 'n' and 't'")
        unknown = set(setting) - set(_SETTING_KEYS)
        if unknown:
            allowed = ", ".join(_SETTING_KEYS)
            raise ValueError(f"settings[{i}] has unknown keys {sorted(unknown)}; allowed {allowed}")
    if seed is not None and not isinstance(seed, np.random.Generator):
        check_int("seed", seed, 0)
    streams = make_rng(seed).spawn(len(settings))
    rows = []
    for setting, stream in zip(settings, streams, strict=True):
        sample = sample_rounds(
            runs=runs, seed=stream, max_rounds=max_rounds, progress=progress, **setting
        )
        row = sample.summary()
        row["seed"] = seed
        row["exact_mean"] = None
        covered = (
            sample.faults == 0
            and sample.n <= EXACT_MAX_N
            and bound_holds(sample.n, sample.t, "crash")
        )
        if exact and covered:
            p = exact_rounds(
                sample.n,
                sample.t,
                inputs=setting.get("inputs", "random"),
                scheduler=sample.scheduler,
                coin=sample.coin,
            )
            row["exact_mean"] = float(np.arange(1, p.size + 1) @ p / p.sum())
        rows.append(row)
    return rows
