"""The three variants side by side, from real runs: messages per round and rounds against n.

- :func:`messages_per_round_formula`: the messages one full round sends, counted from the
  protocol (Ben-Or: 2 broadcasts of n messages by each of n processes; Bracha: 3 reliable
  broadcasts by each process, each n initial + n^2 echo + n^2 ready messages);
- :func:`message_counts`: the same measured from runs, as messages sent until every correct
  process decided, divided by the run's round count;
- :func:`rounds_by_n`: the mean round count (with its standard error) for each n.

Every run is a fault-free event simulation with random inputs and local coins under the
scheduler given ("uniform" by default; for Bracha's variant that is uniformly random order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from benor_lib.distributions.phase_type import round_distribution
from benor_lib.protocol.rules import RUN_VARIANTS, bound_holds, max_t
from benor_lib.protocol.validate import check_choice, check_int
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run

VARIANT_LABELS = {
    "crash": "Ben-Or, protocol A (crash)",
    "byzantine": "Ben-Or, protocol B (Byzantine)",
    "bracha": "Bracha (reliable broadcast)",
}
"""How figures and tables name each variant."""


@dataclass(frozen=True)
class VariantPoint:
    """One measured point: a variant at (n, t), the mean over ``runs`` runs and its standard
    error, and (for message counts) the count of one full round from the protocol."""

    variant: str
    n: int
    t: int
    runs: int
    mean: float
    sem: float
    formula: int | None = None
    censored: int = 0  # runs that reached max_rounds undecided (their round count is a floor)
    exact: float | None = None  # the exact mean, where the library computes it


def messages_per_round_formula(n: int, variant: str) -> int:
    """Messages one full fault-free round sends (every process's messages, to all n)."""
    n = check_int("n", n, 1)
    variant = check_choice("variant", variant, RUN_VARIANTS)
    if variant == "bracha":
        return 3 * n * (n + 2 * n * n)
    return 2 * n * n


def _t_for(n: int, variant: str, t: int | str) -> int | None:
    tt = max_t(n, variant) if t == "max" else int(t)
    return tt if tt < n and bound_holds(n, tt, variant) else None


def _check_args(ns, variants, t, runs) -> tuple[list[int], list[str], int | str, int]:
    if isinstance(ns, (str, bytes)) or not isinstance(ns, Sequence) or not ns:
        raise ValueError(f"ns must be a non-empty list of system sizes, got {ns!r}")
    ns = [check_int("n", n, 1, 64) for n in ns]
    if isinstance(variants, str):
        variants = [variants]
    variants = [check_choice("variant", v, RUN_VARIANTS) for v in variants]
    if t != "max":
        t = check_int("t", t, 0)
    return ns, variants, t, check_int("runs", runs, 1)


def _measured(
    ns, variants, t, runs, seed, scheduler, max_rounds
) -> Iterator[tuple[str, int, int, list[Run]]]:
    """(variant, n, t, runs) for each variant and n whose bound holds: ``runs`` fault-free
    runs with random inputs, one seed after another from ``seed``'s stream."""
    ns, variants, t, runs = _check_args(ns, variants, t, runs)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    for variant in variants:
        for n in ns:
            tt = _t_for(n, variant, t)
            if tt is None:
                continue
            results = [
                run(
                    n,
                    tt,
                    "random",
                    variant=variant,
                    scheduler=scheduler,
                    seed=int(rng.integers(2**31)),
                    max_rounds=max_rounds,
                    keep_trace=False,
                )
                for _ in range(runs)
            ]
            yield variant, n, tt, results


def _point(variant, n, t, values, formula=None, censored=0) -> VariantPoint:
    arr = np.asarray(values, dtype=float)
    sem = float(arr.std(ddof=1) / np.sqrt(len(arr))) if len(arr) > 1 else 0.0
    return VariantPoint(variant, n, t, len(arr), float(arr.mean()), sem, formula, censored)


def message_counts(
    ns: Sequence[int],
    *,
    variants: Sequence[str] = RUN_VARIANTS,
    t: int | str = "max",
    runs: int = 10,
    seed: int = 0,
    scheduler: str = "uniform",
    max_rounds: int = 50,
) -> list[VariantPoint]:
    """Messages per round measured from real runs, for each variant and n.

    A run's count is every message sent until each correct process decided (delivered or
    still in flight), divided by its round count. ``t`` is a number, or "max" for the largest
    t each variant tolerates at that n. Pairs (variant, n) whose bound fails are left out.
    """
    out = []
    for variant, n, tt, results in _measured(ns, variants, t, runs, seed, scheduler, max_rounds):
        counts = [
            (r.event_counts.get("deliver", 0) + len(r.pending)) / max(r.rounds, 1) for r in results
        ]
        out.append(_point(variant, n, tt, counts, messages_per_round_formula(n, variant)))
    return out


def rounds_by_n(
    ns: Sequence[int],
    *,
    variants: Sequence[str] = RUN_VARIANTS,
    t: int | str = 1,
    runs: int = 40,
    seed: int = 0,
    scheduler: str = "uniform",
    max_rounds: int = 200,
) -> list[VariantPoint]:
    """The mean round count and its standard error for each variant and n, from real runs.

    Runs cut off at ``max_rounds`` count as ``max_rounds`` (``VariantPoint.censored`` says
    how many). Pairs (variant, n) whose bound fails at this ``t`` are left out. For the
    crash variant under the uniform scheduler ``VariantPoint.exact`` is the exact mean
    (:func:`~benor_lib.distributions.phase_type.round_distribution`).
    """
    out = []
    for variant, n, tt, results in _measured(ns, variants, t, runs, seed, scheduler, max_rounds):
        censored = sum(1 for r in results if r.status != "decided")
        point = _point(variant, n, tt, [r.rounds for r in results], censored=censored)
        if variant == "crash" and scheduler == "uniform":
            point = replace(point, exact=float(round_distribution(n, tt).mean))
        out.append(point)
    return out


def points_table(points: Sequence[VariantPoint], what: str = "messages") -> list[list[str]]:
    """Rows for a printed table: variant, n, t, mean ± standard error (and the formula)."""
    rows = []
    for p in points:
        row = [VARIANT_LABELS[p.variant], str(p.n), str(p.t), f"{p.mean:,.1f} ± {p.sem:,.1f}"]
        if what == "messages":
            row.append(f"{p.formula:,}" if p.formula is not None else "")
        rows.append(row)
    return rows
