"""What the apps offer, named once: the on-screen labels of schedulers and coins, each app's
range of n, and the checks of n and t the apps' settings share. Widget-free.

An app offers a subset of a table, in the table's order: ``labels(SCHEDULER_LABELS,
("uniform", "split"))``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from benor_lib.impossibility import VALENCE_MAX_N
from benor_lib.protocol.rules import BOUND_FACTOR, MAX_N, max_t
from benor_lib.protocol.validate import check_whole

SCHEDULER_LABELS: dict[str, str] = {
    "adversary": "worst case",
    "split": "split adversary",
    "uniform": "uniform",
    "random_order": "random order",
    "fifo": "FIFO",
    "choose": "you choose",
}
"""Who orders the messages. "adversary" (model explorer): whatever the result needs (the
endless schedule, the break-it search, the split adversary); "choose" (stepper): the reader;
the others are the library's named schedulers."""

COIN_LABELS: dict[str, str] = {
    "local": "local coins",
    "common": "common coin",
    "keep": "rule: keep",
    "zero": "rule: zero",
    "pid_parity": "rule: pid parity",
}
"""The coins: the two real ones, then the deterministic rules."""

N_RANGES: dict[str, tuple[int, int]] = {
    "stepper": (3, 9),
    "explorer": (2, MAX_N),
    "model explorer": (2, VALENCE_MAX_N),
}
"""The range of n each app offers: the stepper small enough to read every message, the
distribution explorer what the sampler takes, the model explorer what the exhaustive search
for FLP's endless run covers."""


def labels(table: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    """The entries of ``table`` for ``keys``, in the order of ``keys``."""
    return {key: table[key] for key in keys}


def check_app_n(n: object, app: str) -> int:
    """``n`` as a whole number in ``app``'s range (:data:`N_RANGES`), else ValueError."""
    low, high = N_RANGES[app]
    n = check_whole("n", n)
    if not low <= n <= high:
        raise ValueError(f"n must be between {low} and {high} in the {app}, got {n}")
    return n


def check_tolerated_t(n: int, t: object, variant: str = "crash") -> int:
    """``t`` as a whole number the variant tolerates with ``n`` processes, else ValueError
    saying the bound (n > 2t crash, n > 5t Byzantine) and the largest t allowed."""
    t = check_whole("t", t)
    if t < 0:
        raise ValueError(f"t must be 0 or more, got {t}")
    if t > max_t(n, variant):
        raise ValueError(
            f"t={t} is too large for n={n}: the {variant} variant needs "
            f"n > {BOUND_FACTOR[variant]}t, so with n={n}, t can be at most {max_t(n, variant)}"
        )
    return t
